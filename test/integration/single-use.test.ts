/**
 * Codes and refresh tokens are single use however the requests are timed: of 50 parallel
 * redemptions exactly one succeeds, the others get invalid_grant, and the grant is revoked with
 * everything issued under it (RFC 9700 §4.14.2), the winner's tokens included.
 */
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserAgent } from '../helpers/browser.ts';
import { person } from '../helpers/identities.ts';
import { loginThrough, registerPlatform, type Platform } from '../helpers/platform.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const PARALLEL = 50;
let server: TestServer;
let platform: Platform;
const citizen = person();

beforeAll(async () => {
  server = await startTestServer();
  platform = await registerPlatform(server.container, server.issuer);
  await server.container.persons.register(citizen);
});
afterAll(() => server?.stop());

/** POSTs to the token endpoint as the platform (client_secret_basic), raw. */
async function tokenRequest(params: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${server.issuer}/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(platform.clientId)}:${encodeURIComponent(platform.clientSecret)}`).toString('base64')}`,
    },
    body: new URLSearchParams(params).toString(),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Logs in and returns the code of the callback (not redeemed) and the PKCE verifier. */
async function codeFor(scope = 'openid profile offline_access') {
  const ua = new UserAgent(server.issuer);
  const start = await platform.authorize({ scope, prompt: 'consent' });
  const callback = new URL(await loginThrough(ua, start.url, citizen.idNumber, citizen.password));
  return { code: callback.searchParams.get('code')!, verifier: start.verifier };
}

const outcome = (results: Array<{ status: number; body: Record<string, unknown> }>) => ({
  ok: results.filter((r) => r.status === 200),
  refused: results.filter((r) => r.status === 400 && r.body.error === 'invalid_grant'),
});

async function userinfoStatus(accessToken: string): Promise<number> {
  return (await fetch(`${server.issuer}/me`, { headers: { authorization: `Bearer ${accessToken}` } })).status;
}

describe('single use under concurrency', () => {
  it(`lets exactly one of ${PARALLEL} parallel redemptions of one code through, then revokes the grant`, async () => {
    const { code, verifier } = await codeFor();
    const results = await Promise.all(Array.from({ length: PARALLEL }, () => tokenRequest({
      grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: platform.redirectUri,
    })));
    const { ok, refused } = outcome(results);
    expect(ok).toHaveLength(1);
    expect(refused).toHaveLength(PARALLEL - 1);
    // The code was replayed: what the winner got dies with the grant.
    const winner = ok[0]!.body;
    expect(await userinfoStatus(String(winner.access_token))).toBe(401);
    const refresh = await tokenRequest({ grant_type: 'refresh_token', refresh_token: String(winner.refresh_token) });
    expect(refresh).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it(`lets exactly one of ${PARALLEL} parallel refreshes with one refresh token through, and the chain does not fork`, async () => {
    const { code, verifier } = await codeFor();
    const first = await tokenRequest({ grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: platform.redirectUri });
    expect(first.status).toBe(200);
    const refreshToken = String(first.body.refresh_token);
    const results = await Promise.all(Array.from({ length: PARALLEL }, () => tokenRequest({ grant_type: 'refresh_token', refresh_token: refreshToken })));
    const { ok, refused } = outcome(results);
    expect(ok).toHaveLength(1);
    expect(refused).toHaveLength(PARALLEL - 1);
    // Reuse was detected: the successor minted by the one winner no longer works either.
    const successor = String(ok[0]!.body.refresh_token);
    expect(await tokenRequest({ grant_type: 'refresh_token', refresh_token: successor })).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(await userinfoStatus(String(ok[0]!.body.access_token))).toBe(401);
  });

  it('keeps ordinary rotation working: each successor is usable once', async () => {
    const { code, verifier } = await codeFor();
    let tokens = await tokenRequest({ grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: platform.redirectUri });
    for (let i = 0; i < 3; i++) {
      const next = await tokenRequest({ grant_type: 'refresh_token', refresh_token: String(tokens.body.refresh_token) });
      expect(next.status).toBe(200);
      expect(await userinfoStatus(String(next.body.access_token))).toBe(200);
      tokens = next;
    }
  });

  it('refuses a code redeemed a second time after the first completed, and revokes the grant', async () => {
    const { code, verifier } = await codeFor();
    const params = { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: platform.redirectUri };
    const first = await tokenRequest(params);
    expect(first.status).toBe(200);
    expect(await tokenRequest(params)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(await userinfoStatus(String(first.body.access_token))).toBe(401);
    // openid-client sees the standard error too.
    await expect(oidc.refreshTokenGrant(platform.config, String(first.body.refresh_token))).rejects.toMatchObject({ error: 'invalid_grant' });
  });
});
