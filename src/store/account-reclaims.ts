/**
 * SQL for reclaiming an account (identity/reclaim.ts): the reclaim tickets, and the takeover
 * itself — one transaction that consumes the ticket (one conditional UPDATE: of parallel
 * completions exactly one passes), locks the account, re-checks the reclaim floor, moves the
 * account to the new holder and suspends what the previous holder set up.
 */
import type { Knex } from 'knex';

export interface TicketEvidence { id: string; kind: string; at: string }

export interface ReclaimTicketRow {
  id: string;
  interaction_uid: string;
  person_id: string;
  name_enc: string;
  id_number_enc: string;
  phone_enc: string;
  phone_bidx: string;
  evidence: TicketEvidence[];
  proven_level: string | null;
  proven_at: Date | null;
  consumed_at: Date | null;
  created_at: Date;
  expires_at: Date;
}

export type NewReclaimTicket = Pick<ReclaimTicketRow, 'id' | 'interaction_uid' | 'person_id' | 'name_enc' | 'id_number_enc' | 'phone_enc' | 'phone_bidx' | 'evidence'>;

export interface ReclaimRecord { level: string; method: string; operator?: string | null; hall?: string | null; reference?: string | null }

export interface Takeover {
  personId: string;
  /** The ticket consumed with it (online); absent at a counter. */
  ticketId?: string | undefined;
  /** New fields; name only when it changes (with its search index, migration 20261203_040). */
  name_enc?: string | undefined;
  name_bidx?: string | undefined;
  phone_enc: string;
  phone_bidx: string;
  /** Whether the new phone is proven (an SMS code): sets phone_verified_at. */
  phoneProven: boolean;
  passwordHash: string;
  /** Statuses the account may be in (a counter may give back a disabled account). */
  statuses: string[];
  /** The floor check, on the reclaim levels recorded so far: true when this reclaim may go on. */
  above(levels: string[]): boolean;
  record: ReclaimRecord & { id: string };
}

export type TakeoverResult =
  | { outcome: 'done'; factors: number; enterprises: number; delegations: number }
  | { outcome: 'used' | 'gone' | 'floor' | 'phone_taken' | 'closing' };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

class Rollback extends Error {
  constructor(readonly outcome: Exclude<TakeoverResult['outcome'], 'done'>) { super(outcome); }
}

export class AccountReclaimStore {
  constructor(private readonly knex: Knex) {}

  async insertTicket(row: NewReclaimTicket, ttlSeconds: number): Promise<void> {
    await this.knex('reclaim_tickets').insert({
      ...row, evidence: JSON.stringify(row.evidence), expires_at: this.knex.raw('now() + make_interval(secs => ?)', [ttlSeconds]),
    });
  }

  /** The live (unexpired, unused) ticket `id` of this interaction. */
  async findLive(id: string, interactionUid: string): Promise<ReclaimTicketRow | undefined> {
    if (!UUID.test(id)) return undefined; // a forged id is no ticket (and no SQL error)
    return this.knex('reclaim_tickets').where({ id, interaction_uid: interactionUid }).whereNull('consumed_at')
      .andWhere('expires_at', '>', this.knex.fn.now()).first();
  }

  /** Adds a matching check to a live, not yet proven ticket; with `level`, marks it proven. */
  async addEvidence(id: string, evidence: TicketEvidence, level: string | undefined): Promise<boolean> {
    const n = await this.knex('reclaim_tickets').where({ id }).whereNull('consumed_at').whereNull('proven_at')
      .andWhere('expires_at', '>', this.knex.fn.now())
      .update({
        evidence: this.knex.raw('evidence || ?::jsonb', [JSON.stringify([evidence])]),
        ...(level ? { proven_level: level, proven_at: this.knex.fn.now() } : {}),
      });
    return n === 1;
  }

  /** Levels (ids) at which the account was reclaimed before. */
  async levelsOf(personId: string): Promise<string[]> {
    return this.knex('account_reclaims').where({ person_id: personId }).pluck('level');
  }

