/**
 * Runs the sandbox authority on its own: `npx tsx src/sandbox/main.ts`.
 * SANDBOX_PORT (default 7080), SANDBOX_HOST (default 127.0.0.1), SANDBOX_ADMIN_TOKEN
 * (generated and printed when absent), SANDBOX_APPS="appId:secret,..." (default: fixtures.apps).
 */
import { createSandboxServer, type SandboxApp } from './server.ts';

function parseApps(value: string | undefined): SandboxApp[] | undefined {
  if (!value) return undefined;
  return value.split(',').map((pair) => {
    const i = pair.indexOf(':');
    if (i <= 0) throw new Error('SANDBOX_APPS must look like appId:secret,appId:secret');
    return { appId: pair.slice(0, i).trim(), secret: pair.slice(i + 1).trim() };
  });
}

const port = Number(process.env.SANDBOX_PORT ?? 7080);
if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`invalid SANDBOX_PORT: ${process.env.SANDBOX_PORT}`);

const sandbox = await createSandboxServer({
  port,
  host: process.env.SANDBOX_HOST ?? '127.0.0.1',
  adminToken: process.env.SANDBOX_ADMIN_TOKEN || undefined,
  apps: parseApps(process.env.SANDBOX_APPS),
});

console.log(`sandbox authority listening on ${sandbox.url}`);
if (!process.env.SANDBOX_ADMIN_TOKEN) console.log(`admin token (generated): ${sandbox.adminToken}`);
console.log(`apps: ${sandbox.apps.map((a) => a.appId).join(', ')}`);

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: stopping sandbox`);
  await sandbox.close();
  process.exit(0);
}
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
