import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationConfig } from '../../src/store/db.ts';
import { cli } from '../helpers/cli-in-process.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

// Retention (archive, then remove through audit_expire), auditors' queries, the owner role and
// privileges on PostgreSQL, and the migration's way back.
let server: TestServer;
let knex: Knex;
const DAY = 86_400_000;
const daysAgo = (n: number) => new Date(Date.now() - n * DAY).toISOString();

beforeAll(async () => {
  server = await startTestServer();
  knex = server.container.db.knex;
  // Old events, as if recorded long ago (the trigger chains them like any other).
  for (const [i, age] of [300, 300, 300, 300, 300, 200, 200, 200].entries()) {
    await knex.raw(`INSERT INTO audit_events (actor, action, target, detail, at) VALUES (?, 'test.old', 't', ?::jsonb, now() - make_interval(days => ${age}))`, [`old-${i}`, JSON.stringify({ i })]);
  }
  const audit = server.container.audit;
  await audit.record({ actor: 'alice', action: 'login.success', target: 'platform-a', detail: { ip: '10.0.0.1' } });
  await audit.record({ actor: 'bob', action: 'login.failure', detail: { reason: 'login.invalid_credentials', ip: '10.0.0.2' } });
  await audit.record({ actor: '=HYPERLINK("x")', action: 'consent.granted', target: 'platform-a', detail: { scopes: ['openid', 'profile'], note: 'a "quoted", comma' } });
});
afterAll(async () => { await server?.stop(); });

describe('audit archive', () => {
  it('refuses to archive events within AUDIT_RETENTION_DAYS', async () => {
    const r = await cli(['audit', 'archive', '--before', daysAgo(10), '--out', path.join(server.dir, 'young.jsonl')], server.env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('audit.within_retention');
    expect(Number((await knex('audit_events').count({ n: '*' }).first())!.n)).toBe(11);
  });

  it('writes an archive that verifies on its own, then removes the events; the rest of the chain still verifies', async () => {
    const first = path.join(server.dir, 'first.jsonl');
    const r = await cli(['audit', 'archive', '--before', daysAgo(250), '--out', first], server.env);
    expect(r.stderr).toBe('');
    expect(r).toMatchObject({ code: 0, stdout: expect.stringMatching(/^archived 5 events through \d+ to .*; removed 5 from the database$/) });
    const lines = readFileSync(first, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ type: 'yihao-audit-archive', anchor: null });
    expect(lines.filter((l) => l.type === 'event').map((l) => l.actor)).toEqual(['old-0', 'old-1', 'old-2', 'old-3', 'old-4']);
    expect(lines.at(-1)).toMatchObject({ type: 'checkpoint', last_event_id: lines[5].id, last_hash: lines[5].hash });
    expect(Number((await knex('audit_events').where({ action: 'test.old' }).count({ n: '*' }).first())!.n)).toBe(3);
    expect((await knex('audit_events').orderBy('id').pluck('actor')).slice(0, 3)).toEqual(['old-5', 'old-6', 'old-7']);

    expect(await cli(['audit', 'verify', '--archive', first], server.env)).toMatchObject({ code: 0, stdout: expect.stringContaining('intact: 5 events') });
    expect(await cli(['audit', 'verify'], server.env)).toMatchObject({ code: 0 });

    // A second archive starts where the first ended: it carries that anchor and its checkpoint.
    const second = path.join(server.dir, 'second.jsonl');
    expect(await cli(['audit', 'archive', '--before', daysAgo(190), '--out', second], server.env)).toMatchObject({ code: 0, stdout: expect.stringContaining('archived 3 events') });
    expect(await cli(['audit', 'verify', '--archive', second], server.env)).toMatchObject({ code: 0 });
    expect(await cli(['audit', 'verify'], server.env)).toMatchObject({ code: 0, stdout: expect.stringContaining('intact: 3 events') });
    expect(await cli(['audit', 'archive', '--before', daysAgo(190), '--out', path.join(server.dir, 'none.jsonl')], server.env))
      .toMatchObject({ code: 0, stdout: expect.stringContaining('nothing archived') });
    expect(await cli(['audit', 'archive', '--before', daysAgo(190), '--out', second], server.env)).toMatchObject({ code: 0 });

    // An edited archive, or one cut short, no longer verifies.
    const text = readFileSync(second, 'utf8');
    const edited = path.join(server.dir, 'edited.jsonl');
    writeFileSync(edited, text.replace('"old-6"', '"old-X"'));
    expect(await cli(['audit', 'verify', '--archive', edited], server.env)).toMatchObject({ code: 1, stderr: expect.stringMatching(/^first broken event: \d+$/) });
    const cut = path.join(server.dir, 'cut.jsonl');
    writeFileSync(cut, text.split('\n').filter((l) => !l.includes('"old-7"') && !l.includes(lines.at(-1).jws)).join('\n'));
    expect(await cli(['audit', 'verify', '--archive', cut], server.env)).toMatchObject({ code: 1 });
  });

  it('the database itself refuses to remove events that are not old, not checkpointed or not the given hash', async () => {
    const head = (await server.container.auditTrail.store.head())!;
    await expect(knex.raw('SELECT audit_expire(?, ?, ?)', [head.id, head.hash, daysAgo(179)])).rejects.toThrow(/younger than 180 days/);
    await expect(knex.raw('SELECT audit_expire(?, ?, ?)', [head.id, 'x', daysAgo(200)])).rejects.toThrow(/not found/);
    await expect(knex.raw('SELECT audit_expire(?, ?, ?)', [head.id, head.hash, daysAgo(200)])).rejects.toThrow(/no checkpoint/);
  });
});

