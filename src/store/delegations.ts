/** SQL for agent delegations and per-session entity selections. */
import type { Knex } from 'knex';

export type DelegationStatus = 'offered' | 'active' | 'suspended' | 'declined' | 'revoked' | 'resigned';

export interface DelegationRow {
  id: string;
  enterprise_id: string;
  granted_by: string;
  agent_name_enc: string;
  agent_id_number_enc: string;
  agent_id_number_bidx: string;
  agent_person_id: string | null;
  all_platforms: boolean;
  platforms: string[];
  expires_at: Date;
  status: DelegationStatus;
  /** Suspended by a security administrator (only an administrator reinstates it). */
  admin_suspended_at?: Date | null;
  accepted_at: Date | null;
  ended_at: Date | null;
  created_at: Date;
}

export interface SelectionRow {
  session_uid: string;
  client_id: string;
  person_id: string;
  enterprise_id: string | null;
  delegation_id: string | null;
}

export class DelegationStore {
  constructor(private readonly knex: Knex) {}

  /** The same store inside another store's transaction. */
  within(trx: Knex.Transaction): DelegationStore {
    return new DelegationStore(trx);
  }

  async insert(row: Omit<DelegationRow, 'accepted_at' | 'ended_at' | 'created_at' | 'agent_person_id' | 'status'>): Promise<void> {
    await this.knex('delegations').insert({ ...row, platforms: JSON.stringify(row.platforms), status: 'offered' });
  }

  find(id: string): Promise<DelegationRow | undefined> {
    return this.knex('delegations').where({ id }).first();
  }

  forEnterprise(enterpriseId: string): Promise<DelegationRow[]> {
    return this.knex('delegations').where({ enterprise_id: enterpriseId }).orderBy('created_at', 'desc');
  }

  /** Offers addressed to an ID number (by blind index) and grants held by a person. */
  forAgent(personId: string, idNumberIndexes: string[]): Promise<DelegationRow[]> {
    return this.knex('delegations')
      .where((q) => q.where({ agent_person_id: personId }).orWhere((o) => o.whereIn('agent_id_number_bidx', idNumberIndexes).andWhere({ status: 'offered' })))
      .orderBy('created_at', 'desc');
  }

  /** Administrators' list: any enterprise's delegations, in id order after `afterId`. */
  page(filter: { enterpriseId?: string | undefined; status?: DelegationStatus | undefined }, afterId: string | null, limit: number): Promise<DelegationRow[]> {
    const q = this.knex('delegations').orderBy('id').limit(limit);
    if (filter.enterpriseId !== undefined) q.where('enterprise_id', filter.enterpriseId);
    if (filter.status !== undefined) q.where('status', filter.status);
    if (afterId !== null) q.where('id', '>', afterId);
    return q;
  }

  /** Moves a delegation from one of `from` to `to`; false when its status was not in `from`. */
  async transition(id: string, from: DelegationStatus[], to: DelegationStatus, extra: Record<string, unknown> = {}): Promise<boolean> {
    const n = await this.knex('delegations').where({ id }).whereIn('status', from)
      .update({ status: to, updated_at: this.knex.fn.now(), ...extra });
    return n === 1;
  }

  /** Suspends every live delegation of an enterprise (its representative changed). */
  staleBatch(keyId: string, limit: number): Promise<DelegationRow[]> {
    const prefix = `v1.${keyId}.%`;
    return this.knex('delegations').whereNot('agent_name_enc', 'like', prefix).orWhereNot('agent_id_number_enc', 'like', prefix).orderBy('id').limit(limit);
  }

  async reseal(id: string, fields: Pick<DelegationRow, 'agent_name_enc' | 'agent_id_number_enc' | 'agent_id_number_bidx'>): Promise<void> {
    await this.knex('delegations').where({ id }).update(fields);
  }

  async suspendAll(enterpriseId: string): Promise<string[]> {
    const rows = await this.knex('delegations').where({ enterprise_id: enterpriseId }).whereIn('status', ['offered', 'active'])
      .update({ status: 'suspended', updated_at: this.knex.fn.now() }).returning('id');
    return rows.map((r: { id: string }) => r.id);
  }

  /** Live agent delegations of a person, with their enterprise. */
  activeForAgent(personId: string): Promise<Array<DelegationRow & { credit_code: string; name: string }>> {
    return this.knex('delegations as d').join('enterprises as e', 'e.id', 'd.enterprise_id')
      .where({ 'd.agent_person_id': personId, 'd.status': 'active' }).andWhere('d.expires_at', '>', this.knex.fn.now())
      .whereNull('e.suspended_at')
      .select('d.*', 'e.credit_code', 'e.name');
  }

  async select(row: SelectionRow, ttlSeconds: number): Promise<void> {
    await this.knex('entity_selections')
      .insert({ ...row, expires_at: new Date(Date.now() + ttlSeconds * 1000) })
      .onConflict(['session_uid', 'client_id']).merge();
  }

  selection(sessionUid: string, clientId: string): Promise<SelectionRow | undefined> {
    return this.knex('entity_selections').where({ session_uid: sessionUid, client_id: clientId })
      .andWhere('expires_at', '>', this.knex.fn.now()).first();
  }

  async sweepSelections(): Promise<number> {
    return this.knex('entity_selections').where('expires_at', '<', this.knex.fn.now()).delete();
  }
}
