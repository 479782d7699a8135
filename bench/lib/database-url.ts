/**
 * The PostgreSQL server the bench creates its throw-away databases on: DATABASE_URL, else the
 * local server through its Unix socket when there is one. Every query crosses this connection;
 * on one machine a Unix socket costs a fraction of loopback TCP (measured here: ~30% of Yihao's
 * CPU per refresh grant), and it is how a service on the database's own host would connect.
 */
import { existsSync } from 'node:fs';

const SOCKET_DIR = '/var/run/postgresql';

export function benchDatabaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DATABASE_URL) return env.DATABASE_URL;
  return existsSync(`${SOCKET_DIR}/.s.PGSQL.5432`)
    ? `postgres://postgres@localhost/postgres?host=${SOCKET_DIR}`
    : 'postgres://postgres@127.0.0.1:5432/postgres';
}
