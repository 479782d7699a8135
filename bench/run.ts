/**
 * `npm run bench`: Yihao against the ceiling of its own stack, in one run on one machine.
 *
 *   DATABASE_URL      PostgreSQL server to create a throw-away database on (default: the local
 *                     server, through its Unix socket when it has one; lib/database-url.ts)
 *   BENCH_WARMUP      seconds of warm-up before each measured window (default 5)
 *   BENCH_DURATION    seconds measured per figure (default 15)
 *   BENCH_CONNECTIONS concurrent connections / chains for token figures (default 32)
 *   BENCH_LOGIN_CONNECTIONS  concurrent logins (default 8)
 *   BENCH_ONLY        comma-separated figures to run (default all; `jwks` adds a diagnostic:
 *                     the fixed cost of a request that reads no state)
 *   BENCH_PROFILE=1   run the servers with --cpu-prof (profiles in bench/profiles/<timestamp>/)
 *   BENCH_NO_CEILING=1  skip the bare provider (quick iterations; ratios are then empty)
 *   BENCH_SOAK        seconds of soak at the end (code flows + logins that leave new sessions),
 *                     sampling the workers' memory every 10 s (default 0: none)
 *   BENCH_ROUNDS      rounds per figure (default 3; 1 for quick iterations)
 *
 * Each figure is measured on Yihao and then at once on the ceiling, so that both see the same
 * machine, and that pair is repeated BENCH_ROUNDS times; the round with the middle ratio is the
 * figure (a machine shared with other tenants moves single runs by ±10%), and every round is
 * kept in the details file. The CPU each side spends per operation is reported as well (cpu.ts).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, openSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { freePort, throwawayDatabase, tmpDir } from '../test/helpers/env.ts';
import { processTree } from './lib/cpu.ts';
import { prepareLogin, type PreparedLogin } from './lib/flows.ts';
import { Conn } from './lib/http.ts';
import { ROOT, runLoad, startTs, stop, treeRssMiB, waitFor, type Watched } from './lib/procs.ts';
import { figure, latestScale, table, timestamp, writeResults, type Row } from './lib/report.ts';
import { loginJob, TOKEN_SCENARIOS, tokenJob, UNIT, type Inputs, type Scenario } from './lib/scenarios.ts';
import { middle, type Measured } from './lib/stats.ts';
import { dumpModels, prepareTokens, seed, startYihao, yihaoEnv, type Seeded } from './lib/yihao.ts';
import { benchDatabaseUrl } from './lib/database-url.ts';

const env = process.env;
const timing = { warmup: Number(env.BENCH_WARMUP ?? 5), duration: Number(env.BENCH_DURATION ?? 15) };
const connections = Number(env.BENCH_CONNECTIONS ?? 32);
const loginConnections = Number(env.BENCH_LOGIN_CONNECTIONS ?? 8);
const only = new Set((env.BENCH_ONLY ?? [...TOKEN_SCENARIOS, 'password_login'].join(',')).split(',').map((s) => s.trim()));
const withCeiling = env.BENCH_NO_CEILING !== '1';
const soakSeconds = Number(env.BENCH_SOAK ?? 0);
const rounds = Math.max(1, Number(env.BENCH_ROUNDS ?? 3));
const baseUrl = benchDatabaseUrl(env);
const stamp = timestamp();
const profileDir = env.BENCH_PROFILE === '1' ? path.join(ROOT, 'bench/profiles', stamp) : undefined;

const log = (msg: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
const fmt = (m: Measured) => `${m.rps.toFixed(0)}/s p50 ${m.p50?.toFixed(1)} ms p99 ${m.p99?.toFixed(1)} ms`
  + (m.cpu ? ` | cpu/op server ${m.cpu.serverUsPerOp.toFixed(0)} µs db ${m.cpu.dbUsPerOp.toFixed(0)} µs | other load ${m.cpu.otherCores.toFixed(2)} cores` : '')
  + (m.errors ? ` | errors ${m.errors} (${m.firstError ?? 'non-2xx'})` : '');

function profArgs(sub: string): string[] {
  if (!profileDir) return [];
  mkdirSync(path.join(profileDir, sub), { recursive: true });
  return ['--cpu-prof', '--cpu-prof-dir', path.join(profileDir, sub)];
}

function argon2Ceiling(): Measured & { params: unknown } {
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'bench/lib/argon2-ceiling.ts'], {
    cwd: ROOT, env: { ...env, BENCH_WARMUP: String(Math.min(timing.warmup, 3)), BENCH_DURATION: String(timing.duration) }, encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').at(-1)!) as Measured & { params: unknown };
}

async function prepareLogins(origin: string, inputs: Inputs, n: number): Promise<PreparedLogin[]> {
  const out: PreparedLogin[] = [];
  await Promise.all(Array.from({ length: 8 }, async () => {
    const conn = new Conn(origin);
    while (out.length < n) out.push(await prepareLogin(conn, inputs.web));
    conn.close();
  }));
  return out;
}

/** The PostgreSQL backends connected to the bench database (Yihao's pools). */
const backendsOf = (admin: Knex, dbName: string) => async () =>
  ((await admin.raw('SELECT pid FROM pg_stat_activity WHERE datname = ?', [dbName])).rows as Array<{ pid: number }>).map((r) => r.pid);

