/**
 * SQL for second-factor recovery codes (printed by the person; not the password-recovery SMS
 * codes of recovery-codes.ts). Only keyed hashes are stored.
 */
import type { Knex } from 'knex';

export class MfaRecoveryCodeStore {
  constructor(private readonly knex: Knex) {}

  /** The person's codes become exactly `hashes`: the old ones, used or not, are gone. */
  async replace(personId: string, hashes: string[]): Promise<void> {
    await this.knex.transaction(async (trx) => {
      await trx('mfa_recovery_codes').where({ person_id: personId }).delete();
      await trx('mfa_recovery_codes').insert(hashes.map((code_hash) => ({ person_id: personId, code_hash })));
    });
  }

  /** Removes every code of the person (an administrator's reset); returns how many. */
  async removeAll(personId: string): Promise<number> {
    return this.knex('mfa_recovery_codes').where({ person_id: personId }).delete();
  }

  /**
   * Marks an unused code of the person whose hash is one of `hashes` used, in one conditional
   * statement: of parallel uses of one code, exactly one gets true.
   */
  async use(personId: string, hashes: string[]): Promise<boolean> {
    if (hashes.length === 0) return false;
    const n = await this.knex('mfa_recovery_codes').where({ person_id: personId }).whereIn('code_hash', hashes).whereNull('used_at')
      .update({ used_at: this.knex.fn.now() });
    return n >= 1;
  }

  /** How many unused codes the person has (0 when none were ever generated). */
  async remaining(personId: string): Promise<{ remaining: number; generated: boolean }> {
    const row = await this.knex('mfa_recovery_codes').where({ person_id: personId })
      .select(this.knex.raw('count(*)::int AS total'), this.knex.raw('count(*) FILTER (WHERE used_at IS NULL)::int AS remaining'))
      .first() as { total: number; remaining: number } | undefined;
    return { remaining: row?.remaining ?? 0, generated: (row?.total ?? 0) > 0 };
  }
}
