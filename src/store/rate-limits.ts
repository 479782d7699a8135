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

export class RateLimitStore {
  readonly #sql: Statements;

  constructor(private readonly knex: Knex) {
    this.#sql = new Statements(knex);
  }

  /** Adds one hit to `key` and returns the count in the current window. */
  async hit(key: string, windowSeconds: number): Promise<number> {
    return (await this.#sql.run<{ count: number }>('rl_hit', HIT, [key, Math.ceil(windowSeconds)])).rows[0]!.count;
  }

  /**
   * Counts one attempt on every key, or on none when any key is locked or holds its `max` in its
   * window (the function rate_limit_reserve, migration 007). Returns 0 when counted, else the
   * seconds until the keys could admit an attempt.
   */
  async reserve(keys: Array<{ key: string; windowSeconds: number; max: number }>): Promise<number> {
    const { rows } = await this.#sql.run<{ wait: number }>('rl_reserve', 'SELECT rate_limit_reserve($1::text[], $2::int[], $3::int[]) AS wait',
      [keys.map((k) => k.key), keys.map((k) => Math.ceil(k.windowSeconds)), keys.map((k) => k.max)]);
    return rows[0]!.wait;
  }

  /**
   * Locks `key` when its window holds `max` or more; returns the new lock level, or undefined
   * when nothing was locked. The level is forgotten `forgetSeconds` after the lock ends.
   */
  async lockIfSpent(key: string, max: number, lock: { baseSeconds: number; maxSeconds: number; forgetSeconds: number }): Promise<number | undefined> {
    const { rows } = await this.#sql.run<{ lock_level: number }>('rl_lock', LOCK_IF_SPENT, [key, max, lock.baseSeconds, lock.maxSeconds, lock.forgetSeconds]);
    return rows[0]?.lock_level;
  }

  /** Forgets counts and locks of `keys` (rows locked in key order, as reservations lock them). */
  async clear(keys: string[]): Promise<void> {
    await this.#sql.run('rl_clear', `DELETE FROM rate_limits WHERE key IN
      (SELECT key FROM rate_limits WHERE key = ANY($1) ORDER BY key FOR UPDATE)`, [keys]);
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
