/**
 * The one place that reads the environment. Every setting, its default and the reason for the
 * default lives here; the README's configuration table mirrors this file.
 */
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { parseProxyTrust, validAddressOrRange, type ProxyTrust } from './http/client-address.ts';
import { devSecrets } from './dev-secrets.ts';
import { parseHalls, type Hall } from './identity/counter-halls.ts';

const DEFAULT_LADDER_FILE = fileURLToPath(new URL('./verification/assurance-ladder.json', import.meta.url));

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: int(0, 65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  ISSUER: z.url().optional(),
  DATABASE_URL: z.string().min(1).optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  KEYS_DIR: z.string().min(1).default('./keys'),
  COOKIE_KEYS: z.string().optional(),
  FIELD_ENCRYPTION_KEY: z.string().optional(),
  FIELD_ENCRYPTION_OLD_KEYS: z.string().optional(),
  SUBJECT_SALT: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  WORKERS: int(1, 256).optional(),
  TRUST_PROXY: z.string().default('false').transform((v, ctx) => {
    const trust = parseProxyTrust(v);
    if (!trust) ctx.addIssue({ code: 'custom', message: 'a number of proxy hops, true / false, or a comma-separated list of proxy addresses or CIDR ranges' });
    return trust ?? { hops: 0 };
  }),
  ALLOW_HTTP_LOOPBACK_ISSUER: bool.default(false),
  ALLOW_LOOPBACK_FETCH: bool.optional(),
  ARGON2_MEMORY_KIB: int(8192, 4_194_304).default(19456),
  ARGON2_TIME_COST: int(1, 20).default(2),
  ARGON2_PARALLELISM: int(1, 16).default(1),
  DB_POOL_MAX: int(1, 200).default(10),
  // Pipelined connections per process for the hot prepared statements (store/pipeline.ts).
  DB_STATEMENT_CONNECTIONS: int(1, 64).default(4),
  // With the database down a request must fail fast (503) rather than queue: connecting and
  // waiting for a pooled connection each give up after this long.
  DB_CONNECT_TIMEOUT_MS: int(100, 60_000).default(1500),
  // PostgreSQL's statement_timeout for the server's connections (the client gives up 0.4 s later
  // on a server that hangs). Every statement a request runs takes milliseconds, so this only
  // bounds a stuck database, and keeps the answer to a request within 2 s (a 503) when it is.
  // The command line and migrations run without it.
  DB_STATEMENT_TIMEOUT_MS: int(100, 600_000).default(1500),
  // Requests one process works on at once; beyond that it answers 503 at once instead of queueing.
  MAX_IN_FLIGHT: int(1, 100_000).default(512),
  // Failed-login throttling (see LOGIN_LIMITS in authn/password-login.ts for the windows). The
  // defaults are the production policy; a load test from one address raises the per-IP figure.
  LOGIN_RATE_LIMIT_PER_IP: int(1, 1_000_000_000).default(60),
  LOGIN_RATE_LIMIT_PER_IDENTIFIER: int(1, 1_000_000_000).default(10),
  LOGIN_RATE_LIMIT_PER_IDENTIFIER_IP: int(1, 1_000_000_000).default(5),
  // When an account's counter is spent it locks for this long, doubling at each further lock up
  // to the maximum: slows guessing to a crawl, yet never locks the owner out for good.
  LOGIN_LOCKOUT_SECONDS: int(1, 86_400).default(60),
  LOGIN_LOCKOUT_MAX_SECONDS: int(1, 86_400).default(3600),
  // Second-factor checks (authenticator codes, recovery codes) failed per account and per account
  // + address in 15 minutes, locked like the login's counters when spent (authn/factor-throttle.ts).
  MFA_RATE_LIMIT_PER_ACCOUNT: int(1, 1_000_000_000).default(10),
  MFA_RATE_LIMIT_PER_ACCOUNT_IP: int(1, 1_000_000_000).default(5),
  // The identity assurance ladder (levels, the evidence that reaches each, validity): data, not
  // code, so a province can ship its own. Default: the L1–L4 ladder shipped with the source.
  ASSURANCE_LADDER_FILE: z.string().min(1).optional(),
  // How often each process checks whether another one changed the verification channels.
  // Three seconds keeps an administrator's change visible almost at once for one tiny query.
  CHANNEL_RELOAD_INTERVAL_MS: int(100, 600_000).default(3000),
  // Audit events are kept at least this long (等保 asks for six months); older ones may be
  // archived and removed with `audit archive`. The database refuses to remove younger ones too.
  AUDIT_RETENTION_DAYS: int(180, 36_500).default(180),
  // How often a serving process signs a checkpoint of the audit chain's head (0: only on demand).
  // An hour bounds how much of the trail's end could be cut off unnoticed.
  AUDIT_CHECKPOINT_MINUTES: int(0, 10_080).default(60),
  // Who may scrape /metrics: addresses / CIDR ranges (after TRUST_PROXY), and/or a bearer token.
  METRICS_ALLOW: z.string().default('127.0.0.1,::1').transform((v, ctx) => {
    const list = v.split(',').map((a) => a.trim()).filter(Boolean);
    if (list.some((a) => !validAddressOrRange(a))) ctx.addIssue({ code: 'custom', message: 'a comma-separated list of addresses or CIDR ranges' });
    return list;
  }),
  METRICS_TOKEN: z.string().min(32).optional(),
  // SSO session: ends after this long without an authorization using it (idle), and in any case
  // this long after the login (absolute). Shared computers at service halls: short idle time.
  SESSION_IDLE_SECONDS: int(1, 86_400).default(30 * 60),
  SESSION_ABSOLUTE_SECONDS: int(1, 7 * 86_400).default(8 * 3600),
  // Text the account's phone when it logs in from a browser it never used before. Default on in
  // production only: development and test have no SMS channel to pay for.
  NEW_DEVICE_SMS: bool.optional(),
  // Registration's real-name check (identity/registration.ts). Unset: `required` while a
  // population channel is enabled (decided at each registration: channels change at run time).
  REGISTRATION_REAL_NAME: z.enum(['required', 'optional', 'off']).optional(),
  // A person's request to close their account waits this long (cancellable, the account working as
  // before) before the closing job erases it: a week to think again, or to notice a request made
  // by someone else with the account.
  ACCOUNT_CLOSURE_COOLING_OFF_DAYS: int(0, 365).default(7),
  // The service halls of the counter desk, `code=name;code=name`; unset: the hall is typed freely.
  COUNTER_HALLS: z.string().optional().transform((v, ctx) => {
    try { return parseHalls(v); } catch (e) { ctx.addIssue({ code: 'custom', message: (e as Error).message }); return undefined; }
  }),
});

