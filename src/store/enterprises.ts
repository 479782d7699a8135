/** SQL for enterprises and the claims to represent them. */
import type { Knex } from 'knex';

export interface EnterpriseRow {
  id: string;
  credit_code: string;
  name: string;
  category: string;
  legal_rep_person_id: string | null;
  verified_at: Date | null;
  /** Suspended by a security administrator: no one acts for it meanwhile. */
  suspended_at?: Date | null;
  created_at: Date;
}

export interface ClaimRow {
  id: string;
  enterprise_id: string;
  person_id: string;
  claimed_name: string;
  status: 'pending' | 'verified' | 'rejected' | 'superseded';
  evidence_ref: string | null;
  decided_by: string | null;
  decided_at: Date | null;
  created_at: Date;
}

export class EnterpriseStore {
  constructor(private readonly knex: Knex) {}

  /** Runs `fn` in one transaction; `trx` lets other stores join it. */
  transaction<T>(fn: (store: EnterpriseStore, trx: Knex.Transaction) => Promise<T>): Promise<T> {
    return this.knex.transaction((trx) => fn(new EnterpriseStore(trx), trx));
  }

  findById(id: string): Promise<EnterpriseRow | undefined> {
    return this.knex('enterprises').where({ id }).first();
  }

  findByCode(creditCode: string): Promise<EnterpriseRow | undefined> {
    return this.knex('enterprises').where({ credit_code: creditCode }).first();
  }

  /** Inserts the enterprise unless its code exists; returns the row either way. */
  async ensure(row: Pick<EnterpriseRow, 'id' | 'credit_code' | 'name' | 'category'>): Promise<EnterpriseRow> {
    await this.knex('enterprises').insert(row).onConflict('credit_code').ignore();
    return (await this.findByCode(row.credit_code))!;
  }

  async setRepresentative(enterpriseId: string, personId: string, name: string): Promise<void> {
    await this.knex('enterprises').where({ id: enterpriseId })
      .update({ legal_rep_person_id: personId, name, verified_at: this.knex.fn.now(), updated_at: this.knex.fn.now() });
  }

  /** Administrators' search: exact credit code or part of the name, in id order after `afterId`. */
  page(filter: { creditCode?: string | undefined; name?: string | undefined }, afterId: string | null, limit: number): Promise<EnterpriseRow[]> {
    const q = this.knex('enterprises').orderBy('id').limit(limit);
    if (filter.creditCode !== undefined) q.where('credit_code', filter.creditCode);
    if (filter.name !== undefined) q.where('name', 'like', `%${filter.name.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    if (afterId !== null) q.where('id', '>', afterId);
    return q;
  }

  /** Sets or clears the suspension; false when there is no such enterprise. */
  async setSuspended(id: string, suspended: boolean): Promise<boolean> {
    return (await this.knex('enterprises').where({ id }).update({ suspended_at: suspended ? this.knex.fn.now() : null, updated_at: this.knex.fn.now() })) === 1;
  }

  representedBy(personId: string): Promise<EnterpriseRow[]> {
    return this.knex('enterprises').where({ legal_rep_person_id: personId }).orderBy('name');
  }

  async insertClaim(row: Pick<ClaimRow, 'id' | 'enterprise_id' | 'person_id' | 'claimed_name'>): Promise<boolean> {
    const res = await this.knex('representative_claims').insert({ ...row, status: 'pending' })
      .onConflict(this.knex.raw(`(enterprise_id, person_id) WHERE status = 'pending'`)).ignore().returning('id');
    return res.length === 1;
  }

  findClaim(id: string): Promise<ClaimRow | undefined> {
    return this.knex('representative_claims').where({ id }).first();
  }

  pendingClaims(enterpriseId?: string): Promise<ClaimRow[]> {
    const q = this.knex('representative_claims').where({ status: 'pending' }).orderBy('created_at');
    return enterpriseId ? q.andWhere({ enterprise_id: enterpriseId }) : q;
  }

  claimsOf(personId: string): Promise<Array<ClaimRow & { credit_code: string }>> {
    return this.knex('representative_claims as c').join('enterprises as e', 'e.id', 'c.enterprise_id')
      .where({ 'c.person_id': personId }).orderBy('c.created_at', 'desc').select('c.*', 'e.credit_code');
  }

  /**
   * Decides a claim that is still pending; false when it is not (any more). The conditional
   * UPDATE is what decides between two deciders at once: the second waits for the first's row
   * lock, then finds the claim decided.
   */
  async decideClaim(id: string, status: ClaimRow['status'], by: string, ref: string | null): Promise<boolean> {
    return (await this.knex('representative_claims').where({ id, status: 'pending' })
      .update({ status, decided_by: by, evidence_ref: ref, decided_at: this.knex.fn.now() })) === 1;
  }

  /** Other pending claims lose when one is verified. */
  async supersedeOtherClaims(enterpriseId: string, keepId: string, by: string): Promise<void> {
    await this.knex('representative_claims').where({ enterprise_id: enterpriseId, status: 'pending' }).whereNot({ id: keepId })
      .update({ status: 'superseded', decided_by: by, decided_at: this.knex.fn.now() });
  }
}
