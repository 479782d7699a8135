/**
 * Daily channel quotas in the database, so that every process draws on the same allowance.
 * Structurally the verification module's QuotaStore.
 */
import type { Knex } from 'knex';

export class QuotaCounterStore {
  constructor(private readonly knex: Knex) {}

  /** Takes one unit if fewer than `limit` were used that day; atomic under concurrency. */
  async tryConsume(channelId: string, day: string, limit: number): Promise<{ allowed: boolean; used: number }> {
    if (limit > 0) {
      const res = await this.knex.raw(
        `INSERT INTO verification_quota (channel_id, day, used) VALUES (?, ?, 1)
         ON CONFLICT (channel_id, day) DO UPDATE SET used = verification_quota.used + 1
          WHERE verification_quota.used < ?
         RETURNING used`,
        [channelId, day, limit],
      );
      const row = res.rows[0] as { used: number } | undefined;
      if (row) return { allowed: true, used: row.used };
    }
    return { allowed: false, used: await this.used(channelId, day) };
  }

  async used(channelId: string, day: string): Promise<number> {
    const row = await this.knex('verification_quota').where({ channel_id: channelId, day }).first('used');
    return row?.used ?? 0;
  }

  /** Deletes counters of days before `day` (YYYY-MM-DD); returns how many went. */
  async sweep(beforeDay: string): Promise<number> {
    return this.knex('verification_quota').where('day', '<', beforeDay).delete();
  }
}
