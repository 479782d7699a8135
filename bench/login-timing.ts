/**
 * `npm run bench:login-timing`: does the login's answer time tell whether an account exists?
 * Starts Yihao as `npm start` does on a throw-away PostgreSQL database, then sends interleaved
 * login attempts, one at a time, over one kept-alive connection:
 *   registered  a registered ID number with a wrong password (a different account each time, so
 *               none of them locks)
 *   unknown     an unregistered, well-formed ID number (a different one each time)
 *   locked      a registered account whose login is locked
 *   locked-unknown  an unregistered number locked the same way
 * and prints each kind's median and p90 and the medians' ratios. Not a test: figures only.
 *
 *   DATABASE_URL          PostgreSQL server for the throw-away database (default local; lib/database-url.ts)
 *   BENCH_LOGIN_ROUNDS    attempts of each kind (default 100), after 10 rounds of warm-up
 */
import { openSync } from 'node:fs';
import path from 'node:path';
import { randomInt } from 'node:crypto';
import { loadConfig } from '../src/config.ts';
import { createContainer } from '../src/container.ts';
import { computeIdCheckChar } from '../src/identity/id-number.ts';
import { openDatabase } from '../src/store/db.ts';
import { freePort, throwawayDatabase, tmpDir } from '../test/helpers/env.ts';
import { benchDatabaseUrl } from './lib/database-url.ts';
import { prepareLogin } from './lib/flows.ts';
import { Conn } from './lib/http.ts';
import { percentile } from './lib/stats.ts';
import { PASSWORD, seed, startYihao, stop, yihaoEnv } from './lib/yihao.ts';

const ROUNDS = Number(process.env.BENCH_LOGIN_ROUNDS ?? 100);
const WARMUP = 10;
const log = (msg: string) => process.stderr.write(`[login-timing ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

let seq = 0;
/** A well-formed ID number no one else in this run has (birth dates spread over 1950–1999). */
function freshIdNumber(): string {
  seq++;
  const birth = `19${50 + (seq % 50)}${String(1 + (seq % 12)).padStart(2, '0')}${String(1 + (seq % 28)).padStart(2, '0')}`;
  const first17 = `320102${birth}${String(randomInt(0, 1000)).padStart(3, '0')}`;
  return first17 + computeIdCheckChar(first17);
}
const freshPhone = () => `137${String(randomInt(0, 1e8)).padStart(8, '0')}`;

function shuffled<T>(items: T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = randomInt(0, i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

type Kind = 'registered' | 'unknown' | 'locked' | 'locked-unknown';

async function main(): Promise<void> {
  const dir = tmpDir('yh-timing-');
  const db = await throwawayDatabase(benchDatabaseUrl());
  const port = await freePort();
  // Locks last a day here, so the locked identifiers stay locked for the whole run.
  const env = yihaoEnv(dir, port, db.url, { LOGIN_LOCKOUT_SECONDS: '86400', LOGIN_LOCKOUT_MAX_SECONDS: '86400' });
  let server: Awaited<ReturnType<typeof startYihao>> | undefined;
  try {
    const { web } = await seed(env);
    const total = WARMUP + ROUNDS;
    log(`registering ${total + 1} persons`);
    const config = loadConfig(env, { logLevel: 'warn' });
    const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolMax: 2 });
    const registered: string[] = [];
    const lockedId = freshIdNumber();
    const lockedUnknown = freshIdNumber();
    try {
      const c = await createContainer(config, { database });
      for (let i = 0; i <= total; i++) {
        const idNumber = i === total ? lockedId : freshIdNumber();
        const r = await c.persons.register({ name: '王五', idNumber, phone: freshPhone(), password: PASSWORD });
        if (!r.ok || !r.created) throw new Error('could not register a bench person');
        if (i < total) registered.push(idNumber);
      }
      // Locked as an attacker would lock them: wrong passwords from the bench's own address.
      for (const id of [lockedId, lockedUnknown]) {
        for (let i = 0; i < 5; i++) await c.login.authenticate(id, `Wrong-Pass-${i}`, '127.0.0.1').catch(() => undefined);
      }
      c.provider.stop();
      await c.close();
    } finally {
      await database.close();
    }

    const logFd = openSync(path.join(dir, 'yihao.log'), 'a');
    server = await startYihao(env, logFd);
    const conn = new Conn(env.ISSUER!);
    const login = await prepareLogin(conn, web);
    const next: Record<Kind, () => string> = {
      registered: () => registered.pop()!,
      unknown: freshIdNumber,
      locked: () => lockedId,
      'locked-unknown': () => lockedUnknown,
    };
    const expected: Record<Kind, number> = { registered: 401, unknown: 401, locked: 429, 'locked-unknown': 429 };
    const times: Record<Kind, number[]> = { registered: [], unknown: [], locked: [], 'locked-unknown': [] };
    const kinds = Object.keys(times) as Kind[];
    log(`${ROUNDS} attempts of each kind (after ${WARMUP} rounds of warm-up), interleaved`);
    for (let round = 0; round < total; round++) {
      // A fresh random order each round: a cheap answer right after an argon2 verification is
      // slower (caches, the hash's memory), so a fixed rotation would bias whichever kind follows.
      for (const kind of shuffled(kinds)) {
        const identifier = next[kind]();
        const started = performance.now();
        const reply = await conn.request('POST', `/interaction/${login.uid}/login`, {
          headers: { accept: 'text/html' }, form: { _csrf: login.csrf, identifier, password: 'Wrong-Passw0rd-1' },
        });
        const ms = performance.now() - started;
        if (reply.status !== expected[kind]) throw new Error(`${kind}: expected ${expected[kind]}, got ${reply.status}`);
        if (round >= WARMUP) times[kind].push(ms);
      }
    }
    conn.close();

    const median = (k: Kind) => percentile([...times[k]].sort((a, b) => a - b), 50);
    const p90 = (k: Kind) => percentile([...times[k]].sort((a, b) => a - b), 90);
    const lines = [
      `login answer time, ${ROUNDS} attempts each, interleaved (ms)`,
      ...kinds.map((k) => `  ${k.padEnd(15)} median ${median(k).toFixed(1).padStart(6)}   p90 ${p90(k).toFixed(1).padStart(6)}`),
      `  registered / unknown        ${(median('registered') / median('unknown')).toFixed(3)}`,
      `  locked / locked-unknown     ${(median('locked') / median('locked-unknown')).toFixed(3)}`,
      `  locked / unknown            ${(median('locked') / median('unknown')).toFixed(3)}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    if (server) await stop(server);
    await db.drop();
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
