/** SQL for natural persons and their credentials. Values arrive already encrypted/indexed. */
import type { Knex } from 'knex';

export interface PersonRow {
  id: string;
  name_enc: string;
  id_number_enc: string;
  id_number_bidx: string;
  phone_enc: string;
  phone_bidx: string;
  status: string;
  created_at: Date;
  updated_at: Date;
}

export type NewPersonRow = Pick<PersonRow, 'id' | 'name_enc' | 'id_number_enc' | 'id_number_bidx' | 'phone_enc' | 'phone_bidx'>;

export class PersonStore {
  constructor(private readonly knex: Knex) {}

  findById(id: string): Promise<PersonRow | undefined> {
    return this.knex('persons').where({ id }).first();
  }

  findByIdNumberIndex(bidx: string): Promise<PersonRow | undefined> {
    return this.knex('persons').where({ id_number_bidx: bidx }).first();
  }

  findByPhoneIndex(bidx: string): Promise<PersonRow | undefined> {
    return this.knex('persons').where({ phone_bidx: bidx }).first();
  }

  /**
   * Inserts the person and their password in one transaction. Returns 'duplicate' when the ID
   * number or mobile number already has an account (unique blind indexes decide, not a pre-check).
   */
  async insertWithPassword(row: NewPersonRow, passwordHash: string): Promise<'created' | 'duplicate'> {
    return this.knex.transaction(async (trx) => {
      const inserted = await trx('persons').insert(row).onConflict().ignore().returning('id');
      if (inserted.length === 0) return 'duplicate';
      await trx('credentials').insert({ person_id: row.id, kind: 'password', secret: passwordHash });
      return 'created';
    });
  }

  async passwordHash(personId: string): Promise<string | undefined> {
    const row = await this.knex('credentials').where({ person_id: personId, kind: 'password' }).first('secret');
    return row?.secret;
  }

  async setPasswordHash(personId: string, hash: string): Promise<void> {
    await this.knex('credentials').where({ person_id: personId, kind: 'password' })
      .update({ secret: hash, updated_at: this.knex.fn.now() });
  }
}
