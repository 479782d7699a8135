/**
 * The account console is a relying platform of Yihao itself (as Keycloak's account console is):
 * a built-in public client, code flow with PKCE (oidc/built-in-client.ts).
 */
import { createHash } from 'node:crypto';
import { BuiltInClient, consoleClientMetadata } from '../oidc/built-in-client.ts';
import type { ClientMetadata, ClientRegistry } from '../oidc/client-registry.ts';

export const ACCOUNT_CLIENT_ID = 'yihao-account';

/**
 * oidc-provider's default routes (provider.ts does not rename them); relative to the issuer for
 * the browser, and to the loopback origin for our own server-to-server calls.
 */
export const ENDPOINTS = { authorization: '/auth', token: '/token', endSession: '/session/end', jwks: '/jwks' } as const;

/**
 * The authorization request of a first-party console: code flow with PKCE (S256), state and nonce,
 * asking for the `sid` and `auth_time` claims (the console follows its SSO session).
 */
export function authorizationUrl(issuer: string, p: { clientId: string; redirectUri: string; state: string; nonce: string; verifier: string; extra?: Record<string, string> }): string {
  const url = new URL(`${issuer}${ENDPOINTS.authorization}`);
  url.search = new URLSearchParams({
    client_id: p.clientId,
    response_type: 'code',
    scope: 'openid',
    redirect_uri: p.redirectUri,
    state: p.state,
    nonce: p.nonce,
    code_challenge: createHash('sha256').update(p.verifier).digest('base64url'),
    code_challenge_method: 'S256',
    claims: JSON.stringify({ id_token: { sid: null, auth_time: { essential: true } } }),
    ...p.extra,
  }).toString();
  return url.toString();
}

/** RP-initiated logout at end_session (platforms are told over the back channel). */
export function endSessionUrl(issuer: string, p: { idToken: string; postLogoutRedirectUri: string; state: string }): string {
  const url = new URL(`${issuer}${ENDPOINTS.endSession}`);
  url.search = new URLSearchParams({ id_token_hint: p.idToken, post_logout_redirect_uri: p.postLogoutRedirectUri, state: p.state }).toString();
  return url.toString();
}

export const accountUrls = (issuer: string) => ({
  home: `${issuer}/account`,
  callback: `${issuer}/account/callback`,
});

export function accountClientMetadata(issuer: string): ClientMetadata {
  const urls = accountUrls(issuer);
  return consoleClientMetadata({ name: '一号 · 个人中心', callback: urls.callback, postLogout: urls.home });
}

export class AccountClient extends BuiltInClient {
  constructor(registry: ClientRegistry, issuer: string) {
    super(registry, ACCOUNT_CLIENT_ID, accountClientMetadata(issuer));
  }
}
