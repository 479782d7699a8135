/**
 * SQL for one-time secrets: codes sent to a person, and values accepted once. Each decision is
 * one conditional statement, so parallel requests cannot both pass (authn/one-time-codes.ts).
 */
import type { Knex } from 'knex';

export interface CodeAttempt { id: string; code_hash: string }

export class OneTimeSecretStore {
  constructor(private readonly knex: Knex) {}

  /** Stores a new code for (purpose, subject) and voids the live ones before it, in one transaction. */
  async issue(row: { id: string; purpose: string; subject: string; code_hash: string; max_attempts: number; ttlSeconds: number }): Promise<void> {
    await this.knex.transaction(async (trx) => {
      await trx('one_time_codes').where({ purpose: row.purpose, subject: row.subject }).whereNull('consumed_at')
        .update({ consumed_at: trx.fn.now() });
      await trx('one_time_codes').insert({
        id: row.id, purpose: row.purpose, subject: row.subject, code_hash: row.code_hash, max_attempts: row.max_attempts,
        expires_at: trx.raw('now() + make_interval(secs => ?)', [row.ttlSeconds]),
      });
    });
  }

  /**
   * Counts one try against a live code of (purpose, subject) and returns it, or nothing when
   * there is none left to try (used, voided, expired, or out of tries).
   */
  async attempt(id: string, purpose: string, subject: string): Promise<CodeAttempt | undefined> {
    const rows = await this.knex('one_time_codes').where({ id, purpose, subject }).whereNull('consumed_at')
      .andWhere('expires_at', '>', this.knex.fn.now()).andWhereRaw('attempts < max_attempts')
      .increment('attempts', 1).returning(['id', 'code_hash']);
    return rows[0] as CodeAttempt | undefined;
  }

  /** Marks a code used; false when another request used it first. */
  async consume(id: string): Promise<boolean> {
    return (await this.knex('one_time_codes').where({ id }).whereNull('consumed_at').update({ consumed_at: this.knex.fn.now() })) === 1;
  }

  /** Records `key` under `purpose` unless a live record exists; true for the first use only. */
  async useOnce(purpose: string, key: string, ttlSeconds: number): Promise<boolean> {
    const res = await this.knex.raw(
      `INSERT INTO used_once (purpose, key, expires_at) VALUES (?, ?, now() + make_interval(secs => ?))
       ON CONFLICT (purpose, key) DO UPDATE SET expires_at = EXCLUDED.expires_at WHERE used_once.expires_at <= now()
       RETURNING 1`, [purpose, key, Math.max(1, Math.ceil(ttlSeconds))]);
    return (res.rows as unknown[]).length === 1;
  }

  async sweep(): Promise<number> {
    const codes = await this.knex('one_time_codes').where('expires_at', '<', this.knex.raw("now() - interval '1 day'")).delete();
    const used = await this.knex('used_once').where('expires_at', '<', this.knex.fn.now()).delete();
    return codes + used;
  }
}
