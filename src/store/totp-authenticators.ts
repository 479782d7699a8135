/** SQL for authenticator apps (TOTP): one per account, a pending one until its first code. */
import type { Knex } from 'knex';

export interface TotpRow {
  person_id: string;
  secret_enc: string | null;
  confirmed_at: Date | null;
  pending_secret_enc: string | null;
  pending_since: Date | null;
}

export class TotpStore {
  constructor(private readonly knex: Knex) {}

  async get(personId: string): Promise<TotpRow | undefined> {
    return this.knex<TotpRow>('totp_authenticators').where({ person_id: personId }).first();
  }

  /** Stores a new pending secret (replacing an earlier pending one); a confirmed one stays. */
  async setPending(personId: string, secretEnc: string): Promise<void> {
    await this.knex('totp_authenticators')
      .insert({ person_id: personId, pending_secret_enc: secretEnc, pending_since: this.knex.fn.now() })
      .onConflict('person_id').merge(['pending_secret_enc', 'pending_since']);
  }

  /**
   * Makes the pending secret the account's authenticator, if it is still the one the code was
   * checked against (a parallel re-enrolment may have replaced it); false otherwise.
   */
  async confirm(personId: string, pendingEnc: string): Promise<boolean> {
    const n = await this.knex('totp_authenticators').where({ person_id: personId, pending_secret_enc: pendingEnc }).update({
      secret_enc: this.knex.ref('pending_secret_enc'), confirmed_at: this.knex.fn.now(), pending_secret_enc: null, pending_since: null,
    });
    return n === 1;
  }

  /** Every row (a key rotation re-encrypts them; one row per enrolled account). */
  async all(): Promise<TotpRow[]> {
    return this.knex<TotpRow>('totp_authenticators').select('*');
  }

  /** Replaces the sealed values of a row if they are still `before` (a change meanwhile wins). */
  async reseal(personId: string, before: Pick<TotpRow, 'secret_enc' | 'pending_secret_enc'>, after: Pick<TotpRow, 'secret_enc' | 'pending_secret_enc'>): Promise<boolean> {
    const q = this.knex('totp_authenticators').where({ person_id: personId });
    for (const col of ['secret_enc', 'pending_secret_enc'] as const) {
      const v = before[col];
      if (v === null) q.whereNull(col); else q.where(col, v);
    }
    return (await q.update(after)) === 1;
  }

  /** Removes the authenticator (and any pending one); false when there was none. */
  async remove(personId: string): Promise<boolean> {
    return (await this.knex('totp_authenticators').where({ person_id: personId }).delete()) === 1;
  }
}
