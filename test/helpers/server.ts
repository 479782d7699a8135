/** Starts the real service (startServer) on a free port against a throw-away database. */
import { loadConfig } from '../../src/config.ts';
import { startServer, type RunningServer } from '../../src/server.ts';
import { freePort, testEnv, throwawayDatabase, tmpDir } from './env.ts';

export interface TestServer extends RunningServer {
  issuer: string;
  env: Record<string, string>;
  dir: string;
}

export async function startTestServer(extra: Record<string, string> = {}): Promise<TestServer> {
  const dir = tmpDir();
  const port = await freePort();
  const db = process.env.DATABASE_URL ? await throwawayDatabase(process.env.DATABASE_URL) : undefined;
  const env = testEnv(dir, port, { ...(db ? { DATABASE_URL: db.url } : {}), ...extra });
  const running = await startServer(loadConfig(env), { migrate: true });
  return {
    ...running,
    issuer: env.ISSUER!,
    env,
    dir,
    async stop() {
      await running.stop();
      await db?.drop();
    },
  };
}