export type Env = Record<string, string | undefined>;

export interface FactorLimits {
  perAccount: { max: number; windowSeconds: number };
  perAccountIp: { max: number; windowSeconds: number };
  lockout: { baseSeconds: number; maxSeconds: number };
}

export interface LoginLimits {
  perIp: { max: number; windowSeconds: number };
  perIdentifier: { max: number; windowSeconds: number };
  perIdentifierIp: { max: number; windowSeconds: number };
  /** Lock of a spent account counter: base seconds, doubling at each further lock, capped. */
  lockout: { baseSeconds: number; maxSeconds: number };
}

export interface Config {
  env: 'development' | 'test' | 'production';
  port: number;
  host: string;
  issuer: string;
  databaseUrl: string | undefined;
  dataDir: string;
  keysDir: string;
  cookieKeys: string[];
  /** Secret behind pairwise subject identifiers; changing it changes every platform's `sub`. */
  subjectSalt: string;
  /** Current field-encryption key first, then retired ones still needed to decrypt. */
  fieldKeys: Buffer[];
  logLevel: string;
  workers: number;
  /** Which proxies' X-Forwarded-For entries to believe (http/client-address.ts). */
  trustProxy: ProxyTrust;
  allowLoopbackFetch: boolean;
  argon2: { memoryCost: number; timeCost: number; parallelism: number };
  dbPoolMax: number;
  dbStatementConnections: number;
  dbConnectTimeoutMs: number;
  dbStatementTimeoutMs: number;
  maxInFlight: number;
  /**
   * Login throttling: attempts per address in 5 minutes (every attempt counts, behind a NAT too),
   * failures per account and per account + address in 15 minutes; a spent account counter locks
   * for a while (escalating, capped), so an attacker can slow an account down but never lock its
   * owner out for good.
   */
  loginLimits: LoginLimits;
  /** Second-factor checks: failures per account and per account + address in 15 minutes, with the login's lockout. */
  factorLimits: FactorLimits;
  /** JSON file of the identity assurance ladder (src/verification/assurance-ladder.json by default). */
  assuranceLadderFile: string;
  /** Polling interval for verification channel changes made by other processes. */
  channelReloadIntervalMs: number;
  /** Audit events are kept at least this many days (≥ 180) before `audit archive` may remove them. */
  auditRetentionDays: number;
  /** Minutes between signed checkpoints of the audit chain (0: on demand only). */
  auditCheckpointMinutes: number;
  /** Who may read /metrics: client addresses or ranges, or the bearer token. */
  metrics: { allow: string[]; token: string | undefined };
  /** Real-name check at registration; undefined: required while a population channel is enabled, else off. */
  registrationRealName: 'required' | 'optional' | 'off' | undefined;
  /** Send an SMS notice when an account logs in from a browser it has not used before. */
  newDeviceSms: boolean;
  /** Days between a request to close an account and its closure (cancellable meanwhile). */
  accountClosureCoolingOffDays: number;
  /** The counter desk's service halls (COUNTER_HALLS); undefined: free text. */
  counterHalls: Hall[] | undefined;
  /** Lifetimes in seconds; chosen for government services, not the library's 14-day defaults. */
  ttl: {
    session: number; // absolute SSO session: a working day
    sessionIdle: number; // SSO session without activity (an authorization using it)
    interaction: number; // time to finish a login page
    authorizationCode: number;
    accessToken: number;
    idToken: number;
    refreshToken: number; // sliding, rotated on each use, never beyond the grant
    grant: number;
  };
  /** Names of secrets generated for development because none were configured. */
  generatedSecrets: string[];
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function parseKey(name: string, value: string): Buffer {
  const key = Buffer.from(value, 'base64');
  if (key.length !== 32) throw new ConfigError(`${name} must be 32 bytes, base64-encoded (openssl rand -base64 32)`);
  return key;
}

const isLoopbackHost = (host: string) =>
  host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);

