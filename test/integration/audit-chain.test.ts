import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditTrail } from '../../src/audit/audit-trail.ts';
import { openDatabase } from '../../src/store/db.ts';
import { AuditStore } from '../../src/store/audit.ts';
import { cli } from '../helpers/cli-in-process.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

// The hash-chained trail on a real database: parallel appends from two connection pools, and a
// superuser's tampering (triggers bypassed with session_replication_role) caught by the verifier.
let server: TestServer;
let knex: Knex;

beforeAll(async () => { server = await startTestServer(); knex = server.container.db.knex; });
afterAll(async () => { await server?.stop(); });

/** Tampers inside a transaction as a superuser would, verifies what that transaction sees, rolls back. */
async function verifyTampered(tamper: (trx: Knex.Transaction) => Promise<void>) {
  const trx = await knex.transaction();
  try {
    await trx.raw('SET LOCAL session_replication_role = replica');
    await tamper(trx);
    return await new AuditTrail(new AuditStore(trx as unknown as Knex), server.container.auditTrail.signer).verify();
  } finally {
    await trx.rollback();
  }
}

const ids = async () => (await knex('audit_events').select('id').orderBy('id')).map((r) => String(r.id));

describe('audit hash chain', () => {
  it('200 parallel appends from two processes\' pools make one unbroken chain', async () => {
    const other = await openDatabase({ databaseUrl: server.env.DATABASE_URL, dataDir: server.env.DATA_DIR!, poolMax: 10 });
    try {
      const second = new AuditStore(other.knex);
      await Promise.all(Array.from({ length: 200 }, (_, i) =>
        (i % 2 ? second.append({ actor: `p${i}`, action: 'test.parallel', detail: { i } }) : server.container.audit.record({ actor: `p${i}`, action: 'test.parallel', target: 't', detail: { i, nested: { 'é': 'ü' } } }))));
    } finally {
      await other.close();
    }
    const v = await server.container.auditTrail.verify();
    expect(v).toMatchObject({ intact: true });
    expect(v.events).toBeGreaterThanOrEqual(200);
    const rows = await knex('audit_events').select('id', 'prev_hash', 'hash').orderBy('id');
    expect(new Set(rows.map((r) => r.prev_hash)).size).toBe(rows.length); // a line, no forks
    expect(Number((await knex('audit_events').where({ action: 'test.parallel' }).count({ n: '*' }).first())!.n)).toBe(200);
  }, 60_000);

  it('catches an edited event and names it', async () => {
    const [, victim] = await ids();
    const v = await verifyTampered((trx) => trx('audit_events').where({ id: victim }).update({ detail: JSON.stringify({ i: -1 }) }));
    expect(v).toMatchObject({ intact: false, broken: { eventId: victim, reason: expect.stringContaining('edited') } });
  });

  it('catches a deleted event: the one after it no longer links', async () => {
    const all = await ids();
    const v = await verifyTampered((trx) => trx('audit_events').where({ id: all[10] }).delete());
    expect(v).toMatchObject({ intact: false, broken: { eventId: all[11], reason: expect.stringContaining('does not link') } });
  });

  it('catches reordered events and an event reinserted under another id', async () => {
    const all = await ids();
    const swapped = await verifyTampered(async (trx) => {
      const [a, b] = await Promise.all([trx('audit_events').where({ id: all[20] }).first(), trx('audit_events').where({ id: all[21] }).first()]);
      const fields = ({ actor, action, target, detail, at, prev_hash, hash }: Record<string, unknown>) => ({ actor, action, target, detail, at, prev_hash, hash });
      await trx('audit_events').where({ id: all[20] }).update(fields(b));
      await trx('audit_events').where({ id: all[21] }).update(fields(a));
    });
    expect(swapped).toMatchObject({ intact: false, broken: { eventId: all[20] } });

    const moved = await verifyTampered(async (trx) => {
      const row = await trx('audit_events').where({ id: all[30] }).first();
      await trx('audit_events').where({ id: all[30] }).delete();
      await trx('audit_events').insert({ ...row, id: String(BigInt(all.at(-1)!) + 1n) });
    });
    expect(moved).toMatchObject({ intact: false, broken: { eventId: all[31] } });
  });

  it('a rewritten suffix with recomputed hashes is caught by a signed checkpoint; so is a cut-off end', async () => {
    const cp = (await server.container.auditTrail.checkpoint())!;
    expect(cp.created).toBe(true);
    expect((await server.container.auditTrail.verify()).intact).toBe(true);
    const all = await ids();
    const rewritten = await verifyTampered(async (trx) => {
      await trx('audit_events').where({ id: all[40] }).update({ actor: 'someone-else' });
      // Recompute every hash from there on, as a careful attacker with the database would.
      let prev = (await trx('audit_events').where({ id: all[39] }).first()).hash as string;
      for (const id of all.slice(40)) {
        const { rows } = await trx.raw('UPDATE audit_events SET prev_hash = ?, hash = audit_event_hash(?, id, at, actor, action, target, detail) WHERE id = ? RETURNING hash', [prev, prev, id]);
        prev = rows[0].hash;
      }
    });
    expect(rewritten).toMatchObject({ intact: false, broken: { eventId: cp.lastEventId, reason: expect.stringContaining('checkpoint') } });

    const cut = await verifyTampered((trx) => trx('audit_events').where('id', '>=', all.at(-3)!).delete());
    expect(cut).toMatchObject({ intact: false, broken: { eventId: cp.lastEventId, reason: expect.stringContaining('missing') } });
  });

  it('catches an altered or forged checkpoint', async () => {
    const [cp] = await server.container.auditTrail.store.checkpoints();
    const altered = await verifyTampered((trx) => trx('audit_checkpoints').where({ id: cp!.id }).update({ last_hash: 'f'.repeat(64) }));
    expect(altered).toMatchObject({ intact: false, broken: { reason: expect.stringContaining('differs from its signed content') } });
    const [h, p, s] = cp!.jws.split('.');
    const forged = await verifyTampered((trx) => trx('audit_checkpoints').where({ id: cp!.id }).update({ jws: `${h}.${p}.${s!.slice(0, -4)}AAAA` }));
    expect(forged).toMatchObject({ intact: false, broken: { reason: expect.stringContaining('signature not valid') } });
  });

  it('the trigger refuses UPDATE, DELETE and TRUNCATE, even for the owner', async () => {
    const first = (await ids())[0]!;
    await expect(knex('audit_events').where({ id: first }).update({ actor: 'x' })).rejects.toThrow(/append-only/);
    await expect(knex('audit_events').where({ id: first }).delete()).rejects.toThrow(/append-only/);
    await expect(knex.raw('TRUNCATE audit_events')).rejects.toThrow(/append-only/);
    await expect(knex('audit_checkpoints').delete()).rejects.toThrow(/append-only/);
    await expect(knex.raw('SELECT audit_expire(?, ?, now())', [first, 'x'])).rejects.toThrow(/younger than 180 days/);
    expect((await server.container.auditTrail.verify()).intact).toBe(true);
  });

  it('npm run cli -- audit verify / checkpoint: exit 0 while intact, 1 naming the first broken event', async () => {
    const ok = await cli(['audit', 'verify'], server.env);
    expect(ok).toMatchObject({ code: 0, stdout: expect.stringMatching(/^audit trail intact: \d+ events, 1 checkpoints/) });
    await server.container.audit.record({ actor: 'cli-test', action: 'test.more' });
    const cp = await cli(['audit', 'checkpoint'], server.env);
    expect(cp.code).toBe(0);
    expect(cp.stdout).toMatch(/^checkpoint \d+ at event \d+ [0-9a-f]{64}$/);

    const [, victim] = await ids();
    await knex.transaction(async (trx) => {
      await trx.raw('SET LOCAL session_replication_role = replica');
      await trx('audit_events').where({ id: victim }).update({ action: 'login.success' });
    });
    const broken = await cli(['audit', 'verify'], server.env);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain(`BROKEN at event ${victim}`);
    expect(broken.stderr).toBe(`first broken event: ${victim}`);
  });
});
