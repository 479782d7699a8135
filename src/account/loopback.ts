/**
 * The account console's server-to-server calls to the provider (code exchange, JWKS) go to this
 * very process over loopback, never to ISSUER: behind a proxy the public URL may not be reachable
 * from the host itself, and a loopback call cannot be intercepted on the network. The port is
 * the one the request arrived on, so it works with PORT=0, behind cluster workers and in tests.
 */
import type { Socket } from 'node:net';
import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';
import { AppError } from '../errors.ts';
import { ENDPOINTS } from './account-client.ts';

const WILDCARD = new Set(['', '0.0.0.0', '::', '[::]']);
const TIMEOUT_MS = 5000;

/** The origin this process answers on from inside the host. */
export function loopbackOrigin(socket: Pick<Socket, 'localPort'>, listenHost: string): string {
  const host = WILDCARD.has(listenHost) ? '127.0.0.1' : listenHost.includes(':') && !listenHost.startsWith('[') ? `[${listenHost}]` : listenHost;
  if (!socket.localPort) throw new AppError('account.no_local_port');
  return `http://${host}:${socket.localPort}`;
}

export interface TokenResponse { id_token: string; access_token?: string; token_type?: string }

/** Redeems an authorization code at the token endpoint (public client: PKCE, no secret). */
export async function exchangeCode(origin: string, params: { code: string; verifier: string; redirectUri: string; clientId: string }): Promise<TokenResponse> {
  let res: Response;
  try {
    res = await fetch(`${origin}${ENDPOINTS.token}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: params.code,
        code_verifier: params.verifier,
        redirect_uri: params.redirectUri,
        client_id: params.clientId,
      }),
      redirect: 'error',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (cause) {
    throw new AppError('account.token_unreachable', 'the token endpoint did not answer', { cause: String(cause) });
  }
  const body = await res.json().catch(() => ({})) as Partial<TokenResponse> & { error?: string };
  if (!res.ok || typeof body.id_token !== 'string') {
    // invalid_grant: a code used twice, expired or issued for another verifier.
    throw new AppError('account.code_rejected', 'the authorization code was not accepted', { error: body.error ?? `http_${res.status}` });
  }
  return body as TokenResponse;
}

// One key set per origin; jose refetches it when a token names an unknown key (after a rotation).
// No cooldown between refetches: the ID tokens checked come from our own token endpoint over
// loopback (never from a browser), and with jose's default 30 s every console sign-in failed for
// that long after a key rotation.
const keySets = new Map<string, JWTVerifyGetKey>();

/** The provider's published signing keys, read over loopback. */
export function publishedKeys(origin: string): JWTVerifyGetKey {
  let keys = keySets.get(origin);
  if (!keys) {
    keys = createRemoteJWKSet(new URL(`${origin}${ENDPOINTS.jwks}`), { timeoutDuration: TIMEOUT_MS, cooldownDuration: 0 });
    keySets.set(origin, keys);
  }
  return keys;
}