describe('audit query', () => {
  it('filters by actor, target, action and time, as JSON lines or CSV', async () => {
    const jsonl = await cli(['audit', 'query', '--target', 'platform-a'], server.env);
    expect(jsonl.code).toBe(0);
    const rows = jsonl.stdout.split('\n').map((l) => JSON.parse(l));
    expect(rows.map((r) => r.action)).toEqual(['login.success', 'consent.granted']);
    expect(rows[0]).toMatchObject({ actor: 'alice', target: 'platform-a', detail: { ip: '10.0.0.1' }, at: expect.stringMatching(/Z$/) });

    expect((await cli(['audit', 'query', '--actor', 'bob', '--action', 'login.failure'], server.env)).stdout.split('\n')).toHaveLength(1);
    expect((await cli(['audit', 'query', '--actor', 'bob', '--action', 'login.success'], server.env)).stdout).toBe('');
    expect((await cli(['audit', 'query', '--to', daysAgo(100)], server.env)).stdout).toBe(''); // archived and removed
    expect((await cli(['audit', 'query', '--from', daysAgo(1), '--action', 'login.success'], server.env)).stdout).toContain('alice');

    const csv = await cli(['audit', 'query', '--action', 'consent.granted', '--format', 'csv'], server.env);
    const [header, line] = csv.stdout.split('\n');
    expect(header).toBe('id,at,actor,action,target,detail');
    // RFC 4180: every cell quoted, quotes doubled; a formula-like cell defused with an apostrophe.
    const cells = [...line!.matchAll(/"((?:[^"]|"")*)"(?:,|$)/g)].map((m) => m[1]!.replaceAll('""', '"'));
    expect(cells).toHaveLength(6);
    expect(cells.slice(2, 5)).toEqual(['\'=HYPERLINK("x")', 'consent.granted', 'platform-a']);
    expect(JSON.parse(cells[5]!)).toEqual({ scopes: ['openid', 'profile'], note: 'a "quoted", comma' });

    expect(await cli(['audit', 'query', '--format', 'xml'], server.env)).toMatchObject({ code: 2 });
    expect(await cli(['audit', 'query', '--from', 'yesterday'], server.env)).toMatchObject({ code: 2 });
  });
});

describe('the migration', () => {
  it('rolls back and applies again, chaining the events that are there', async () => {
    const before = Number((await knex('audit_events').count({ n: '*' }).first())!.n);
    await knex.migrate.down(migrationConfig);
    await expect(knex('audit_events').where('id', '>', 0).update({ actor: 'x' }).where('actor', 'nobody')).resolves.toBe(0);
    await knex.migrate.latest(migrationConfig);
    const v = await server.container.auditTrail.verify();
    expect(v).toMatchObject({ intact: true, events: before });
  });
});

describe.runIf(process.env.DATABASE_URL)('privileges on PostgreSQL', () => {
  it('the trail is owned by yihao_audit; a role with INSERT and SELECT only can append but not UPDATE or DELETE', async () => {
    const owner = await knex.raw("SELECT tableowner FROM pg_tables WHERE tablename = 'audit_events'");
    expect(owner.rows[0].tableowner).toBe('yihao_audit');

    const role = `yihao_t_app_${randomBytes(4).toString('hex')}`;
    await knex.raw(`CREATE ROLE ${role} LOGIN`);
    await knex.raw(`GRANT SELECT, INSERT ON audit_events TO ${role}`);
    const url = new URL(server.env.DATABASE_URL!);
    url.username = role;
    const app = knexFactory({ client: 'pg', connection: url.toString(), pool: { min: 0, max: 1 } });
    try {
      await app('audit_events').insert({ actor: role, action: 'test.non_owner' });
      await expect(app('audit_events').where({ actor: role }).update({ actor: 'x' })).rejects.toThrow(/permission denied/);
      await expect(app('audit_events').where({ actor: role }).delete()).rejects.toThrow(/permission denied/);
      await expect(app.raw('TRUNCATE audit_events')).rejects.toThrow(/permission denied/);
    } finally {
      await app.destroy();
      await knex.raw(`DROP OWNED BY ${role}`);
      await knex.raw(`DROP ROLE ${role}`);
    }
    expect((await server.container.auditTrail.verify()).intact).toBe(true);
  });
});
