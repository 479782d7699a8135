/**
 * `npm run bench:scale`: login and userinfo latency with 10 thousand and then 10 million persons
 * in the database (the issue's scale target: login at 10M within 1.2× of login at 10k).
 *
 *   DATABASE_URL           PostgreSQL server for the throw-away database (default local; lib/database-url.ts)
 *   BENCH_SCALE_SIZES      person counts to measure at, ascending (default 10000,10000000)
 *   BENCH_SCALE_DURATION   seconds of sequential logins per size (default 20)
 *   BENCH_SCALE_TOKENS     persons whose userinfo is measured per size (default 200)
 *
 * Persons are fictitious (fictitious.ts), sealed and indexed by the real person service, all
 * with one precomputed argon2id hash; they are inserted by one process per core. Latency is
 * measured one request at a time, so it is latency and not queueing. Writes
 * bench/results/scale-<timestamp>.json; `npm run bench` picks up the newest for scale_latency.
 */
import { fork } from 'node:child_process';
import { availableParallelism, cpus } from 'node:os';
import { mkdirSync, openSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import argon2 from 'argon2';
import knexFactory from 'knex';
import { loadConfig } from '../src/config.ts';
import { freePort, throwawayDatabase, tmpDir } from '../test/helpers/env.ts';
import { CAPACITY, fictitiousPerson } from './lib/fictitious.ts';
import { measureLogins, measureUserinfo, tokensFor } from './lib/scale-measure.ts';
import { ROOT, stop } from './lib/procs.ts';
import { figure, RESULTS_DIR, timestamp } from './lib/report.ts';
import type { SeedJob } from './lib/scale-worker.ts';
import { PASSWORD, seed, startYihao, yihaoEnv } from './lib/yihao.ts';
import { benchDatabaseUrl } from './lib/database-url.ts';

const sizes = (process.env.BENCH_SCALE_SIZES ?? '10000,10000000').split(',').map(Number);
const duration = Number(process.env.BENCH_SCALE_DURATION ?? 20);
const tokenCount = Number(process.env.BENCH_SCALE_TOKENS ?? 200);
const baseUrl = benchDatabaseUrl();
const log = (msg: string) => process.stderr.write(`[scale ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

/** Inserts persons [from, to) with one seeding process per core; resolves with the seconds it took. */
function insertPersons(job: Omit<SeedJob, 'from' | 'to'>, from: number, to: number): Promise<number> {
  const started = performance.now();
  const workers = availableParallelism();
  const share = Math.ceil((to - from) / workers);
  let done = 0;
  let lastReport = started;
  return new Promise((resolve, reject) => {
    let running = 0;
    for (let w = 0; w < workers; w++) {
      const a = from + w * share;
      const b = Math.min(to, a + share);
      if (a >= b) continue;
      running++;
      const child = fork(path.join(ROOT, 'bench/lib/scale-worker.ts'), [], { execArgv: ['--import', 'tsx'], cwd: ROOT });
      child.on('message', (m: { done?: number; finished?: boolean; error?: string }) => {
        if (m.error) reject(new Error(m.error));
        if (m.done) {
          done += m.done;
          const now = performance.now();
          if (now - lastReport > 30_000) {
            lastReport = now;
            const rate = done / ((now - started) / 1000);
            log(`  ${(from + done).toLocaleString('en')} persons (${rate.toFixed(0)}/s, ${(((to - from - done) / rate) / 60).toFixed(1)} min to go)`);
          }
        }
        if (m.finished && --running === 0) resolve((performance.now() - started) / 1000);
      });
      child.once('exit', (code) => { if (code !== 0) reject(new Error(`seeding process exited with ${code}`)); });
      child.send({ ...job, from: a, to: b } satisfies SeedJob);
    }
  });
}

async function main(): Promise<void> {
  if (sizes.some((s, i) => !Number.isInteger(s) || s < 1 || s > CAPACITY || (i > 0 && s <= sizes[i - 1]!))) {
    throw new Error(`BENCH_SCALE_SIZES must be ascending whole numbers up to ${CAPACITY}`);
  }
  const stamp = timestamp();
  const dir = tmpDir('yh-scale-');
  const logFd = openSync(path.join(dir, 'server.log'), 'a');
  const db = await throwawayDatabase(baseUrl);
  const out: Array<Record<string, unknown>> = [];
  try {
    const env = yihaoEnv(dir, await freePort(), db.url);
    const config = loadConfig(env);
    const seeded = await seed(env);
    const hash = await argon2.hash(PASSWORD, { type: argon2.argon2id, ...config.argon2 });
    const job = { dbUrl: db.url, fieldKeys: config.fieldKeys.map((k) => k.toString('base64')), hash, batch: 2000 };
    const knex = knexFactory({ client: 'pg', connection: db.url, pool: { min: 0, max: 1 } });
    let have = 0;
    for (const size of sizes) {
      log(`seeding persons ${have.toLocaleString('en')} … ${size.toLocaleString('en')}`);
      const seconds = await insertPersons(job, have, size);
      have = size;
      await knex.raw('VACUUM ANALYZE persons');
      await knex.raw('VACUUM ANALYZE credentials');
      const bytes = Number((await knex.raw(`SELECT pg_total_relation_size('persons') + pg_total_relation_size('credentials') AS b`)).rows[0].b);
      log(`  seeded in ${seconds.toFixed(0)} s; persons + credentials take ${(bytes / 2 ** 30).toFixed(2)} GiB`);

      const pick = () => fictitiousPerson(Math.floor(Math.random() * size));
      let yihao = await startYihao(env, logFd);
      const logins = await measureLogins(env.ISSUER!, seeded.web, pick, PASSWORD, duration);
      log(`  login: p50 ${logins.p50.toFixed(1)} ms p99 ${logins.p99.toFixed(1)} ms (${logins.count} logins, ${logins.errors} errors)`);
      const tokens = await tokensFor(env.ISSUER!, seeded.web, pick, PASSWORD, tokenCount);
      // A fresh server, so the first userinfo of each token reads the database (no warm cache).
      await stop(yihao);
      yihao = await startYihao(env, logFd);
      const userinfo = await measureUserinfo(env.ISSUER!, tokens, duration / 2);
      log(`  userinfo: first call p50 ${userinfo.cold.p50.toFixed(1)} ms p99 ${userinfo.cold.p99.toFixed(1)} ms; later calls p50 ${userinfo.warm.p50.toFixed(1)} ms p99 ${userinfo.warm.p99.toFixed(1)} ms`);
      await stop(yihao);
      out.push({ persons: size, seedSeconds: Math.round(seconds), seedRowsPerSecond: Math.round((size - (out.at(-1)?.persons as number ?? 0)) / seconds), bytes, login: logins, userinfoFirstCall: userinfo.cold, userinfoLater: userinfo.warm });
    }
    await knex.destroy();
  } finally {
    await db.drop();
  }
  const first = out[0]!;
  const last = out.at(-1)!;
  const f = figure('scale_latency', 'ms', (last.login as { p50: number }).p50, (first.login as { p50: number }).p50);
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `scale-${stamp}.json`);
  writeFileSync(file, `${JSON.stringify({ figure: f, date: new Date().toISOString(), machine: { cpus: availableParallelism(), cpu: cpus()[0]?.model }, sizes: out }, null, 2)}\n`);
  process.stdout.write(`\nscale_latency: login p50 ${f.ceiling} ms at ${Number(first.persons).toLocaleString('en')} persons, ${f.value} ms at ${Number(last.persons).toLocaleString('en')}; ratio ${f.ratio} (target ≥ ${f.target})\nresults: ${path.relative(ROOT, file)}\n`);
}

main().catch((err) => {
  process.stderr.write(`scale bench failed: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
