/** Starts one serving process: container, app, HTTP listener, background sweeper. */
import http from 'node:http';
import { buildApp } from './app.ts';
import type { Config } from './config.ts';
import { createContainer, type Container } from './container.ts';
import { migrateLatest, pendingMigrations } from './store/db.ts';

export interface RunningServer { container: Container; server: http.Server; url: string; stop(): Promise<void> }

export async function startServer(config: Config, opts: { migrate: boolean }): Promise<RunningServer> {
  const container = await createContainer(config);
  const { logger, db } = container;
  if (opts.migrate) {
    const applied = await migrateLatest(db.knex);
    if (applied.length) logger.info({ applied }, 'migrations applied');
  }
  const pending = await pendingMigrations(db.knex);
  if (pending.length) {
    await container.close();
    throw new Error(`database schema is behind (${pending.join(', ')}); run \`npm run migrate\` first`);
  }

  const app = buildApp(container);
  const server = http.createServer(app.callback());
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, resolve);
  });
  container.provider.watch();
  const sweeper = setInterval(() => {
    Promise.all([container.models.sweep(), container.limits.sweep(), container.actingRoles.sweep(), container.personRoles.sweep(), container.recovery.sweep(), container.oneTimeCodes.sweep(), container.passkeys.sweep(), container.loginDevices.sweep(), container.registration.sweep(), container.reclaim.sweep()])
      .then(([models, limits]) => { if (models || limits) logger.debug({ models, limits }, 'swept expired rows'); })
      .catch((err) => logger.warn({ err }, 'sweep failed'));
    // Accounts whose cooling-off period has ended: every process may run it, each closure is claimed once.
    container.closures.closeDue('closure_job')
      .then((closed) => { if (closed) logger.info({ closed }, 'accounts closed at their owners\' request'); })
      .catch((err) => logger.warn({ err }, 'account closure job failed'));
  }, 60_000);
  sweeper.unref();
  const checkpoints = config.auditCheckpointMinutes > 0 ? setInterval(() => {
    container.auditTrail.checkpoint()
      .then((cp) => { if (cp?.created) logger.info({ checkpoint: cp.id, event: cp.lastEventId }, 'audit checkpoint signed'); })
      .catch((err) => logger.warn({ err }, 'audit checkpoint failed'));
  }, config.auditCheckpointMinutes * 60_000) : undefined;
  checkpoints?.unref();

  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  return {
    container,
    server,
    url: `http://${config.host}:${port}`,
    async stop() {
      clearInterval(sweeper);
      clearInterval(checkpoints);
      await new Promise<void>((resolve) => { server.close(() => resolve()); server.closeIdleConnections(); });
      await container.close();
    },
  };
}
