/** Opens knex on PostgreSQL (DATABASE_URL) or on the embedded PGlite database. */
import knexFactory, { type Knex } from 'knex';
import path from 'node:path';
import { migrationSource } from '../../migrations/index.ts';
import { openEmbedded } from './embedded.ts';
import { PipelinedConnections } from './pipeline.ts';
import { usePipeline } from './statements.ts';

export interface Database {
  knex: Knex;
  kind: 'postgres' | 'embedded';
  close(): Promise<void>;
}

export interface DatabaseOptions {
  databaseUrl: string | undefined;
  /** Embedded data directory; null keeps the embedded database in memory (tests). */
  dataDir: string | null;
  runDir?: string;
  poolMax: number;
  /** Pipelined connections for the hot prepared statements (PostgreSQL only; statements.ts). */
  statementConnections?: number;
  /** Connecting, and waiting for a pooled connection, give up after this long (default 1.5 s). */
  connectTimeoutMs?: number;
  /** PostgreSQL statement_timeout; none when absent (migrations). Not for the embedded database. */
  statementTimeoutMs?: number;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 1500;
/** How much longer than statement_timeout the client waits before it gives up on a server that hangs. */
const READ_GRACE_MS = 400;

/**
 * Timeouts that make a database outage fail fast instead of holding requests: the driver's
 * connect timeout, the server's statement_timeout, and a client-side read timeout a little
 * longer, for a server that no longer answers at all on an open connection (with the defaults a
 * request learns the database is stuck within 2 s).
 */
export function connectionTimeouts(opts: Pick<DatabaseOptions, 'connectTimeoutMs' | 'statementTimeoutMs'>) {
  return {
    connectionTimeoutMillis: opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    ...(opts.statementTimeoutMs ? { statement_timeout: opts.statementTimeoutMs, query_timeout: opts.statementTimeoutMs + READ_GRACE_MS } : {}),
  };
}

/**
 * The pool gives up on a connection after the connect timeout too (it would otherwise retry
 * creating one for 60 s), and never hands out one still waiting for an answer that timed out on
 * the client side: a wedged connection is dropped, the next request gets a fresh one.
 */
function pool(max: number, connectTimeoutMs = DEFAULT_CONNECT_TIMEOUT_MS): Knex.PoolConfig {
  return {
    min: 0,
    max,
    acquireTimeoutMillis: connectTimeoutMs,
    createTimeoutMillis: connectTimeoutMs,
    validate: (conn: { readyForQuery?: boolean }) => conn.readyForQuery !== false,
  } as Knex.PoolConfig;
}

export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  if (opts.databaseUrl) {
    const timeouts = connectionTimeouts(opts);
    const knex = knexFactory({ client: 'pg', connection: { connectionString: opts.databaseUrl, ...timeouts }, pool: pool(opts.poolMax, opts.connectTimeoutMs) });
    const pipeline = new PipelinedConnections({ connectionString: opts.databaseUrl, ...timeouts }, opts.statementConnections ?? 1);
    usePipeline(knex, pipeline);
    return { knex, kind: 'postgres', close: async () => { await pipeline.close(); await knex.destroy(); } };
  }
  const runDir = opts.runDir ?? (opts.dataDir ? path.join(opts.dataDir, 'run') : undefined);
  if (!runDir) throw new Error('an in-memory embedded database needs a runDir for its socket');
  const embedded = await openEmbedded(opts.dataDir ? path.join(opts.dataDir, 'pg') : null, runDir);
  const knex = knexFactory({
    client: 'pg',
    // No statement_timeout: PGlite serves every connection from one session, so it would apply to all.
    connection: { host: embedded.socketDir, port: embedded.port, user: 'postgres', database: 'postgres', ...connectionTimeouts({ connectTimeoutMs: opts.connectTimeoutMs }) },
    pool: pool(Math.min(opts.poolMax, 8), opts.connectTimeoutMs),
  });
  return {
    knex,
    kind: 'embedded',
    close: async () => {
      await knex.destroy();
      await embedded.close?.();
    },
  };
}

export const migrationConfig = { migrationSource, tableName: 'knex_migrations' };

export async function migrateLatest(knex: Knex): Promise<string[]> {
  const [, applied] = await knex.migrate.latest(migrationConfig);
  return applied as string[];
}

/** Names of migrations that exist in code but are not applied to the database. */
export async function pendingMigrations(knex: Knex): Promise<string[]> {
  const [, pending] = (await knex.migrate.list(migrationConfig)) as [unknown[], Array<{ file: string } | string>];
  return pending.map((p) => (typeof p === 'string' ? p : p.file));
}
