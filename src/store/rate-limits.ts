/**
 * Fixed-window counters in the database, so every process enforces the same limits, with an
 * optional escalating lockout on the same row (so that a reservation and a lock are serialised
 * by one row lock). They sit on the login path, so they are prepared statements (statements.ts).
 * src/authn/throttle.ts builds the reserve → verify → release/fail protocol on these.
 */
import type { Knex } from 'knex';
import { Statements } from './statements.ts';

const HIT = `INSERT INTO rate_limits (key, count, expires_at) VALUES ($1, 1, now() + make_interval(secs => $2::int))
  ON CONFLICT (key) DO UPDATE SET
    count = CASE WHEN rate_limits.expires_at <= now() THEN 1 ELSE rate_limits.count + 1 END,
    expires_at = CASE WHEN rate_limits.expires_at <= now() THEN EXCLUDED.expires_at ELSE rate_limits.expires_at END
  RETURNING count`;

// Counts one attempt only when the key is neither locked nor spent. Concurrent reservations queue
// on the row lock and each re-reads the row it waited for, so no more than `max` ever pass. When
// refused, says how long until the key frees up (from the statement's snapshot: an estimate).
const RESERVE = `WITH up AS (
    INSERT INTO rate_limits (key, count, expires_at) VALUES ($1, 1, now() + make_interval(secs => $2::int))
    ON CONFLICT (key) DO UPDATE SET
      count = CASE WHEN rate_limits.expires_at <= now() THEN 1 ELSE rate_limits.count + 1 END,
      expires_at = CASE WHEN rate_limits.expires_at <= now() THEN EXCLUDED.expires_at ELSE rate_limits.expires_at END
    WHERE (rate_limits.locked_until IS NULL OR rate_limits.locked_until <= now())
      AND (rate_limits.expires_at <= now() OR rate_limits.count < $3::int)
    RETURNING count)
  SELECT (SELECT count FROM up) AS count,
    (SELECT ceil(extract(epoch FROM greatest(r.locked_until, CASE WHEN r.count >= $3::int THEN r.expires_at END) - now()))::int
       FROM rate_limits r WHERE r.key = $1) AS retry_after`;

const UNRESERVE = `UPDATE rate_limits SET count = greatest(count - 1, 0) WHERE key = $1 AND expires_at > now()`;

// The lock level in force: forgotten once `forget_at` has passed. Bounded so 2^level stays finite.
const LEVEL = `(CASE WHEN forget_at IS NULL OR forget_at <= now() THEN 0 ELSE least(lock_level, 30) END)`;
const LOCK_SECONDS = `least($3::float8 * power(2, ${LEVEL}), $4::float8)`;
// Locks a key whose window is spent: base × 2^level seconds (capped), then a fresh window.
// Only one failure of a batch locks (the count is reset), so one burst doubles the lock once.
const LOCK_IF_SPENT = `UPDATE rate_limits SET
    locked_until = now() + make_interval(secs => ${LOCK_SECONDS}),
    forget_at = now() + make_interval(secs => ${LOCK_SECONDS} + $5::float8),
    lock_level = ${LEVEL} + 1, count = 0, expires_at = now()
  WHERE key = $1 AND count >= $2::int AND expires_at > now() AND (locked_until IS NULL OR locked_until <= now())
  RETURNING lock_level`;

export interface Reserved { reserved: boolean; retryAfterSeconds: number | undefined }

export class RateLimitStore {
  readonly #sql: Statements;

  constructor(private readonly knex: Knex) {
    this.#sql = new Statements(knex);
  }

  /** Adds one hit to `key` and returns the count in the current window. */
  async hit(key: string, windowSeconds: number): Promise<number> {
    return (await this.#sql.run<{ count: number }>('rl_hit', HIT, [key, Math.ceil(windowSeconds)])).rows[0]!.count;
  }

  /** Counts one attempt unless `key` is locked or already holds `max` in its window. */
  async reserve(key: string, windowSeconds: number, max: number): Promise<Reserved> {
    const row = (await this.#sql.run<{ count: number | null; retry_after: number | null }>('rl_reserve', RESERVE, [key, Math.ceil(windowSeconds), max])).rows[0]!;
    return { reserved: row.count !== null, retryAfterSeconds: row.retry_after ?? undefined };
  }

  /** Takes back one reserved attempt (another key of the same attempt refused it). */
  async unreserve(key: string): Promise<void> {
    await this.#sql.run('rl_unreserve', UNRESERVE, [key]);
  }

  /**
   * Locks `key` when its window holds `max` or more; returns the new lock level, or undefined
   * when nothing was locked. The level is forgotten `forgetSeconds` after the lock ends.
   */
  async lockIfSpent(key: string, max: number, lock: { baseSeconds: number; maxSeconds: number; forgetSeconds: number }): Promise<number | undefined> {
    const { rows } = await this.#sql.run<{ lock_level: number }>('rl_lock', LOCK_IF_SPENT, [key, max, lock.baseSeconds, lock.maxSeconds, lock.forgetSeconds]);
    return rows[0]?.lock_level;
  }

  /** Forgets counts and locks of `keys`. */
  async clear(keys: string[]): Promise<void> {
    await this.#sql.run('rl_clear', 'DELETE FROM rate_limits WHERE key = ANY($1)', [keys]);
  }

  async reset(key: string): Promise<void> {
    await this.clear([key]);
  }

  /** Deletes rows whose window has passed and whose lock level, if any, is forgotten. */
  async sweep(): Promise<number> {
    const now = this.knex.fn.now();
    return this.knex('rate_limits').where('expires_at', '<', now)
      .andWhere((q) => q.whereNull('forget_at').orWhere('forget_at', '<', now)).delete();
  }
}
