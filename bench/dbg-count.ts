// temporary: per-request statements and table accesses for one scenario, from pg_stat views
import { readFileSync } from 'node:fs';
import knexFactory from 'knex';
import { runLoad } from './lib/procs.ts';
import { tokenJob, type TokenScenario } from './lib/scenarios.ts';
const i = JSON.parse(readFileSync('/tmp/benchdbg/inputs.json', 'utf8'));
const db = new URL(i.dbUrl).pathname.slice(1);
const k = knexFactory({ client: 'pg', connection: 'postgres://postgres@127.0.0.1:5432/postgres' });
const snap = async () => {
  const d = (await k.raw('select xact_commit, xact_rollback, tup_returned, tup_fetched, tup_inserted, tup_updated, tup_deleted from pg_stat_database where datname = ?', [db])).rows[0];
  const kd = knexFactory({ client: 'pg', connection: i.dbUrl });
  const t = (await kd.raw('select relname, seq_scan, idx_scan, n_tup_ins, n_tup_upd, n_tup_del from pg_stat_user_tables')).rows;
  await kd.destroy();
  return { d, t };
};
const a = await snap();
const m = await runLoad(tokenJob(process.argv[2] as TokenScenario, { origin: i.origin, connections: 4, warmup: 0, duration: Number(process.argv[3] ?? 3) }, i));
await new Promise((r) => setTimeout(r, 2500));
const b = await snap();
const n = m.count;
console.log(process.argv[2], 'requests', n, 'rps', m.rps.toFixed(0));
for (const key of Object.keys(a.d)) console.log(' ', key, ((Number(b.d[key]) - Number(a.d[key])) / n).toFixed(2), '/req');
for (const row of b.t) {
  const o = a.t.find((x: any) => x.relname === row.relname);
  const f = (k2: string) => ((Number(row[k2] ?? 0) - Number(o?.[k2] ?? 0)) / n);
  const parts = ['seq_scan', 'idx_scan', 'n_tup_ins', 'n_tup_upd', 'n_tup_del'].map((k2) => [k2, f(k2)] as const).filter(([, v]) => v > 0.01);
  if (parts.length) console.log('  ', row.relname, parts.map(([k2, v]) => `${k2}=${v.toFixed(2)}`).join(' '));
}
await k.destroy();
