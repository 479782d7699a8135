/**
 * Yihao under test: environment, migration and seed data (through the real registries), the
 * server started as `npm start` starts it (primary + one worker per core), and the sessions and
 * tokens the load chains start from, obtained over HTTP like a browser and a platform would.
 */
import type { ChildProcess } from 'node:child_process';
import type { Knex } from 'knex';
import { testEnv } from '../../test/helpers/env.ts';
import { loadConfig } from '../../src/config.ts';
import { createContainer } from '../../src/container.ts';
import { computeIdCheckChar } from '../../src/identity/id-number.ts';
import { migrateLatest, openDatabase } from '../../src/store/db.ts';
import { browserLogin, exchangeCode, type BenchClient, type Credentials } from './flows.ts';
import { Conn } from './http.ts';
import { startTs, stop, waitFor } from './procs.ts';

export const PASSWORD = 'Correct-Horse-9';
export const REDIRECT_URI = 'http://127.0.0.1:9/cb';

export function yihaoEnv(dir: string, port: number, databaseUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  // The test environment carries every secret the configuration requires; the bench then runs
  // the production profile (no loopback fetch, no generated secrets, info logs).
  const { ALLOW_LOOPBACK_FETCH: _devOnly, ...base } = testEnv(dir, port, { DATABASE_URL: databaseUrl });
  return {
    ...base,
    NODE_ENV: 'production',
    ALLOW_HTTP_LOOPBACK_ISSUER: 'true',
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
    // One load generator logs in from one address; every other throttle stays as configured.
    LOGIN_RATE_LIMIT_PER_IP: '1000000000',
    ...extra,
  };
}

export interface Seeded { person: Credentials & { personId: string }; cc: BenchClient; web: BenchClient }

export function benchIdNumber(seq: number): string {
  const first17 = `110105${'19850612'}${String(seq % 1000).padStart(3, '0')}`;
  return first17 + computeIdCheckChar(first17);
}

/** Applies migrations (as `npm run migrate` does) and registers a person and two platforms. */
export async function seed(env: Record<string, string>): Promise<Seeded> {
  const config = loadConfig(env, { logLevel: 'warn' });
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolMax: 2 });
  try {
    await migrateLatest(db.knex);
    const c = await createContainer(config, { database: db });
    const idNumber = benchIdNumber(101);
    const reg = await c.persons.register({ name: '张三', idNumber, phone: '13900001234', password: PASSWORD });
    if (!reg.ok || !reg.personId) throw new Error(`could not seed the person: ${JSON.stringify(reg)}`);
    const cc = await c.clients.add({ client_name: 'bench m2m', grant_types: ['client_credentials'], response_types: [], redirect_uris: [], scope: 'api' });
    // ES256 ID tokens, registered explicitly: the same algorithm the bare ceiling signs with.
    const web = await c.clients.add({ client_name: 'bench portal', redirect_uris: [REDIRECT_URI], first_party: true, id_token_signed_response_alg: 'ES256' });
    c.provider.stop();
    return {
      person: { identifier: idNumber, password: PASSWORD, personId: reg.personId },
      cc: { clientId: cc.clientId, clientSecret: cc.generatedSecret!, redirectUri: '' },
      web: { clientId: web.clientId, clientSecret: web.generatedSecret!, redirectUri: REDIRECT_URI },
    };
  } finally {
    await db.close();
  }
}

/** `npm run migrate && npm start`: migrations first (the code may have gained one since seeding). */
export async function startYihao(env: Record<string, string>, logFd: number, nodeArgs: string[] = []): Promise<ChildProcess> {
  const db = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: null, runDir: env.DATA_DIR, poolMax: 1 });
  try { await migrateLatest(db.knex); } finally { await db.close(); }
  const child = startTs('src/main.ts', env, logFd, nodeArgs);
  try {
    await waitFor(`${env.ISSUER}/readyz`);
  } catch (err) {
    await stop(child);
    throw err;
  }
  return child;
}

export { stop };

export interface Prepared { sessions: Array<Array<[string, string]>>; accessTokens: string[]; refreshTokens: string[] }

/**
 * Logs in `n` times for code_flow sessions (+ access tokens) and `n` times for refresh tokens;
 * only the latter with `refreshOnly` (a refresh round uses its tokens up: they are rotated).
 */
export async function prepareTokens(origin: string, s: Seeded, n: number, refreshOnly = false): Promise<Prepared> {
  const out: Prepared = { sessions: [], accessTokens: [], refreshTokens: [] };
  const one = async (offline: boolean) => {
    const conn = new Conn(origin);
    try {
      const { code, verifier } = offline
        ? await browserLogin(conn, s.web, s.person, 'openid profile offline_access', { prompt: 'consent' })
        : await browserLogin(conn, s.web, s.person, 'openid profile');
      const tokens = await exchangeCode(conn, s.web, code, verifier);
      if (offline) {
        if (!tokens.refresh_token) throw new Error('no refresh token issued');
        out.refreshTokens.push(tokens.refresh_token);
      } else {
        out.sessions.push([...conn.cookies]);
        out.accessTokens.push(tokens.access_token);
      }
    } finally {
      conn.close();
    }
  };
  for (let i = 0; i < n; i += 2) {
    const pair = () => (refreshOnly ? [one(true)] : [one(false), one(true)]);
    await Promise.all([...pair(), ...(i + 1 < n ? pair() : [])]);
  }
  return out;
}

/** The provider's rows behind the prepared sessions and tokens, for loading into the bare ceiling. */
export async function dumpModels(knex: Knex): Promise<Array<{ model: string; id: string; payload: unknown; expiresIn: number }>> {
  const rows = await knex('oidc_models')
    .whereIn('model', ['Session', 'Grant', 'AccessToken', 'RefreshToken'])
    .whereNull('consumed_at')
    .select('model', 'id', 'payload', knex.raw('ceil(extract(epoch from expires_at - now()))::int as expires_in'));
  return rows.map((r: { model: string; id: string; payload: unknown; expires_in: number }) => ({ model: r.model, id: r.id, payload: r.payload, expiresIn: r.expires_in }));
}
