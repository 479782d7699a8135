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
}

export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  if (opts.databaseUrl) {
    const knex = knexFactory({ client: 'pg', connection: opts.databaseUrl, pool: { min: 0, max: opts.poolMax } });
    const pipeline = new PipelinedConnections(opts.databaseUrl, opts.statementConnections ?? 1);
    usePipeline(knex, pipeline);
    return { knex, kind: 'postgres', close: async () => { await pipeline.close(); await knex.destroy(); } };
  }
  const runDir = opts.runDir ?? (opts.dataDir ? path.join(opts.dataDir, 'run') : undefined);
  if (!runDir) throw new Error('an in-memory embedded database needs a runDir for its socket');
  const embedded = await openEmbedded(opts.dataDir ? path.join(opts.dataDir, 'pg') : null, runDir);
  const knex = knexFactory({
    client: 'pg',
    connection: { host: embedded.socketDir, port: embedded.port, user: 'postgres', database: 'postgres' },
    pool: { min: 0, max: Math.min(opts.poolMax, 8) },
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