  async takeOver(t: Takeover): Promise<TakeoverResult> {
    try {
      return await this.knex.transaction(async (trx) => {
        if (t.ticketId) {
          const used = await trx('reclaim_tickets').where({ id: t.ticketId, person_id: t.personId }).whereNull('consumed_at')
            .whereNotNull('proven_at').andWhere('expires_at', '>', trx.fn.now()).update({ consumed_at: trx.fn.now() });
          if (used !== 1) throw new Rollback('used');
        }
        // The row lock orders concurrent reclaims of one account (online and at a counter).
        const person = await trx('persons').where({ id: t.personId }).forUpdate().first('status');
        if (!person || !t.statuses.includes(person.status)) throw new Rollback('gone');
        if (!t.above(await trx('account_reclaims').where({ person_id: t.personId }).pluck('level'))) throw new Rollback('floor');
        const closing = await trx('account_closures').where({ person_id: t.personId }).whereNull('closed_at').first('claimed_at');
        if (closing?.claimed_at) throw new Rollback('closing');
        await trx('account_closures').where({ person_id: t.personId }).whereNull('closed_at').delete();
        await this.#moveAccount(trx, t);
        const factors = await this.#removeFactors(trx, t.personId);
        const roles = await this.#suspendRoles(trx, t.personId);
        await trx('account_reclaims').insert({ person_id: t.personId, ...t.record });
        return { outcome: 'done' as const, factors, ...roles };
      });
    } catch (e) {
      if (e instanceof Rollback) return { outcome: e.outcome };
      throw e;
    }
  }

  async #moveAccount(trx: Knex.Transaction, t: Takeover): Promise<void> {
    try {
      // A savepoint: a unique violation on the phone must not abort the whole transaction.
      await trx.transaction(async (sp) => {
        await sp('persons').where({ id: t.personId }).update({
          phone_enc: t.phone_enc, phone_bidx: t.phone_bidx, ...(t.name_enc ? { name_enc: t.name_enc, name_bidx: t.name_bidx ?? null } : {}),
          phone_verified_at: t.phoneProven ? sp.fn.now() : null, status: 'active', updated_at: sp.fn.now(),
        });
      });
    } catch (e) {
      if ((e as { code?: string }).code === '23505') throw new Rollback('phone_taken');
      throw e;
    }
    await trx('credentials').where({ person_id: t.personId }).delete();
    await trx('credentials').insert({ person_id: t.personId, kind: 'password', secret: t.passwordHash });
  }

  /** The previous holder's ways in besides the password: second factors, passkeys, devices, codes. */
  async #removeFactors(trx: Knex.Transaction, personId: string): Promise<number> {
    let n = 0;
    for (const table of ['totp_authenticators', 'mfa_recovery_codes', 'passkeys', 'recovery_codes']) {
      n += await trx(table).where({ person_id: personId }).delete();
    }
    for (const table of ['person_devices', 'session_devices', 'entity_selections']) await trx(table).where({ person_id: personId }).delete();
    return n;
  }

  /**
   * Enterprise roles and agent authorisations set up by the previous holder stop until
   * re-confirmed: a represented enterprise loses its verified representative (the new holder
   * claims it again, through the registry or a counter) and its agents are suspended (the
   * representative confirms them again); authorisations held as an agent are suspended (their
   * representative confirms them again); pending claims are superseded.
   */
  async #suspendRoles(trx: Knex.Transaction, personId: string): Promise<{ enterprises: number; delegations: number }> {
    const represented = await trx('enterprises').where({ legal_rep_person_id: personId })
      .update({ legal_rep_person_id: null, verified_at: null, updated_at: trx.fn.now() }).returning('id');
    const enterpriseIds = represented.map((r: { id: string }) => r.id);
    const ofEnterprises = enterpriseIds.length === 0 ? 0 : await trx('delegations').whereIn('enterprise_id', enterpriseIds)
      .whereIn('status', ['offered', 'active']).update({ status: 'suspended', updated_at: trx.fn.now() });
    const asAgent = await trx('delegations').where({ agent_person_id: personId, status: 'active' })
      .update({ status: 'suspended', updated_at: trx.fn.now() });
    await trx('representative_claims').where({ person_id: personId, status: 'pending' })
      .update({ status: 'superseded', decided_by: 'account_reclaimed', decided_at: trx.fn.now() });
    return { enterprises: enterpriseIds.length, delegations: ofEnterprises + asAgent };
  }

  sweep(): Promise<number> {
    return this.knex('reclaim_tickets').where('expires_at', '<', this.knex.fn.now()).delete();
  }
}
