import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserAgent } from '../helpers/browser.ts';
import { person } from '../helpers/identities.ts';
import { loginThrough } from '../helpers/platform.ts';
import { adminClient, api, type AdminClient } from '../helpers/admin-api.ts';
import { cli } from '../helpers/cli-in-process.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

// Platforms through the admin API: registered and at once usable by a stock OIDC library
// (openid-client), changes and disabling effective at once through the client cache, the redirect
// URI rules with field paths, and a platform manager confined to its own platforms.
let server: TestServer;
let system: AdminClient;
const citizen = person();

beforeAll(async () => {
  server = await startTestServer();
  system = await adminClient(server, 'admin:system');
  await server.container.persons.register(citizen);
});
afterAll(() => server?.stop());

/** A code flow with openid-client for a registration made through the API. */
async function codeFlow(clientId: string, secret: string, redirectUri: string) {
  const config = await oidc.discovery(new URL(server.issuer), clientId, secret, undefined, { execute: [oidc.allowInsecureRequests] });
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri, scope: 'openid profile', state,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
  });
  const callback = await loginThrough(new UserAgent(server.issuer), url.toString(), citizen.idNumber, citizen.password);
  return oidc.authorizationCodeGrant(config, new URL(callback), { pkceCodeVerifier: verifier, expectedState: state });
}

const register = (body: Record<string, unknown>) => api(server, 'post', '/admin/api/platforms', system.token, body);

