import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminClient, api, type AdminClient } from '../helpers/admin-api.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

// Signing keys for the system administrator (rotation and retirement reach the provider at once)
// and the audit trail for the auditor (query, paging, CSV and JSON-lines exports, the chain
// verified and its first broken link named).
let server: TestServer;
let system: AdminClient;
let auditor: AdminClient;

beforeAll(async () => {
  server = await startTestServer();
  system = await adminClient(server, 'admin:system');
  auditor = await adminClient(server, 'admin:audit');
});
afterAll(() => server?.stop());

const published = async () => {
  const discovery = await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json() as { jwks_uri: string };
  return ((await (await fetch(discovery.jwks_uri)).json()) as { keys: Array<{ kid: string }> }).keys.map((k) => k.kid);
};

describe('signing keys', () => {
  it('lists, rotates and retires; the provider publishes the change at once', async () => {
    const before = await api(server, 'get', '/admin/api/keys', system.token);
    expect(before.body.items.every((k: { status: string }) => k.status === 'active')).toBe(true);
    const old = before.body.items.find((k: { alg: string }) => k.alg === 'ES256').kid as string;
    expect(await published()).toContain(old);

    expect((await api(server, 'post', `/admin/api/keys/${old}/retire`, system.token, { reason: 'scheduled' })).body).toMatchObject({ error: 'admin.key_active' });
    const rotated = await api(server, 'post', '/admin/api/keys/rotate', system.token, { algs: ['ES256'], reason: 'scheduled rotation' });
    expect(rotated.status).toBe(201);
    const fresh = rotated.body.keys[0].kid as string;
    expect(await published()).toEqual(expect.arrayContaining([fresh, old]));
    const listed = await api(server, 'get', '/admin/api/keys?limit=1', system.token);
    expect(listed.body.items).toHaveLength(1);
    expect(listed.body.next_cursor).toBe('1');
    const all = await api(server, 'get', '/admin/api/keys', system.token);
    expect(all.body.items.find((k: { kid: string }) => k.kid === old)).toMatchObject({ status: 'retired', published_until: expect.any(String) });

    // Tokens issued now are signed by the new key; the old one leaves the set when retired, and
    // what it signed no longer verifies (the caller's own token among them).
    const renewed = await adminClient(server, 'admin:system');
    expect(JSON.parse(Buffer.from(renewed.token.split('.')[0]!, 'base64url').toString()).kid).toBe(fresh);
    expect((await api(server, 'post', `/admin/api/keys/${old}/retire`, system.token, { reason: 'no token signed by it is needed' })).status).toBe(204);
    expect(await published()).not.toContain(old);
    expect((await api(server, 'get', '/admin/api/keys', system.token)).status).toBe(401);
    expect((await api(server, 'get', '/admin/api/keys', auditor.token)).status).toBe(401);
    system = renewed;
    auditor = await adminClient(server, 'admin:audit');
    expect(await published()).toContain(fresh);
    expect((await api(server, 'post', `/admin/api/keys/${old}/retire`, system.token, { reason: 'again' })).status).toBe(404);
    expect((await api(server, 'post', '/admin/api/keys/rotate', system.token, { algs: ['HS256'] })).body.details.fields).toContainEqual(expect.objectContaining({ path: 'algs.0' }));

    const events = await server.container.db.knex('audit_events').whereIn('action', ['keys.rotated', 'keys.retired']).orderBy('id');
    expect(events.map((e) => e.action)).toEqual(['keys.rotated', 'keys.retired']);
    expect(events[0].actor).toBe(events[1].actor);
    expect(events[1].actor).toMatch(/^client:yh_/);
  });
});

describe('audit trail', () => {
  it('queries by time, actor, subject and event type, page by page', async () => {
    const from = new Date(Date.now() - 1000).toISOString();
    for (let i = 0; i < 5; i++) await server.container.audit.record({ actor: 'person:tester', action: 'test.event', target: `subject-${i % 2}`, detail: { i } });
    const q = (query: string) => api(server, 'get', `/admin/api/audit/events?${query}`, auditor.token);

    const mine = await q(`actor=person:tester&event=test.event&from=${encodeURIComponent(from)}`);
    expect(mine.body.items.map((e: { detail: { i: number } }) => e.detail.i)).toEqual([0, 1, 2, 3, 4]);
    expect((await q('actor=person:tester&subject=subject-1')).body.items.map((e: { detail: { i: number } }) => e.detail.i)).toEqual([1, 3]);
    expect((await q(`actor=person:tester&to=${encodeURIComponent(from)}`)).body.items).toEqual([]);

    const seen: number[] = [];
    let next: string | null = '/admin/api/audit/events?actor=person:tester&limit=2';
    while (next) {
      const page = await api(server, 'get', next, auditor.token);
      seen.push(...page.body.items.map((e: { detail: { i: number } }) => e.detail.i));
      next = page.body.next;
    }
    expect(seen).toEqual([0, 1, 2, 3, 4]);

    const bad = await q('from=yesterday&cursor=abc');
    expect(bad.status).toBe(400);
    expect(bad.body.details.fields.map((f: { path: string }) => f.path).sort()).toEqual(['cursor', 'from']);
  });

  it('exports CSV and JSON lines, and records the export', async () => {
    const csv = await api(server, 'get', '/admin/api/audit/export?format=csv&actor=person:tester', auditor.token);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const rows = (csv.body as string).trim().split('\r\n');
    expect(rows[0]).toBe('id,at,actor,action,target,detail');
    expect(rows).toHaveLength(6);
    expect(rows[1]).toContain('"person:tester","test.event","subject-0"');

    const jsonl = await api(server, 'get', '/admin/api/audit/export?actor=person:tester&subject=subject-0', auditor.token);
    expect(jsonl.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const lines = (jsonl.body as string).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.detail.i)).toEqual([0, 2, 4]);

    const recorded = await server.container.db.knex('audit_events').where({ action: 'audit.exported', actor: `client:${auditor.clientId}` }).orderBy('id');
    expect(recorded.map((e) => e.detail.format)).toEqual(['csv', 'jsonl']);
  });

  it('verifies the chain, and names the first broken link after a superuser edits an event', async () => {
    expect((await api(server, 'get', '/admin/api/audit/verify', auditor.token)).body).toMatchObject({ intact: true, broken: null, events: expect.any(Number) });
    const victim = (await server.container.db.knex('audit_events').where({ action: 'test.event' }).orderBy('id').first()).id;
    await server.container.db.knex.transaction(async (trx) => {
      await trx.raw('SET LOCAL session_replication_role = replica');
      await trx('audit_events').where({ id: victim }).update({ detail: JSON.stringify({ i: -1 }) });
    });
    const broken = await api(server, 'get', '/admin/api/audit/verify', auditor.token);
    expect(broken.body).toMatchObject({ intact: false, broken: { event_id: String(victim), reason: expect.stringContaining('edited') } });
  });
});
