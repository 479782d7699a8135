import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminApiRouters } from '../../src/admin/api/admin-api.ts';
import { openApiPath } from '../../src/admin/api/openapi.ts';
import { ADMIN_ROLES, ROLE_SCOPES, type AdminRole } from '../../src/admin/roles.ts';
import { adminClient, api } from '../helpers/admin-api.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

// The role matrix: every admin API route × every role and none. Without a token 401; with a
// valid token holding no role, or a role the route does not name, 403; with one it names, never
// 401, 403 or a server error (the dummy ids and bodies then give 404 or 400, or success).
let server: TestServer;
const tokens = {} as Record<AdminRole, string>;
let roleless: string;
let routes: ReturnType<typeof adminApiRouters>['book']['routes'];

beforeAll(async () => {
  server = await startTestServer();
  for (const role of ADMIN_ROLES) tokens[role] = (await adminClient(server, ROLE_SCOPES[role])).token;
  // A client permitted no admin scope still gets a token for the resource: it carries no role.
  roleless = (await adminClient(server, 'api')).token;
  routes = adminApiRouters(server.container).book.routes;
});
afterAll(() => server?.stop());

const DUMMY: Record<string, string> = { id: randomUUID(), factor: 'totp', kid: 'no-such-kid' };
const concrete = (path: string) => path.replace(/:([A-Za-z_]+)/g, (_m, name: string) => DUMMY[name] ?? 'x');

describe('role matrix', () => {
  it('covers every route of every resource', () => {
    const tags = new Set(routes.map((r) => r.tag));
    expect([...tags].sort()).toEqual(['accounts', 'audit', 'authorisations', 'channels', 'enterprises', 'keys', 'platforms']);
    expect(routes.length).toBeGreaterThan(35);
  });

  it('answers 401 without a token, 403 to a role the route does not name, neither to one it names', async () => {
    const table: string[] = [];
    for (const r of routes) {
      const path = concrete(r.fullPath);
      const body = r.body ? {} : undefined;
      const none = await api(server, r.method, path, undefined, body);
      table.push(`${r.method} ${r.fullPath} none ${none.status}`);
      expect(none.status, `${r.method} ${path} without a token`).toBe(401);
      expect(none.body).toMatchObject({ error: 'admin.token_required' });
      const noRole = await api(server, r.method, path, roleless, body);
      expect(noRole.status, `${r.method} ${path} with a token of no role`).toBe(403);
      for (const role of ADMIN_ROLES) {
        const res = await api(server, r.method, path, tokens[role], body);
        table.push(`${r.method} ${r.fullPath} ${role} ${res.status}`);
        if (r.roles.includes(role)) {
          expect([401, 403], `${r.method} ${path} as ${role}: ${JSON.stringify(res.body)}`).not.toContain(res.status);
          expect(res.status, `${r.method} ${path} as ${role}: ${JSON.stringify(res.body)}`).toBeLessThan(500);
        } else {
          expect(res.status, `${r.method} ${path} as ${role}`).toBe(403);
          expect(res.body).toMatchObject({ error: 'admin.role_required' });
          expect(res.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
        }
      }
    }
    expect(table.length).toBe(routes.length * (ADMIN_ROLES.length + 1));
    expect(new Set(table.map((line) => line.split(' ').slice(0, 2).join(' '))).size).toBe(routes.length);
  });

  it('refuses a token of a removed or disabled client at once (401)', async () => {
    const admin = await adminClient(server, ROLE_SCOPES.system_admin);
    expect((await api(server, 'get', '/admin/api/keys', admin.token)).status).toBe(200);
    await server.container.clients.setDisabled(admin.clientId, true);
    const refused = await api(server, 'get', '/admin/api/keys', admin.token);
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({ error: 'admin.invalid_token' });
    await server.container.clients.setDisabled(admin.clientId, false);
    expect((await api(server, 'get', '/admin/api/keys', admin.token)).status).toBe(200);
    await server.container.clients.remove(admin.clientId);
    expect((await api(server, 'get', '/admin/api/keys', admin.token)).status).toBe(401);
  });

  it('never lets a client hold the auditor\'s scope with an acting one', async () => {
    for (const acting of ['admin:system', 'admin:security', 'admin:counter', 'admin:platforms']) {
      await expect(server.container.clients.add({ grant_types: ['client_credentials'], response_types: [], redirect_uris: [], scope: `admin:audit ${acting}` }))
        .rejects.toMatchObject({ code: 'client.invalid_metadata' });
    }
    const auditor = await adminClient(server, 'admin:audit');
    await expect(server.container.clients.update(auditor.clientId, { scope: 'admin:audit admin:system' })).rejects.toMatchObject({ code: 'client.invalid_metadata' });
    // Acting roles together are fine (a system and a security administrator's duties are still
    // separated between people by the grants; for automation it is one client's job).
    await expect(adminClient(server, 'admin:system admin:platforms')).resolves.toMatchObject({ token: expect.any(String) });
  });
});

describe('OpenAPI 3.1 document', () => {
  it('is served without a token and documents every registered /admin/api route', async () => {
    const res = await api(server, 'get', '/admin/api/openapi.json', undefined);
    expect(res.status).toBe(200);
    const doc = res.body as { openapi: string; info: { title: string; version: string }; paths: Record<string, Record<string, any>>; components: any };
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });

    // The routers' own tables (not the route book): every method + path is in the document.
    const registered = adminApiRouters(server.container).routers.flatMap((r) => r.stack)
      .filter((l) => l.methods.length > 0 && String(l.path).startsWith('/admin/api/') && l.path !== '/admin/api/openapi.json')
      .flatMap((l) => l.methods.filter((m) => m !== 'HEAD').map((m) => `${m.toLowerCase()} ${openApiPath(String(l.path))}`));
    expect(registered.length).toBe(routes.length);
    const documented = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`));
    expect(documented.sort()).toEqual([...new Set(registered)].sort());

    // Structure: unique operation ids, declared path parameters, responses, resolvable $refs.
    const ids = new Set<string>();
    for (const [path, ops] of Object.entries(doc.paths)) {
      expect(path.startsWith('/')).toBe(true);
      for (const [method, op] of Object.entries(ops)) {
        expect(['get', 'post', 'patch', 'delete', 'put']).toContain(method);
        expect(ids.has(op.operationId), op.operationId).toBe(false);
        ids.add(op.operationId);
        const pathParams = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
        expect(op.parameters.filter((p: any) => p.in === 'path').map((p: any) => p.name).sort()).toEqual(pathParams.sort());
        for (const p of op.parameters) expect(p).toMatchObject({ name: expect.any(String), in: expect.stringMatching(/^(path|query)$/), schema: expect.any(Object) });
        expect(Object.keys(op.responses).length).toBeGreaterThan(1);
        for (const scope of op.security[0].adminToken) expect(Object.keys(doc.components.securitySchemes.adminToken.flows.clientCredentials.scopes)).toContain(scope);
      }
    }
    for (const ref of JSON.stringify(doc).matchAll(/"\$ref":"#\/([^"]+)"/g)) {
      const target = ref[1]!.split('/').reduce<any>((node, key) => node?.[key], doc);
      expect(target, ref[1]).toBeDefined();
    }
    // The request schemas are the zod schemas the routes validate with.
    const register = doc.paths['/admin/api/platforms']!.post;
    expect(register.requestBody.content['application/json'].schema.properties).toHaveProperty('redirect_uris');
    expect(register.requestBody.content['application/json'].schema.additionalProperties).toBe(false);
  });
});