describe('registering a platform', () => {
  it('is usable at once by openid-client: code flow, tokens, userinfo; changes and disabling apply at once', async () => {
    const redirect = 'http://127.0.0.1:9/admin-api/cb';
    const res = await register({ client_name: '不动产登记', redirect_uris: [redirect], post_logout_redirect_uris: ['http://127.0.0.1:9/bye'], scope: 'openid profile phone id_number', subject_type: 'public', minimum_aal: 1 });
    expect(res.status).toBe(201);
    const { platform, client_secret: secret } = res.body as { platform: { client_id: string; metadata: Record<string, unknown> }; client_secret: string };
    expect(secret).toMatch(/^.{32,}$/);
    expect(platform.metadata).toMatchObject({ client_name: '不动产登记', scope: 'openid profile phone id_number', subject_type: 'public' });
    expect(JSON.stringify((await api(server, 'get', `/admin/api/platforms/${platform.client_id}`, system.token)).body)).not.toContain(secret);

    const tokens = await codeFlow(platform.client_id, secret, redirect);
    expect(tokens.claims()).toMatchObject({ aud: platform.client_id, name: citizen.name });
    const config = await oidc.discovery(new URL(server.issuer), platform.client_id, secret, undefined, { execute: [oidc.allowInsecureRequests] });
    await expect(oidc.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub)).resolves.toMatchObject({ name: citizen.name });

    // A new redirect URI is accepted at once (the cached registration is dropped by the change).
    const moved = 'http://127.0.0.1:9/admin-api/moved';
    expect((await api(server, 'patch', `/admin/api/platforms/${platform.client_id}`, system.token, { redirect_uris: [moved] })).status).toBe(200);
    await expect(codeFlow(platform.client_id, secret, moved)).resolves.toHaveProperty('access_token');

    // Disabled: the tokens it holds and its client authentication stop at once; enabled again, it works.
    expect((await api(server, 'post', `/admin/api/platforms/${platform.client_id}/disable`, system.token, { reason: 'contract ended' })).body).toMatchObject({ platform: { disabled: true } });
    await expect(oidc.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub)).rejects.toThrow();
    await expect(codeFlow(platform.client_id, secret, moved)).rejects.toThrow();
    expect((await api(server, 'post', `/admin/api/platforms/${platform.client_id}/disable`, system.token, {})).status).toBe(409);
    expect((await api(server, 'post', `/admin/api/platforms/${platform.client_id}/enable`, system.token, {})).status).toBe(200);
    await expect(codeFlow(platform.client_id, secret, moved)).resolves.toHaveProperty('access_token');

    // A rotated secret: the new one works, the old one no longer.
    const rotated = await api(server, 'post', `/admin/api/platforms/${platform.client_id}/rotate-secret`, system.token);
    const newSecret = rotated.body.client_secret as string;
    expect(newSecret).not.toBe(secret);
    await expect(codeFlow(platform.client_id, secret, moved)).rejects.toThrow();
    await expect(codeFlow(platform.client_id, newSecret, moved)).resolves.toHaveProperty('access_token');

    // Deleted: gone, and audited with the calling client, its address and user agent.
    expect((await api(server, 'delete', `/admin/api/platforms/${platform.client_id}`, system.token, { reason: 'test over' })).status).toBe(204);
    expect((await api(server, 'get', `/admin/api/platforms/${platform.client_id}`, system.token)).status).toBe(404);
    const events = await server.container.db.knex('audit_events').where({ target: platform.client_id }).where('action', 'like', 'client.%').orderBy('id');
    expect(events.map((e) => e.action)).toEqual(['client.added', 'client.updated', 'client.disabled', 'client.enabled', 'client.secret_rotated', 'client.removed']);
    for (const e of events) expect(e).toMatchObject({ actor: `client:${system.clientId}`, detail: { ip: expect.any(String), userAgent: 'yihao-tests/1' } });
    expect(events[2].detail.reason).toBe('contract ended');
  });

  it('refuses redirect URIs with fragments, wildcards, plain http off loopback or other schemes, naming each field', async () => {
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ redirect_uris: ['https://ok.example.gov.cn/cb', 'https://x.example.gov.cn/cb#frag'] }, 'redirect_uris.1', /fragment/],
      [{ redirect_uris: ['https://*.example.gov.cn/cb'] }, 'redirect_uris.0', /wildcard/],
      [{ redirect_uris: ['https://example.gov.cn/cb/*'] }, 'redirect_uris.0', /wildcard/],
      [{ redirect_uris: ['http://example.gov.cn/cb'] }, 'redirect_uris.0', /https/],
      [{ redirect_uris: ['http://10.0.0.8/cb'] }, 'redirect_uris.0', /https/],
      [{ redirect_uris: ['gov-app:/cb'] }, 'redirect_uris.0', /https/],
      [{ redirect_uris: ['/relative/cb'] }, 'redirect_uris.0', /absolute/],
      [{ redirect_uris: ['https://ok.example.gov.cn/cb'], post_logout_redirect_uris: ['http://example.gov.cn/bye'] }, 'post_logout_redirect_uris.0', /https/],
      [{ redirect_uris: ['https://ok.example.gov.cn/cb'], post_logout_redirect_uris: ['https://example.gov.cn/bye#x'] }, 'post_logout_redirect_uris.0', /fragment/],
    ];
    for (const [body, path, message] of cases) {
      const res = await register({ client_name: 'bad', ...body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error).toBe('client.invalid_metadata');
      expect(res.body.details.fields, JSON.stringify(body)).toContainEqual({ in: 'body', path, message: expect.stringMatching(message) });
    }
    // Loopback is allowed in development, https anywhere.
    for (const uri of ['http://127.0.0.1:8080/cb', 'http://[::1]/cb', 'http://localhost:3000/cb', 'https://www.example.gov.cn/oidc/callback']) {
      expect((await register({ client_name: 'ok', redirect_uris: [uri] })).status, uri).toBe(201);
    }
  });

  it('answers bad input with 400 and field paths, and unknown ids with 404', async () => {
    const bad = await register({ client_name: '', redirect_uris: 'https://x.example/cb', minimum_aal: 5, extra: true, scope: 'openid admin:system telepathy' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('admin.invalid_request');
    const paths = (bad.body.details.fields as Array<{ path: string }>).map((f) => f.path);
    expect(paths).toEqual(expect.arrayContaining(['client_name', 'redirect_uris', 'minimum_aal', 'scope', '']));
    expect(JSON.stringify(bad.body)).toMatch(/command line only/);
    expect((await register({ client_name: 'no uris' })).body.details.fields).toContainEqual(expect.objectContaining({ path: 'redirect_uris' }));
    expect((await api(server, 'post', '/admin/api/platforms', system.token, undefined)).status).toBe(400);
    const notJson = await fetch(`${server.issuer}/admin/api/platforms`, { method: 'POST', headers: { authorization: `Bearer ${system.token}`, 'content-type': 'application/json' }, body: '{"client_name":' });
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toMatchObject({ error: 'admin.invalid_json' });
    expect((await api(server, 'get', '/admin/api/platforms/yh_nope', system.token)).status).toBe(404);
    expect((await api(server, 'patch', '/admin/api/platforms/yh_nope', system.token, { client_name: 'x' })).status).toBe(404);
    expect((await api(server, 'get', '/admin/api/platforms?limit=0', system.token)).body.details.fields).toContainEqual(expect.objectContaining({ in: 'query', path: 'limit' }));
  });
});

