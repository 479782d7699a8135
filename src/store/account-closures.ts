/**
 * SQL for closing accounts at their owner's request: the pending request, claiming a due one (one
 * conditional UPDATE, so of two processes running the job only one closes each account), and
 * removing what a closed account leaves behind outside the persons row.
 */
import type { Knex } from 'knex';

export interface ClosureRow {
  person_id: string;
  requested_at: Date;
  due_at: Date;
  claimed_at: Date | null;
  closed_at: Date | null;
}

/** A claim older than this is taken to be from a process that died half-way: claimable again. */
const STALE_CLAIM_SECONDS = 600;

export class AccountClosureStore {
  constructor(private readonly knex: Knex) {}

  find(personId: string): Promise<ClosureRow | undefined> {
    return this.knex('account_closures').where({ person_id: personId }).first();
  }

  /** Records the request unless one is pending already; returns the pending one either way. */
  async request(personId: string, dueAt: Date): Promise<ClosureRow> {
    await this.knex('account_closures').insert({ person_id: personId, due_at: dueAt }).onConflict('person_id').ignore();
    return (await this.find(personId))!;
  }

  /** Withdraws a pending request; false when there is none or the job has claimed it already. */
  async cancel(personId: string): Promise<boolean> {
    const n = await this.knex('account_closures').where({ person_id: personId }).whereNull('claimed_at').whereNull('closed_at').delete();
    return n === 1;
  }

  /** Accounts whose closure is due (or was claimed by a process that did not finish). */
  async due(limit: number): Promise<string[]> {
    const rows = await this.claimable(this.knex('account_closures').select('person_id')).orderBy('due_at').limit(limit);
    return rows.map((r: { person_id: string }) => r.person_id);
  }

  /** Claims one due closure; true for exactly one of any number of concurrent callers. */
  async claim(personId: string): Promise<boolean> {
    const n = await this.claimable(this.knex('account_closures').where({ person_id: personId })).update({ claimed_at: this.knex.fn.now() });
    return n === 1;
  }

  private claimable<Q extends Knex.QueryBuilder>(q: Q): Q {
    return q.whereNull('closed_at').andWhere('due_at', '<=', this.knex.fn.now())
      .andWhere((w) => w.whereNull('claimed_at').orWhere('claimed_at', '<', this.knex.raw(`now() - interval '${STALE_CLAIM_SECONDS} seconds'`))) as Q;
  }

  async markClosed(personId: string): Promise<void> {
    await this.knex('account_closures').where({ person_id: personId }).update({ closed_at: this.knex.fn.now() });
  }

  /**
   * Everything of the account outside the persons row, in one transaction: credentials and second
   * factors go; devices, codes and selections go; enterprise roles end (a represented enterprise
   * loses its representative and its agents are suspended, as on a change of representative;
   * authorisations held as an agent end); the name typed in representative claims, the card
   * presented at a counter, and the hashes and masks of checked values in verification evidence are erased, the records kept
   * (who checked what kind, when, with which result) under the account id alone.
   * Returns what ended, for the audit trail. Idempotent.
   */
  async removeBelongings(personId: string): Promise<{ enterprises: number; delegations: number }> {
    return this.knex.transaction(async (trx) => {
      for (const table of ['credentials', 'totp_authenticators', 'mfa_recovery_codes', 'passkeys', 'person_devices', 'session_devices', 'recovery_codes', 'entity_selections']) {
        await trx(table).where({ person_id: personId }).delete();
      }
      const represented = await trx('enterprises').where({ legal_rep_person_id: personId })
        .update({ legal_rep_person_id: null, verified_at: null, updated_at: trx.fn.now() }).returning('id');
      const enterpriseIds = represented.map((r: { id: string }) => r.id);
      const suspended = enterpriseIds.length === 0 ? 0 : await trx('delegations').whereIn('enterprise_id', enterpriseIds).whereIn('status', ['offered', 'active'])
        .update({ status: 'suspended', updated_at: trx.fn.now() });
      const resigned = await trx('delegations').where({ agent_person_id: personId }).whereIn('status', ['active', 'suspended'])
        .update({ status: 'resigned', ended_at: trx.fn.now(), updated_at: trx.fn.now() });
      await trx('representative_claims').where({ person_id: personId, status: 'pending' })
        .update({ status: 'superseded', decided_by: 'account_closed', decided_at: trx.fn.now() });
      await trx('representative_claims').where({ person_id: personId }).update({ claimed_name: '' });
      // Counter visits stay (operator, hall, reference, when) but not the card presented.
      await trx('counter_checks').where({ person_id: personId })
        .update({ card_number_enc: null, card_number_bidx: null, reader_payload_hash: null, reader_payload_bytes: null });
      await trx.raw(`UPDATE verification_evidence SET checked = coalesce(
          (SELECT jsonb_agg(jsonb_build_object('field', c->>'field')) FROM jsonb_array_elements(checked) c), '[]'::jsonb)
        WHERE subject_person_id = ? AND checked::text LIKE '%"hash"%'`, [personId]);
      return { enterprises: enterpriseIds.length, delegations: suspended + resigned };
    });
  }
}