/** The bare ceiling for one figure, in a fresh process: its memory adapter is an LRU of 1,000
 * entries, so what one figure issues would otherwise evict the seed rows the next starts from. */
async function ceilingRun(name: Scenario, bareEnv: Record<string, string>, logFd: number, inputs: Inputs): Promise<Measured> {
  const bare = startTs('bench/lib/bare-server.ts', bareEnv, logFd, profArgs(`bare-${name}`));
  try {
    await waitFor(`${bareEnv.ISSUER}/.well-known/openid-configuration`);
    await new Promise((r) => setTimeout(r, 1000)); // every worker loads its seed before listening
    const watched: Watched = { server: () => processTree(bare.pid!), db: async () => [] };
    return await runLoad(tokenJob(name, { origin: bareEnv.ISSUER!, connections, ...timing }, inputs), watched);
  } finally {
    await stop(bare);
  }
}

async function bareSeed(dbUrl: string, seeded: Seeded, file: string): Promise<void> {
  const knex = knexFactory({ client: 'pg', connection: dbUrl, pool: { min: 0, max: 1 } });
  try {
    const models = await dumpModels(knex);
    const secrets = new Map([seeded.cc, seeded.web].map((c) => [c.clientId, c.clientSecret]));
    const clients = (await knex('clients').whereIn('client_id', [...secrets.keys()]).select('client_id', 'metadata'))
      .map((r: { client_id: string; metadata: Record<string, unknown> }) => ({ ...r.metadata, client_id: r.client_id, client_secret: secrets.get(r.client_id) }));
    writeFileSync(file, JSON.stringify({ clients, models }));
  } finally {
    await knex.destroy();
  }
}

/** Memory under a long mixed load: state lives in the database, so worker RSS must level off. */
async function soak(origin: string, inputs: Inputs, seeded: Seeded, pid: number) {
  log(`soak: ${soakSeconds} s of code flows and logins (each leaving a new session); memory every 10 s`);
  const started = performance.now();
  const samples: Array<{ s: number; rssMiB: number[] }> = [];
  const sample = () => samples.push({ s: Math.round((performance.now() - started) / 1000), rssMiB: treeRssMiB(pid).slice(1).map((p) => Math.round(p.rss)) });
  sample();
  const timer = setInterval(sample, 10_000);
  const t = { origin, warmup: 0, duration: soakSeconds };
  try {
    const [flows, logins] = await Promise.all([
      runLoad(tokenJob('code_flow', { ...t, connections }, inputs)),
      runLoad(loginJob({ ...t, connections: 2 }, [], seeded.person.identifier, seeded.person.password, inputs.web)),
    ]);
    sample();
    const first = samples[1] ?? samples[0]!;
    const last = samples.at(-1)!;
    log(`  ${flows.count} code flows, ${logins.count} new sessions; worker RSS after 10 s ${first.rssMiB.join(' / ')} MiB, at the end ${last.rssMiB.join(' / ')} MiB`);
    return { seconds: soakSeconds, codeFlows: flows.count, newSessions: logins.count, samples };
  } finally {
    clearInterval(timer);
  }
}

interface Round { yihao?: Measured; ceiling?: Measured }
type Results = Partial<Record<Scenario | 'password_login', Round & { rounds: Round[] }>>;

/** The round whose ratio is the middle one, with every round alongside. */
function middleRound(all: Round[]): Round & { rounds: Round[] } {
  const score = (r: Round) => (r.ceiling ? r.yihao!.rps / r.ceiling.rps : r.yihao!.rps);
  return { ...middle(all, score), rounds: all };
}