describe('listing and platform managers', () => {
  it('paginates, and confines a platform manager to its platforms and what it may change', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await register({ client_name: `分页 ${i}`, redirect_uris: [`https://p${i}.example.gov.cn/cb`] })).body.platform.client_id);

    const seen: string[] = [];
    let next: string | null = '/admin/api/platforms?limit=2';
    let pages = 0;
    while (next) {
      const page = await api(server, 'get', next, system.token);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((p: { client_id: string }) => p.client_id));
      next = page.body.next;
      pages += 1;
    }
    expect(pages).toBeGreaterThan(1);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expect.arrayContaining([...ids, system.clientId]));

    const manager = await adminClient(server, 'admin:platforms', { managed_platforms: [ids[0]] });
    // An automation client holding a role is changed from the command line only: a system
    // administrator rotating its secret would take over its role.
    const takeovers: Array<[string, string, unknown]> = [
      ['post', `/admin/api/platforms/${manager.clientId}/rotate-secret`, undefined],
      ['patch', `/admin/api/platforms/${manager.clientId}`, { managed_platforms: ids }],
      ['post', `/admin/api/platforms/${manager.clientId}/disable`, {}],
      ['delete', `/admin/api/platforms/${manager.clientId}`, {}],
    ];
    for (const [method, path, body] of takeovers) {
      expect((await api(server, method, path, system.token, body)).body, `${method} ${path}`).toMatchObject({ error: 'client.admin_scope_cli_only' });
    }
    expect((await api(server, 'get', `/admin/api/platforms/${manager.clientId}`, system.token)).status).toBe(200);
    const mine = await api(server, 'get', '/admin/api/platforms', manager.token);
    expect(mine.body.items.map((p: { client_id: string }) => p.client_id)).toEqual([ids[0]]);
    expect((await api(server, 'get', `/admin/api/platforms/${ids[1]}`, manager.token)).status).toBe(404);
    expect((await api(server, 'patch', `/admin/api/platforms/${ids[1]}`, manager.token, { client_name: 'x' })).status).toBe(404);
    expect((await api(server, 'patch', `/admin/api/platforms/${ids[0]}`, manager.token, { client_name: '改名' })).body).toMatchObject({ platform: { metadata: { client_name: '改名' } } });
    const widen = await api(server, 'patch', `/admin/api/platforms/${ids[0]}`, manager.token, { scope: 'openid id_number' });
    expect(widen.status).toBe(403);
    expect((await api(server, 'post', `/admin/api/platforms/${ids[0]}/rotate-secret`, manager.token)).status).toBe(200);
    expect((await api(server, 'delete', `/admin/api/platforms/${ids[0]}`, manager.token)).status).toBe(403);
    expect((await api(server, 'post', '/admin/api/platforms', manager.token, { client_name: 'x', redirect_uris: ['https://x.example/cb'] })).status).toBe(403);

    // The system administrator reassigns it: effective at the manager's next request.
    await server.container.clients.update(manager.clientId, { managed_platforms: [ids[1]] });
    expect((await api(server, 'get', `/admin/api/platforms/${ids[0]}`, manager.token)).status).toBe(404);
    expect((await api(server, 'get', `/admin/api/platforms/${ids[1]}`, manager.token)).status).toBe(200);
  });
});

describe('the command line', () => {
  it('applies the same rules, and disables and enables platforms', async () => {
    const wildcard = await cli(['client', 'add', '--client-name', 'x', '--redirect-uri', 'https://*.example.gov.cn/cb'], server.env);
    expect(wildcard.code).toBe(1);
    expect(wildcard.stderr).toMatch(/redirect_uris\.0 must not contain a wildcard/);
    const fragment = await cli(['client', 'add', '--client-name', 'x', '--redirect-uri', 'https://ok.example.gov.cn/cb', '--post-logout-redirect-uri', 'https://ok.example.gov.cn/#bye'], server.env);
    expect(fragment.stderr).toMatch(/post_logout_redirect_uris\.0 must not contain a fragment/);
    const auditAndAct = await cli(['client', 'add', '--grant-type', 'client_credentials', '--scope', 'admin:audit admin:security'], server.env);
    expect(auditAndAct.stderr).toMatch(/admin:audit cannot be held with another administrative scope/);

    const added = await cli(['client', 'add', '--client-name', '命令行平台', '--redirect-uri', 'https://cli.example.gov.cn/cb', '--json'], server.env);
    const { client_id: id, client_secret: secret } = JSON.parse(added.stdout) as { client_id: string; client_secret: string };
    // Used once, so the server holds it in its client cache; the command line is another
    // container (another process's caches): its change must reach the server at once.
    await expect(codeFlow(id, secret, 'https://cli.example.gov.cn/cb')).resolves.toHaveProperty('access_token');
    expect(await cli(['client', 'disable', id], server.env)).toMatchObject({ code: 0, stdout: expect.stringContaining(`disabled ${id}`) });
    await expect(codeFlow(id, secret, 'https://cli.example.gov.cn/cb')).rejects.toThrow();
    expect(await server.container.clients.providerMetadata(id)).toBeUndefined();
    expect((await cli(['client', 'show', id], server.env)).stdout).toContain('status: disabled');
    expect((await api(server, 'get', `/admin/api/platforms/${id}`, system.token)).body.platform.disabled).toBe(true);
    expect(await cli(['client', 'enable', id], server.env)).toMatchObject({ code: 0 });
    await expect(codeFlow(id, secret, 'https://cli.example.gov.cn/cb')).resolves.toHaveProperty('access_token');
  });
});
