/**
 * Process entry. With PostgreSQL, a primary forks one worker per core (sessions and all state are
 * in the database, so any worker can serve any request); the embedded database stays single-process.
 */
import cluster from 'node:cluster';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { ensureSigningKeys } from './crypto/signing-keys.ts';
import { createLogger } from './logger.ts';
import { aggregateWorkerMetrics } from './metrics/cluster.ts';
import { startServer } from './server.ts';
import { migrateLatest, openDatabase } from './store/db.ts';

async function prepare(config: Config): Promise<void> {
  // Keys and schema are settled once, before workers start, so workers never race to create them.
  await ensureSigningKeys(config.keysDir);
  if (config.env !== 'production') {
    const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolMax: 1 });
    try { await migrateLatest(db.knex); } finally { await db.close(); }
  }
}

async function serve(config: Config, migrate: boolean): Promise<void> {
  const logger = createLogger(config.logLevel);
  const running = await startServer(config, { migrate });
  logger.info({ issuer: config.issuer, listen: running.url, database: running.container.db.kind }, 'yihao listening');
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    await running.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  if (cluster.isPrimary) {
    for (const name of config.generatedSecrets) logger.warn(`${name} not set: using a development secret stored in ${config.dataDir}`);
    if (config.workers > 1) {
      await prepare(config);
      logger.info({ workers: config.workers }, 'starting workers');
      aggregateWorkerMetrics();
      for (let i = 0; i < config.workers; i++) cluster.fork();
      cluster.on('exit', (worker, code, signal) => {
        if (signal !== 'SIGTERM' && signal !== 'SIGINT' && code !== 0) {
          logger.error({ pid: worker.process.pid, code, signal }, 'worker died; starting another');
          cluster.fork();
        }
      });
      const stopAll = () => { for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM'); };
      process.on('SIGTERM', stopAll);
      process.on('SIGINT', stopAll);
      return;
    }
    if (config.databaseUrl === undefined) logger.info('embedded database (PGlite): single process; set DATABASE_URL for PostgreSQL and one worker per core');
    await ensureSigningKeys(config.keysDir);
    // Development applies migrations itself; production expects `npm run migrate` and checks.
    return serve(config, config.env !== 'production');
  }
  await serve(config, false);
}

main().catch((err) => {
  const message = err instanceof ConfigError ? err.message : (err as Error).message;
  process.stderr.write(`yihao: ${message}\n`);
  process.exit(1);
});
