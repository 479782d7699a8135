/** Fixed-window counters in the database, so every process enforces the same limits. */
import type { Knex } from 'knex';

export class RateLimitStore {
  constructor(private readonly knex: Knex) {}

  /** Adds one hit to `key` and returns the count in the current window. */
  async hit(key: string, windowSeconds: number): Promise<number> {
    const res = await this.knex.raw(
      `INSERT INTO rate_limits (key, count, expires_at) VALUES (?, 1, now() + make_interval(secs => ?))
       ON CONFLICT (key) DO UPDATE SET
         count = CASE WHEN rate_limits.expires_at <= now() THEN 1 ELSE rate_limits.count + 1 END,
         expires_at = CASE WHEN rate_limits.expires_at <= now() THEN EXCLUDED.expires_at ELSE rate_limits.expires_at END
       RETURNING count`,
      [key, windowSeconds],
    );
    return res.rows[0].count as number;
  }

  async peek(key: string): Promise<number> {
    const row = await this.knex('rate_limits').where({ key }).andWhere('expires_at', '>', this.knex.fn.now()).first('count');
    return row?.count ?? 0;
  }

  async reset(key: string): Promise<void> {
    await this.knex('rate_limits').where({ key }).delete();
  }

  async sweep(): Promise<number> {
    return this.knex('rate_limits').where('expires_at', '<', this.knex.fn.now()).delete();
  }
}
