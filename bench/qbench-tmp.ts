import pg from 'pg';
async function time(name: string, url: string) {
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  const f = () => pool.query({ name: 'one', text: 'select $1::int as x', values: [1] });
  for (let i = 0; i < 1000; i++) await f();
  const n = 10000;
  const c0 = process.cpuUsage(); const t0 = performance.now();
  let left = n;
  await Promise.all(Array.from({ length: 8 }, async () => { while (left-- > 0) await f(); }));
  const t = performance.now() - t0; const c = process.cpuUsage(c0);
  console.log(name, (t / n * 1000).toFixed(1), 'µs wall/op', ((c.user + c.system) / n).toFixed(1), 'µs node cpu/op', (c.system / n).toFixed(1), 'sys');
  await pool.end();
}
await time('tcp', 'postgres://postgres@127.0.0.1:5432/postgres');
await time('uds', 'postgres://postgres@%2Fvar%2Frun%2Fpostgresql/postgres');
await time('tcp', 'postgres://postgres@127.0.0.1:5432/postgres');
await time('uds', 'postgres://postgres@%2Fvar%2Frun%2Fpostgresql/postgres');
