/**
 * The one place that tells "the database cannot answer now" from every other failure: refused or
 * lost connections, connect and pool-acquire timeouts, statements that timed out, a server that is
 * shutting down or starting. Callers answer those with 503 and Retry-After (a retry will do),
 * never with a 500 or a stack trace.
 */

// Socket-level errors on the way to the database server.
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOENT']);

// PostgreSQL SQLSTATEs: 08xxx connection exceptions, 57P01 admin_shutdown, 57P02 crash_shutdown,
// 57P03 cannot_connect_now, 57014 query_canceled (statement_timeout), 53300 too_many_connections.
const SQLSTATES = new Set(['57P01', '57P02', '57P03', '57014', '53300']);

// Driver messages that carry no code: pg's connect and read timeouts and lost connections. knex
// prefixes the statement ("select … - Connection terminated unexpectedly"), hence `(^|- )`.
const MESSAGES = [
  /(^|- )Connection terminated (unexpectedly|due to connection timeout)$/,
  /(^|- )Query read timeout$/,
  /(^|- )timeout expired$/,
  /(^|- )Client has encountered a connection error and is not queryable$/,
  /(^|- )Client was closed and is not queryable$/,
  /(^|- )Connection ended unexpectedly$/,
];

function matches(err: { code?: unknown; name?: unknown; message?: unknown; syscall?: unknown }): boolean {
  const code = typeof err.code === 'string' ? err.code : undefined;
  if (code && SQLSTATES.has(code)) return true;
  if (code?.startsWith('08') && code.length === 5) return true;
  // ENOENT only for a connect: the embedded database's socket file is gone.
  if (code && NETWORK_CODES.has(code) && (code !== 'ENOENT' || err.syscall === 'connect')) return true;
  if (err.name === 'KnexTimeoutError') return true; // the pool could not hand out a connection in time
  return typeof err.message === 'string' && MESSAGES.some((m) => m.test(err.message as string));
}

/** True when `err` (or what caused it) says the database is unreachable or too slow right now. */
export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 5) return false;
  const e = err as { cause?: unknown; errors?: unknown; code?: unknown; message?: unknown };
  if (matches(e)) return true;
  if (Array.isArray(e.errors) && e.errors.some((inner) => isDatabaseUnavailable(inner, depth + 1))) return true;
  return isDatabaseUnavailable(e.cause, depth + 1);
}

/** Seconds a client should wait before trying again (Retry-After). */
export const RETRY_AFTER_SECONDS = 5;
