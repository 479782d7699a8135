/** SQL for assisted-service authorisations (代办) and the per-session choice of whom one acts for. */
import type { Knex } from 'knex';

export type ProxyStatus = 'pending' | 'active' | 'revoked' | 'resigned';

export interface ProxyGrantRow {
  id: string;
  grantor_person_id: string;
  proxy_name_enc: string;
  proxy_id_number_enc: string;
  proxy_id_number_bidx: string;
  relationship: string;
  platforms: string[];
  expires_at: Date;
  status: ProxyStatus;
  confirmed_via: 'sms' | 'counter' | null;
  evidence_ref: string | null;
  confirmed_at: Date | null;
  ended_at: Date | null;
  created_at: Date;
}

export interface PersonSelectionRow {
  session_uid: string;
  client_id: string;
  person_id: string;
  basis: 'guardian' | 'proxy';
  grant_id: string;
}

export class ProxyGrantStore {
  constructor(private readonly knex: Knex) {}

  async insert(row: Omit<ProxyGrantRow, 'confirmed_at' | 'ended_at' | 'created_at' | 'evidence_ref' | 'confirmed_via'> & Partial<Pick<ProxyGrantRow, 'confirmed_at' | 'evidence_ref' | 'confirmed_via'>>): Promise<void> {
    await this.knex('proxy_grants').insert({ ...row, platforms: JSON.stringify(row.platforms) });
  }

  find(id: string): Promise<ProxyGrantRow | undefined> {
    return this.knex('proxy_grants').where({ id }).first();
  }

  ofGrantor(grantorId: string): Promise<ProxyGrantRow[]> {
    return this.knex('proxy_grants').where({ grantor_person_id: grantorId }).whereIn('status', ['pending', 'active']).orderBy('created_at', 'desc');
  }

  /** Active, unexpired grants naming an ID number (by blind index, every key during a rotation). Expiry is decided by the database clock, per request. */
  activeFor(idNumberIndexes: string[]): Promise<ProxyGrantRow[]> {
    return this.knex('proxy_grants').whereIn('proxy_id_number_bidx', idNumberIndexes).andWhere({ status: 'active' })
      .andWhere('expires_at', '>', this.knex.fn.now()).orderBy('created_at', 'desc');
  }

  /** One conditional statement: false when the status was not in `from` (or, with `live`, the grant has expired). */
  async transition(id: string, from: ProxyStatus[], to: ProxyStatus, extra: Partial<ProxyGrantRow> = {}, live = false): Promise<boolean> {
    const q = this.knex('proxy_grants').where({ id }).whereIn('status', from);
    if (live) q.andWhere('expires_at', '>', this.knex.fn.now());
    return (await q.update({ status: to, ...extra })) === 1;
  }

  /** Revokes every live grant a person made, and clears the person's choices (account closed, account reclaimed). */
  async endAllOfGrantor(grantorId: string): Promise<string[]> {
    const rows = await this.knex('proxy_grants').where({ grantor_person_id: grantorId }).whereIn('status', ['pending', 'active'])
      .update({ status: 'revoked', ended_at: this.knex.fn.now() }).returning('id');
    await this.knex('person_selections').where({ person_id: grantorId }).delete();
    return rows.map((r: { id: string }) => r.id);
  }

  async select(row: PersonSelectionRow, ttlSeconds: number): Promise<void> {
    await this.knex('person_selections').insert({ ...row, expires_at: new Date(Date.now() + ttlSeconds * 1000) })
      .onConflict(['session_uid', 'client_id']).merge();
  }

  async clearSelection(sessionUid: string, clientId: string): Promise<void> {
    await this.knex('person_selections').where({ session_uid: sessionUid, client_id: clientId }).delete();
  }

  selection(sessionUid: string, clientId: string): Promise<PersonSelectionRow | undefined> {
    return this.knex('person_selections').where({ session_uid: sessionUid, client_id: clientId }).andWhere('expires_at', '>', this.knex.fn.now()).first();
  }

  sweepSelections(): Promise<number> {
    return this.knex('person_selections').where('expires_at', '<', this.knex.fn.now()).delete();
  }
}
