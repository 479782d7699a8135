/**
 * Fixed-window counters in the database, so every process enforces the same limits. They sit on
 * the login path (several per login), so they are prepared statements (statements.ts).
 */
import type { Knex } from 'knex';
import { Statements } from './statements.ts';

const HIT = `INSERT INTO rate_limits (key, count, expires_at) VALUES ($1, 1, now() + make_interval(secs => $2::int))
  ON CONFLICT (key) DO UPDATE SET
    count = CASE WHEN rate_limits.expires_at <= now() THEN 1 ELSE rate_limits.count + 1 END,
    expires_at = CASE WHEN rate_limits.expires_at <= now() THEN EXCLUDED.expires_at ELSE rate_limits.expires_at END
  RETURNING count`;
const PEEK = (param: string) => `coalesce((SELECT count FROM rate_limits WHERE key = ${param} AND expires_at > now()), 0)`;

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
   * `hit(key)` and `peek` of two other counters in one round trip (the login check: every
   * attempt counts against the address, failures against the account).
   */
  async hitAndPeek(key: string, windowSeconds: number, peek: [string, string]): Promise<{ hits: number; peeked: [number, number] }> {
    const sql = `WITH h AS (${HIT}) SELECT (SELECT count FROM h) AS hits, ${PEEK('$3')} AS a, ${PEEK('$4')} AS b`;
    const row = (await this.#sql.run<{ hits: number; a: number; b: number }>('rl_hit_peek', sql, [key, Math.ceil(windowSeconds), ...peek])).rows[0]!;
    return { hits: row.hits, peeked: [row.a, row.b] };
  }

  async reset(key: string): Promise<void> {
    await this.#sql.run('rl_reset', 'DELETE FROM rate_limits WHERE key = $1', [key]);
  }

  async sweep(): Promise<number> {
    return this.knex('rate_limits').where('expires_at', '<', this.knex.fn.now()).delete();
  }
}