async function measure(dir: string, logFd: number, dbUrl: string, results: Results, memory: Record<string, unknown>) {
  const port = await freePort();
  const yEnv = yihaoEnv(dir, port, dbUrl);
  const origin = yEnv.ISSUER!;
  log('seeding: migrations, one person, two platforms');
  const seeded = await seed(yEnv);
  const yihao = await startYihao(yEnv, logFd, profArgs('yihao'));
  const admin = knexFactory({ client: 'pg', connection: baseUrl, pool: { min: 0, max: 1 } });
  try {
    log(`Yihao listening at ${origin} (pid ${yihao.pid}); logging in ${connections}×2 times for sessions and tokens`);
    const inputs: Inputs = { cc: seeded.cc, web: seeded.web, ...(await prepareTokens(origin, seeded, connections)) };
    // Refresh tokens for the later rounds, made now so that the ceiling's seed holds them too.
    const refreshTokens = [...inputs.refreshTokens, ...(await prepareTokens(origin, seeded, connections * (rounds - 1), true)).refreshTokens];
    const roundInputs = (r: number): Inputs => ({ ...inputs, refreshTokens: refreshTokens.slice((r - 1) * connections, r * connections) });
    const seedFile = path.join(dir, 'bare-seed.json');
    await bareSeed(dbUrl, seeded, seedFile);
    const barePort = await freePort();
    const bareEnv = { ...yEnv, PORT: String(barePort), ISSUER: `http://127.0.0.1:${barePort}`, BARE_SEED: seedFile };
    const watched: Watched = { server: () => processTree(yihao.pid!), db: backendsOf(admin, new URL(dbUrl).pathname.slice(1)) };

    memory.yihaoStart = treeRssMiB(yihao.pid!);
    // `jwks` is diagnostic (the fixed cost of a request), run only when named in BENCH_ONLY.
    for (const name of ([...TOKEN_SCENARIOS, 'jwks'] as Scenario[]).filter((s) => only.has(s))) {
      const all: Round[] = [];
      for (let r = 1; r <= rounds; r++) {
        log(`${name} (round ${r}/${rounds}): Yihao`);
        const y = await runLoad(tokenJob(name, { origin, connections, ...timing }, roundInputs(r)), watched);
        log(`  ${fmt(y)}`);
        if (!withCeiling) { all.push({ yihao: y }); continue; }
        log(`${name} (round ${r}/${rounds}): bare oidc-provider`);
        const c = await ceilingRun(name, bareEnv, logFd, roundInputs(r));
        log(`  ${fmt(c)}`);
        all.push({ yihao: y, ceiling: c });
      }
      results[name] = middleRound(all);
    }
    if (only.has('password_login')) {
      const all: Round[] = [];
      for (let r = 1; r <= rounds; r++) {
        log(`password_login (round ${r}/${rounds}): raw argon2id hashes/s on all cores`);
        const argon = argon2Ceiling();
        log(`  argon2id ${fmt(argon)}`);
        const n = Math.ceil(argon.rps * (timing.warmup + timing.duration) * 1.5) + loginConnections * 2;
        log(`password_login (round ${r}/${rounds}): Yihao (preparing ${n} interactions first)`);
        const logins = await prepareLogins(origin, inputs, n);
        const m = await runLoad(loginJob({ origin, connections: loginConnections, ...timing }, logins, seeded.person.identifier, seeded.person.password), watched);
        log(`  ${fmt(m)}`);
        all.push({ yihao: m, ceiling: argon });
      }
      results.password_login = middleRound(all);
    }
    memory.yihaoEnd = treeRssMiB(yihao.pid!);
    if (soakSeconds > 0) memory.soak = await soak(origin, inputs, seeded, yihao.pid!);
  } finally {
    await admin.destroy();
    await stop(yihao);
  }
}

async function main(): Promise<void> {
  const dir = tmpDir('yh-bench-');
  const logFile = path.join(dir, 'server.log');
  const logFd = openSync(logFile, 'a');
  log(`work directory ${dir} (server log: ${logFile})`);

  const results: Results = {};
  const memory: Record<string, unknown> = {};
  const db = await throwawayDatabase(baseUrl);
  try {
    await measure(dir, logFd, db.url, results, memory);
  } finally {
    await db.drop();
  }

  const rows: Row[] = TOKEN_SCENARIOS.map((name) => {
    const r = results[name];
    return { figure: figure(name, UNIT[name], r?.yihao?.rps ?? null, r?.ceiling?.rps ?? null), yihao: r?.yihao, ceiling: r?.ceiling };
  });
  const login = results.password_login;
  rows.push({ figure: figure('password_login', UNIT.password_login, login?.yihao?.rps ?? null, login?.ceiling?.rps ?? null), yihao: login?.yihao, ceiling: login?.ceiling });
  rows.push({ figure: latestScale() });

  const machine = {
    cpus: os.availableParallelism(), cpu: os.cpus()[0]?.model, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version,
    platform: `${os.type()} ${os.release()}`,
  };
  const file = writeResults(stamp, rows.map((r) => r.figure), {
    date: new Date().toISOString(), machine, settings: { ...timing, rounds, connections, loginConnections, workers: os.availableParallelism() },
    measured: Object.fromEntries(rows.map((r) => [r.figure.name, { yihao: r.yihao, ceiling: r.ceiling }])),
    rounds: Object.fromEntries(Object.entries(results).map(([name, r]) => [name, r.rounds])), memoryMiB: memory,
  });
  const spread = Object.entries(results).filter(([, r]) => r.rounds.length > 1 && r.rounds[0]!.ceiling)
    .map(([name, r]) => `${name} ${r.rounds.map((x) => (x.yihao!.rps / x.ceiling!.rps).toFixed(2)).join(' ')}`);
  process.stdout.write(`\nYihao vs ceiling — ${new Date().toISOString().slice(0, 16)}Z, ${machine.cpus} cores (${machine.cpu}), ${machine.node}, `
    + `middle of ${rounds} round(s)\n\n${table(rows)}\n${spread.length ? `\nratio by round: ${spread.join('; ')}\n` : ''}\nresults: ${path.relative(ROOT, file)}\n`);
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
