/** SQL for guardianships (a guardian and the minor they represent). */
import type { Knex } from 'knex';

export type GuardianshipStatus = 'pending' | 'active' | 'ended';
export type GuardianRelationship = 'parent' | 'guardian';

export interface GuardianshipRow {
  id: string;
  guardian_person_id: string;
  ward_person_id: string;
  relationship: GuardianRelationship;
  status: GuardianshipStatus;
  evidence: 'declared' | 'counter';
  evidence_ref: string | null;
  confirmed_at: Date | null;
  ended_at: Date | null;
  ended_by: string | null;
  created_at: Date;
}

export class GuardianshipStore {
  constructor(private readonly knex: Knex) {}

  /** False when the guardian already has a live link to this ward (the partial unique index decides). */
  async insert(row: Pick<GuardianshipRow, 'id' | 'guardian_person_id' | 'ward_person_id' | 'relationship' | 'status' | 'evidence'> & { confirmed_at: Date | null }): Promise<boolean> {
    const inserted = await this.knex('guardianships').insert(row).onConflict(this.knex.raw(`(guardian_person_id, ward_person_id) WHERE status IN ('pending', 'active')`)).ignore().returning('id');
    return inserted.length === 1;
  }

  find(id: string): Promise<GuardianshipRow | undefined> {
    return this.knex('guardianships').where({ id }).first();
  }

  /** Live and pending links of a guardian, newest first. */
  ofGuardian(guardianId: string): Promise<GuardianshipRow[]> {
    return this.knex('guardianships').where({ guardian_person_id: guardianId }).whereIn('status', ['pending', 'active']).orderBy('created_at', 'desc');
  }

  /** Live links naming this person as the ward. */
  ofWard(wardId: string): Promise<GuardianshipRow[]> {
    return this.knex('guardianships').where({ ward_person_id: wardId }).whereIn('status', ['pending', 'active']).orderBy('created_at', 'desc');
  }

  /** One conditional statement: false when the status was not in `from`. */
  async transition(id: string, from: GuardianshipStatus[], to: GuardianshipStatus, extra: Partial<GuardianshipRow> = {}): Promise<boolean> {
    return (await this.knex('guardianships').where({ id }).whereIn('status', from).update({ status: to, ...extra })) === 1;
  }

  /** Ends every live guardianship a person holds as guardian (account closed, account reclaimed). */
  async endAllOfGuardian(guardianId: string, by: string): Promise<string[]> {
    const rows = await this.knex('guardianships').where({ guardian_person_id: guardianId }).whereIn('status', ['pending', 'active'])
      .update({ status: 'ended', ended_at: this.knex.fn.now(), ended_by: by }).returning('id');
    return rows.map((r: { id: string }) => r.id);
  }
}
