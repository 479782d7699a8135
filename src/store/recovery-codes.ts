/** SQL for password-recovery codes. */
import type { Knex } from 'knex';

export interface RecoveryRow {
  id: string;
  person_id: string;
  code_hash: string;
  attempts: number;
  expires_at: Date;
  consumed_at: Date | null;
}

export class RecoveryCodeStore {
  constructor(private readonly knex: Knex) {}

  async insert(row: Pick<RecoveryRow, 'id' | 'person_id' | 'code_hash' | 'expires_at'>): Promise<void> {
    await this.knex('recovery_codes').insert(row);
  }

  /** Counts an attempt and returns the row as it was, if it is still usable. */
  async attempt(id: string, maxAttempts: number): Promise<RecoveryRow | undefined> {
    const rows = await this.knex('recovery_codes').where({ id }).whereNull('consumed_at')
      .andWhere('expires_at', '>', this.knex.fn.now()).andWhere('attempts', '<', maxAttempts)
      .increment('attempts', 1).returning('*');
    return rows[0];
  }

  /** Marks the code used; false when another request used it first. */
  async consume(id: string): Promise<boolean> {
    return (await this.knex('recovery_codes').where({ id }).whereNull('consumed_at').update({ consumed_at: this.knex.fn.now() })) === 1;
  }

  async sweep(): Promise<number> {
    return this.knex('recovery_codes').where('expires_at', '<', this.knex.fn.now()).delete();
  }
}