export function loadConfig(env: Env = process.env, overrides: Partial<Config> = {}): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`invalid setting ${issue.path.join('.')}: ${issue.message}`);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  const dataDir = path.resolve(e.DATA_DIR);
  const generatedSecrets: string[] = [];

  let cookieKeys = e.COOKIE_KEYS?.split(',').map((k) => k.trim()).filter(Boolean) ?? [];
  let fieldKeyText = e.FIELD_ENCRYPTION_KEY;
  let subjectSalt = e.SUBJECT_SALT;
  if (cookieKeys.length === 0 || !fieldKeyText || !subjectSalt) {
    const dev = production ? undefined : devSecrets(dataDir);
    if (cookieKeys.length === 0) {
      generatedSecrets.push('COOKIE_KEYS');
      cookieKeys = dev?.cookieKeys ?? [];
    }
    if (!fieldKeyText) {
      generatedSecrets.push('FIELD_ENCRYPTION_KEY');
      fieldKeyText = dev?.fieldKey;
    }
    if (!subjectSalt) {
      generatedSecrets.push('SUBJECT_SALT');
      subjectSalt = dev?.subjectSalt;
    }
  }
  if (subjectSalt && subjectSalt.length < 32) throw new ConfigError('SUBJECT_SALT must be at least 32 characters');
  if (cookieKeys.some((k) => k.length < 32)) throw new ConfigError('COOKIE_KEYS: every key must be at least 32 characters');

  const issuer = (e.ISSUER ?? `http://localhost:${e.PORT}`).replace(/\/$/, '');
  const issuerUrl = new URL(issuer);

  if (production) {
    if (generatedSecrets.length > 0) {
      throw new ConfigError(`refusing to start in production without ${generatedSecrets.join(', ')} (generated secrets are for development only)`);
    }
    if (issuerUrl.protocol !== 'https:' && !(e.ALLOW_HTTP_LOOPBACK_ISSUER && isLoopbackHost(issuerUrl.hostname))) {
      throw new ConfigError('refusing to start in production with a plain-http ISSUER (set ALLOW_HTTP_LOOPBACK_ISSUER=true only for a loopback issuer)');
    }
    if (e.ALLOW_LOOPBACK_FETCH) {
      throw new ConfigError('refusing to start in production with ALLOW_LOOPBACK_FETCH=true (it disables the SSRF guard for loopback addresses)');
    }
  }

  const fieldKeys = [
    parseKey('FIELD_ENCRYPTION_KEY', fieldKeyText!),
    ...(e.FIELD_ENCRYPTION_OLD_KEYS?.split(',').filter(Boolean).map((k) => parseKey('FIELD_ENCRYPTION_OLD_KEYS', k.trim())) ?? []),
  ];

  return {
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    issuer,
    databaseUrl: e.DATABASE_URL,
    dataDir,
    keysDir: path.resolve(e.KEYS_DIR),
    cookieKeys,
    subjectSalt: subjectSalt!,
    fieldKeys,
    logLevel: e.LOG_LEVEL,
    // The embedded database belongs to one process, so PGlite mode never forks workers.
    workers: e.DATABASE_URL ? (e.WORKERS ?? availableParallelism()) : 1,
    trustProxy: e.TRUST_PROXY,
    allowLoopbackFetch: e.ALLOW_LOOPBACK_FETCH ?? !production,
    argon2: { memoryCost: e.ARGON2_MEMORY_KIB, timeCost: e.ARGON2_TIME_COST, parallelism: e.ARGON2_PARALLELISM },
    dbPoolMax: e.DB_POOL_MAX,
    dbStatementConnections: e.DB_STATEMENT_CONNECTIONS,
    dbConnectTimeoutMs: e.DB_CONNECT_TIMEOUT_MS,
    dbStatementTimeoutMs: e.DB_STATEMENT_TIMEOUT_MS,
    maxInFlight: e.MAX_IN_FLIGHT,
    assuranceLadderFile: e.ASSURANCE_LADDER_FILE ? path.resolve(e.ASSURANCE_LADDER_FILE) : DEFAULT_LADDER_FILE,
    channelReloadIntervalMs: e.CHANNEL_RELOAD_INTERVAL_MS,
    auditRetentionDays: e.AUDIT_RETENTION_DAYS,
    auditCheckpointMinutes: e.AUDIT_CHECKPOINT_MINUTES,
    metrics: { allow: e.METRICS_ALLOW, token: e.METRICS_TOKEN },
    loginLimits: {
      perIp: { max: e.LOGIN_RATE_LIMIT_PER_IP, windowSeconds: 300 },
      perIdentifier: { max: e.LOGIN_RATE_LIMIT_PER_IDENTIFIER, windowSeconds: 900 },
      perIdentifierIp: { max: e.LOGIN_RATE_LIMIT_PER_IDENTIFIER_IP, windowSeconds: 900 },
      lockout: { baseSeconds: e.LOGIN_LOCKOUT_SECONDS, maxSeconds: Math.max(e.LOGIN_LOCKOUT_SECONDS, e.LOGIN_LOCKOUT_MAX_SECONDS) },
    },
    factorLimits: {
      perAccount: { max: e.MFA_RATE_LIMIT_PER_ACCOUNT, windowSeconds: 900 },
      perAccountIp: { max: e.MFA_RATE_LIMIT_PER_ACCOUNT_IP, windowSeconds: 900 },
      lockout: { baseSeconds: e.LOGIN_LOCKOUT_SECONDS, maxSeconds: Math.max(e.LOGIN_LOCKOUT_SECONDS, e.LOGIN_LOCKOUT_MAX_SECONDS) },
    },
    newDeviceSms: e.NEW_DEVICE_SMS ?? production,
    registrationRealName: e.REGISTRATION_REAL_NAME,
    accountClosureCoolingOffDays: e.ACCOUNT_CLOSURE_COOLING_OFF_DAYS,
    counterHalls: e.COUNTER_HALLS,
    ttl: {
      session: e.SESSION_ABSOLUTE_SECONDS,
      sessionIdle: Math.min(e.SESSION_IDLE_SECONDS, e.SESSION_ABSOLUTE_SECONDS),
      interaction: 30 * 60,
      authorizationCode: 60,
      accessToken: 10 * 60,
      idToken: 10 * 60,
      refreshToken: 8 * 3600,
      grant: 30 * 24 * 3600,
    },
    generatedSecrets,
    ...overrides,
  };
}
