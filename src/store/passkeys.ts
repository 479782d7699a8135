/**
 * SQL for passkeys (WebAuthn credentials) and their ceremonies' challenges. Decisions that must
 * hold under concurrency are single conditional statements: a challenge is consumed by one
 * DELETE, a signature counter only moves forward in one UPDATE.
 */
import type { Knex } from 'knex';

export interface PasskeyRow {
  id: string;
  person_id: string;
  credential_id: string;
  public_key: Buffer;
  sign_count: number;
  transports: string[];
  backup_eligible: boolean;
  backed_up: boolean;
  name: string;
  created_at: Date;
  last_used_at: Date | null;
}

export type NewPasskeyRow = Omit<PasskeyRow, 'created_at' | 'last_used_at'>;

const toRow = (r: PasskeyRow): PasskeyRow => ({ ...r, sign_count: Number(r.sign_count), transports: r.transports ?? [] });

export class PasskeyStore {
  constructor(private readonly knex: Knex) {}

  async listFor(personId: string): Promise<PasskeyRow[]> {
    const rows = await this.knex('passkeys').where({ person_id: personId }).orderBy('created_at');
    return (rows as PasskeyRow[]).map(toRow);
  }

  async count(personId: string): Promise<number> {
    const row = await this.knex('passkeys').where({ person_id: personId }).count<{ n: string }[]>({ n: '*' }).first();
    return Number(row?.n ?? 0);
  }

  async findByCredentialId(credentialId: string): Promise<PasskeyRow | undefined> {
    const row = await this.knex('passkeys').where({ credential_id: credentialId }).first();
    return row ? toRow(row as PasskeyRow) : undefined;
  }

  /** False when the credential is already registered (to anyone): the unique index decides. */
  async insert(row: NewPasskeyRow): Promise<boolean> {
    const inserted = await this.knex('passkeys').insert(row).onConflict('credential_id').ignore().returning('id');
    return inserted.length === 1;
  }

  /** Records a verified use. False when the counter did not move forward (a replay, a clone). */
  async recordUse(id: string, signCount: number, backedUp: boolean): Promise<boolean> {
    const n = await this.knex('passkeys').where({ id })
      .andWhere((q) => q.where('sign_count', '<', signCount).orWhere((z) => z.where('sign_count', 0).andWhere(this.knex.raw('?::bigint = 0', [signCount]))))
      .update({ sign_count: signCount, backed_up: backedUp, last_used_at: this.knex.fn.now() });
    return n === 1;
  }

  async rename(personId: string, id: string, name: string): Promise<boolean> {
    return (await this.knex('passkeys').where({ id, person_id: personId }).update({ name })) === 1;
  }

  async remove(personId: string, id: string): Promise<PasskeyRow | undefined> {
    const rows = await this.knex('passkeys').where({ id, person_id: personId }).delete().returning('*');
    return rows[0] ? toRow(rows[0] as PasskeyRow) : undefined;
  }

  /** Removes every passkey of the person (an administrator's reset); returns how many. */
  async removeAll(personId: string): Promise<number> {
    return this.knex('passkeys').where({ person_id: personId }).delete();
  }

  /** Stores the live challenge of (purpose, binding); a new one replaces the previous. */
  async putChallenge(purpose: string, binding: string, challenge: string, ttlSeconds: number): Promise<void> {
    await this.knex.raw(
      `INSERT INTO webauthn_challenges (purpose, binding, challenge, expires_at) VALUES (?, ?, ?, now() + make_interval(secs => ?))
       ON CONFLICT (purpose, binding) DO UPDATE SET challenge = EXCLUDED.challenge, expires_at = EXCLUDED.expires_at`,
      [purpose, binding, challenge, ttlSeconds]);
  }

  /** True when `challenge` is the live challenge of (purpose, binding) and this call consumed it. */
  async takeChallenge(purpose: string, binding: string, challenge: string): Promise<boolean> {
    const n = await this.knex('webauthn_challenges').where({ purpose, binding, challenge })
      .andWhere('expires_at', '>', this.knex.fn.now()).delete();
    return n === 1;
  }

  async sweep(): Promise<number> {
    return this.knex('webauthn_challenges').where('expires_at', '<', this.knex.fn.now()).delete();
  }
}
