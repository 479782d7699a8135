import { generateKeyPair, exportJWK } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserAgent } from '../helpers/browser.ts';
import { person } from '../helpers/identities.ts';
import { loginThrough, registerPlatform, type Platform } from '../helpers/platform.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let platform: Platform;
const citizen = person();

async function loginWithOffline(p: Platform) {
  const ua = new UserAgent(server.issuer);
  const start = await p.authorize({ scope: 'openid profile offline_access', prompt: 'consent' });
  return p.finish(await loginThrough(ua, start.url, citizen.idNumber, citizen.password), start);
}

beforeAll(async () => {
  server = await startTestServer();
  platform = await registerPlatform(server.container, server.issuer);
  await server.container.persons.register(citizen);
});
afterAll(() => server?.stop());

describe('tokens', () => {
  it('rotates refresh tokens, and reuse of an old one revokes the whole grant', async () => {
    const first = await loginWithOffline(platform);
    expect(first.refresh_token).toBeTruthy();
    const second = await oidc.refreshTokenGrant(platform.config, first.refresh_token!);
    expect(second.refresh_token).toBeTruthy();
    expect(second.refresh_token).not.toBe(first.refresh_token);
    await expect(oidc.fetchUserInfo(platform.config, second.access_token, oidc.skipSubjectCheck)).resolves.toHaveProperty('sub');

    await expect(oidc.refreshTokenGrant(platform.config, first.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    // The rotated token and its access token died with the grant.
    await expect(oidc.refreshTokenGrant(platform.config, second.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    const introspected = await oidc.tokenIntrospection(platform.config, second.access_token);
    expect(introspected.active).toBe(false);
  });

  it('introspects and revokes tokens', async () => {
    const tokens = await loginWithOffline(platform);
    const live = await oidc.tokenIntrospection(platform.config, tokens.access_token);
    expect(live).toMatchObject({ active: true, client_id: platform.clientId, sub: tokens.claims()!.sub });
    await oidc.tokenRevocation(platform.config, tokens.refresh_token!);
    await expect(oidc.refreshTokenGrant(platform.config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('puts token issuance and revocation in the audit trail', async () => {
    const p = await registerPlatform(server.container, server.issuer);
    const { last } = (await server.container.db.knex('audit_events').max('id as last').first())!;
    const tokens = await loginWithOffline(p);
    const personId = (await server.container.persons.findByIdentifier(citizen.idNumber))!.id;
    const events = () => server.container.db.knex('audit_events').where('id', '>', last)
      .whereIn('action', ['token.issued', 'token.revoked']).orderBy('id');
    await expect.poll(async () => (await events()).map((e) => e.action)).toEqual(['token.issued']);
    const [issued] = await events();
    expect(issued).toMatchObject({ actor: personId, target: p.clientId, detail: { grantType: 'authorization_code', tokens: expect.arrayContaining(['AccessToken', 'RefreshToken']) } });
    await oidc.refreshTokenGrant(p.config, tokens.refresh_token!).then((t) => oidc.tokenRevocation(p.config, t.refresh_token!));
    await expect.poll(async () => (await events()).map((e) => `${e.action}:${e.detail.grantType ?? e.detail.kind}`))
      .toEqual(['token.issued:authorization_code', 'token.issued:refresh_token', 'token.revoked:refresh_token']);
    expect(JSON.stringify(await events())).not.toContain(citizen.idNumber);
  });

  it('lets only the token\'s own platform, or a registered resource server, introspect it', async () => {
    const tokens = await loginWithOffline(platform);
    const otherPlatform = await registerPlatform(server.container, server.issuer);
    expect((await oidc.tokenIntrospection(otherPlatform.config, tokens.access_token)).active).toBe(false);
    const api = await registerPlatform(server.container, server.issuer, { resource_server: true });
    expect(await oidc.tokenIntrospection(api.config, tokens.access_token)).toMatchObject({ active: true, client_id: platform.clientId });
  });

  it('authenticates clients with client_secret_post', async () => {
    const p = await registerPlatform(server.container, server.issuer, { token_endpoint_auth_method: 'client_secret_post' });
    const ua = new UserAgent(server.issuer);
    const start = await p.authorize();
    const callback = await loginThrough(ua, start.url, citizen.idNumber, citizen.password);
    const config = await oidc.discovery(new URL(server.issuer), p.clientId, p.clientSecret, oidc.ClientSecretPost(p.clientSecret), { execute: [oidc.allowInsecureRequests] });
    const tokens = await oidc.authorizationCodeGrant(config, new URL(callback), { pkceCodeVerifier: start.verifier, expectedState: start.state, expectedNonce: start.nonce });
    expect(tokens.claims()!.aud).toBe(p.clientId);
  });

  it('authenticates clients with private_key_jwt', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'rp-1', alg: 'ES256', use: 'sig' };
    const { clientId } = await server.container.clients.add({
      redirect_uris: ['http://127.0.0.1:9/pkjwt'], token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'ES256', jwks: { keys: [jwk] },
    });
    const config = await oidc.discovery(new URL(server.issuer), clientId, undefined, oidc.PrivateKeyJwt({ key: privateKey, kid: 'rp-1' }), { execute: [oidc.allowInsecureRequests] });
    const ua = new UserAgent(server.issuer);
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, { redirect_uri: 'http://127.0.0.1:9/pkjwt', scope: 'openid', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state: 's1' });
    const callback = await loginThrough(ua, url.toString(), citizen.idNumber, citizen.password);
    const tokens = await oidc.authorizationCodeGrant(config, new URL(callback), { pkceCodeVerifier: verifier, expectedState: 's1' });
    expect(tokens.claims()!.aud).toBe(clientId);
  });

  it('rejects a wrong client secret', async () => {
    const bad = await oidc.discovery(new URL(server.issuer), platform.clientId, 'x'.repeat(43), undefined, { execute: [oidc.allowInsecureRequests] });
    await expect(oidc.tokenIntrospection(bad, 'anything')).rejects.toMatchObject({ error: 'invalid_client' });
  });
});
