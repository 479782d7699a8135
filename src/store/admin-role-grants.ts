/**
 * SQL for administrators' role grants (migrations 20261203_030, 031). Approval and revocation are one
 * conditional UPDATE each, so of two administrators approving the same request at once exactly one
 * succeeds; changes to one person's roles are serialised on that person's row (FOR UPDATE), so two
 * approvals cannot together break the auditor's exclusivity.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';

export type GrantStatus = 'pending' | 'active' | 'revoked';

export interface GrantRow {
  id: string;
  person_id: string;
  role: string;
  platforms: string[];
  status: GrantStatus;
  requested_by: string | null;
  requested_at: Date;
  reason: string | null;
  approved_by: string | null;
  approved_at: Date | null;
  revoked_by: string | null;
  revoked_at: Date | null;
  bootstrap: boolean;
  /** An active grant whose revocation awaits a second administrator. */
  revoke_requested_by: string | null;
  revoke_requested_at: Date | null;
  revoke_reason: string | null;
}

export interface NewGrant { personId: string; role: string; platforms: string[]; status: GrantStatus; requestedBy: string | null; reason?: string; bootstrap?: boolean }

const TABLE = 'admin_role_grants';
const UNIQUE_VIOLATION = '23505';

export class RoleGrantStore {
  constructor(private readonly knex: Knex) {}

  /** Runs `fn` in one transaction with the grants of `personIds` locked (their persons rows). */
  async lockingPersons<T>(personIds: string[], fn: (store: RoleGrantStore) => Promise<T>): Promise<T> {
    return this.knex.transaction(async (trx) => {
      // Sorted: two transactions locking the same people take the locks in the same order.
      for (const id of [...new Set(personIds)].sort()) await trx('persons').where({ id }).forUpdate().select('id');
      return fn(new RoleGrantStore(trx));
    });
  }

  /** Runs `fn` with the whole table locked against writes: bootstrap's "only while none exists". */
  async exclusively<T>(fn: (store: RoleGrantStore) => Promise<T>): Promise<T> {
    return this.knex.transaction(async (trx) => {
      await trx.raw(`LOCK TABLE ${TABLE} IN SHARE ROW EXCLUSIVE MODE`);
      return fn(new RoleGrantStore(trx));
    });
  }

  /** The new grant, or undefined when the person already has an open grant of that role. */
  async insert(g: NewGrant): Promise<GrantRow | undefined> {
    const row = {
      id: randomUUID(), person_id: g.personId, role: g.role, platforms: JSON.stringify(g.platforms), status: g.status,
      requested_by: g.requestedBy, reason: g.reason ?? null, bootstrap: g.bootstrap ?? false,
      ...(g.status === 'active' ? { approved_at: this.knex.fn.now() } : {}),
    };
    try {
      const [inserted] = await this.knex(TABLE).insert(row).returning('*');
      return inserted as GrantRow;
    } catch (e) {
      if ((e as { code?: string }).code === UNIQUE_VIOLATION) return undefined;
      throw e;
    }
  }

  find(id: string): Promise<GrantRow | undefined> {
    return this.knex(TABLE).where({ id }).first();
  }

  /** Pending and active grants of a person. */
  open(personId: string): Promise<GrantRow[]> {
    return this.knex(TABLE).where({ person_id: personId }).whereIn('status', ['pending', 'active']).orderBy('requested_at');
  }

  active(personId: string): Promise<GrantRow[]> {
    return this.knex(TABLE).where({ person_id: personId, status: 'active' });
  }

  /** How many people hold `role` now (besides `excluding`, when given). */
  async holders(role: string, excluding?: string): Promise<number> {
    const q = this.knex(TABLE).where({ role, status: 'active' });
    if (excluding) q.whereNot('person_id', excluding);
    const row = await q.countDistinct({ n: 'person_id' }).first();
    return Number(row?.n ?? 0);
  }

  list(filter: { status?: GrantStatus; personId?: string } = {}, limit = 200): Promise<GrantRow[]> {
    const q = this.knex(TABLE).orderBy('requested_at', 'desc').limit(limit);
    if (filter.status) q.where('status', filter.status);
    if (filter.personId) q.where('person_id', filter.personId);
    return q;
  }

  /** pending → active by `approverId`; undefined when it was not pending (approved or revoked already). */
  async approve(id: string, approverId: string): Promise<GrantRow | undefined> {
    const [row] = await this.knex(TABLE).where({ id, status: 'pending' })
      .update({ status: 'active', approved_by: approverId, approved_at: this.knex.fn.now() }).returning('*');
    return row as GrantRow | undefined;
  }

  /**
   * → revoked, from `statuses` (a pending request withdrawn; an active grant superseded at
   * bootstrap); undefined when it was not in one of them.
   */
  async revoke(id: string, revokerId: string | null, statuses: GrantStatus[] = ['pending', 'active']): Promise<GrantRow | undefined> {
    const [row] = await this.knex(TABLE).where({ id }).whereIn('status', statuses)
      .update({ status: 'revoked', revoked_by: revokerId, revoked_at: this.knex.fn.now() }).returning('*');
    return row as GrantRow | undefined;
  }

  /** Marks an active grant's revocation as requested; undefined when it is not active or is marked already. */
  async requestRevocation(id: string, requesterId: string, reason: string | null): Promise<GrantRow | undefined> {
    const [row] = await this.knex(TABLE).where({ id, status: 'active' }).whereNull('revoke_requested_by')
      .update({ revoke_requested_by: requesterId, revoke_requested_at: this.knex.fn.now(), revoke_reason: reason }).returning('*');
    return row as GrantRow | undefined;
  }

  /** A requested revocation approved by someone else than its requester: active → revoked, one approval wins. */
  async approveRevocation(id: string, approverId: string): Promise<GrantRow | undefined> {
    const [row] = await this.knex(TABLE).where({ id, status: 'active' }).whereNotNull('revoke_requested_by').whereNot('revoke_requested_by', approverId)
      .update({ status: 'revoked', revoked_by: approverId, revoked_at: this.knex.fn.now() }).returning('*');
    return row as GrantRow | undefined;
  }

  /** Active grants whose revocation awaits approval. */
  revocationsAwaiting(limit = 200): Promise<GrantRow[]> {
    return this.knex(TABLE).where({ status: 'active' }).whereNotNull('revoke_requested_by').orderBy('revoke_requested_at').limit(limit);
  }
}
