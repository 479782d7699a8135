import net from 'node:net';
import knexFactory, { type Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PipelinedConnections } from '../../src/store/pipeline.ts';
import { throwawayDatabase } from '../helpers/env.ts';

const pidOf = (c: PipelinedConnections) => c.query<{ pid: number }>({ name: 'pid', text: 'SELECT pg_backend_pid() AS pid', values: [] }).then((r) => r.rows[0]!.pid);

describe.skipIf(!process.env.DATABASE_URL)('pipelined statement connections', () => {
  let db: Awaited<ReturnType<typeof throwawayDatabase>>;
  let admin: Knex;
  const opened: PipelinedConnections[] = [];
  const open = (size: number) => { const c = new PipelinedConnections(db.url, size); opened.push(c); return c; };

  beforeAll(async () => {
    db = await throwawayDatabase(process.env.DATABASE_URL!);
    admin = knexFactory({ client: 'pg', connection: db.url, pool: { min: 0, max: 1 } });
    await admin.raw('CREATE TABLE t (id int PRIMARY KEY)');
  });
  afterAll(async () => {
    await Promise.all(opened.map((c) => c.close()));
    await admin?.destroy();
    await db?.drop();
  });

  it('answers each of many concurrent statements with its own result, over at most its size of backends', async () => {
    const c = open(2);
    const answers = await Promise.all(Array.from({ length: 300 }, (_, i) =>
      c.query<{ n: number; pid: number }>({ name: 'echo', text: 'SELECT $1::int AS n, pg_backend_pid() AS pid', values: [i] })));
    expect(answers.map((a) => a.rows[0]!.n)).toEqual(Array.from({ length: 300 }, (_, i) => i));
    expect(new Set(answers.map((a) => a.rows[0]!.pid)).size).toBeLessThanOrEqual(2);
  });

  it('fails only the statement that fails, in its own transaction', async () => {
    const c = open(1);
    const insert = (id: number) => c.query({ name: 'insert', text: 'INSERT INTO t (id) VALUES ($1)', values: [id] });
    const results = await Promise.allSettled([insert(1), insert(2), insert(1), insert(3)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect((results[2] as PromiseRejectedResult).reason).toMatchObject({ code: '23505' });
    await insert(4); // the prepared statement outlives one failed execution
    const rows = await admin('t').select('id').orderBy('id');
    expect(rows.map((r: { id: number }) => r.id)).toEqual([1, 2, 3, 4]);
  });

  it('sends a statement past a connection that is busy', async () => {
    const c = open(2);
    const slow = c.query({ name: 'sleep', text: 'SELECT pg_sleep(1)', values: [] });
    const started = Date.now();
    await pidOf(c);
    expect(Date.now() - started).toBeLessThan(900);
    await slow;
  });

  it('fails what was in flight on a lost connection and reconnects for the next statement', async () => {
    const c = open(1);
    const before = await pidOf(c);
    const inFlight = c.query({ name: 'sleep', text: 'SELECT pg_sleep(5)', values: [] });
    await new Promise((r) => setTimeout(r, 200));
    await admin.raw('SELECT pg_terminate_backend(?)', [before]);
    await expect(inFlight).rejects.toThrow();
    const after = await pidOf(c);
    expect(after).not.toBe(before);
  });

  it('refuses statements once closed', async () => {
    const c = open(1);
    await pidOf(c);
    await c.close();
    await expect(pidOf(c)).rejects.toThrow(/closed/);
  });
});

describe('pipelined statement connections to a server that never answers', () => {
  it('give up connecting instead of holding statements forever', async () => {
    const silent = net.createServer(() => {}); // accepts, says nothing
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const { port } = silent.address() as net.AddressInfo;
    const c = new PipelinedConnections({ connectionString: `postgres://x@127.0.0.1:${port}/x`, connectionTimeoutMillis: 300 }, 1);
    try {
      await expect(c.query({ text: 'SELECT 1', values: [] })).rejects.toThrow(/timeout/i);
    } finally {
      await c.close();
      silent.close();
    }
  });
});
