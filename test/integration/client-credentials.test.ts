import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;

beforeAll(async () => { server = await startTestServer(); });
afterAll(() => server?.stop());

describe('client_credentials', () => {
  it('issues ES256 JWT access tokens for a resource server, verifiable with the published JWKS', async () => {
    const { clientId, generatedSecret } = await server.container.clients.add({ grant_types: ['client_credentials'], response_types: [], redirect_uris: [], scope: 'api' });
    const config = await oidc.discovery(new URL(server.issuer), clientId, generatedSecret, undefined, { execute: [oidc.allowInsecureRequests] });
    const tokens = await oidc.clientCredentialsGrant(config, { scope: 'api' });
    const { payload, protectedHeader } = await jwtVerify(tokens.access_token, createRemoteJWKSet(new URL(`${server.issuer}/jwks`)), { issuer: server.issuer, audience: 'urn:yihao:api' });
    expect(protectedHeader.alg).toBe('ES256');
    expect(payload).toMatchObject({ client_id: clientId, scope: 'api' });
  });

  it('refuses an unknown resource', async () => {
    const { clientId, generatedSecret } = await server.container.clients.add({ grant_types: ['client_credentials'], response_types: [], redirect_uris: [] });
    const config = await oidc.discovery(new URL(server.issuer), clientId, generatedSecret, undefined, { execute: [oidc.allowInsecureRequests] });
    await expect(oidc.clientCredentialsGrant(config, { resource: 'urn:other' })).rejects.toMatchObject({ error: 'invalid_target' });
  });
});
