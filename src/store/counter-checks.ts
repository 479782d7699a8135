/** SQL for acts at a service counter (窗口): appended once, read by the account page and the desk. */
import type { Knex } from 'knex';

export type CounterAct = 'identity' | 'enterprise_representative' | 'reclaim';

export interface CounterCheckRow {
  id: string;
  person_id: string;
  act: CounterAct;
  operator_id: string;
  hall: string;
  reference: string;
  document_type: string;
  card_number_enc: string | null;
  card_number_bidx: string | null;
  reader_payload_hash: string | null;
  reader_payload_bytes: number | null;
  evidence_id: string | null;
  claim_id: string | null;
  created_at: Date;
}

export type NewCounterCheck = Omit<CounterCheckRow, 'created_at'>;

export class CounterCheckStore {
  constructor(private readonly knex: Knex) {}

  async insert(row: NewCounterCheck): Promise<CounterCheckRow> {
    const [stored] = await this.knex('counter_checks').insert(row).returning('*');
    return stored as CounterCheckRow;
  }

  async findById(id: string): Promise<CounterCheckRow | undefined> {
    return this.knex('counter_checks').where({ id }).first();
  }

  /** A person's counter visits, newest first (the account page's 窗口核验记录). */
  listOf(personId: string, limit = 50): Promise<CounterCheckRow[]> {
    return this.knex('counter_checks').where({ person_id: personId }).orderBy('created_at', 'desc').orderBy('id').limit(limit);
  }

  /** Rows sealed under another key than `currentKeyId` (re-encryption after a key rotation). */
  staleBatch(currentKeyId: string, limit: number): Promise<Array<{ id: string; card_number_enc: string }>> {
    return this.knex('counter_checks').whereNotNull('card_number_enc')
      .andWhereRaw("split_part(card_number_enc, '.', 2) <> ?", [currentKeyId]).orderBy('id').limit(limit).select('id', 'card_number_enc');
  }

  async reseal(id: string, sealed: { card_number_enc: string; card_number_bidx: string }): Promise<void> {
    await this.knex('counter_checks').where({ id }).update(sealed);
  }
}
