/**
 * Who administrators are: role grants with a second administrator's approval (no koa here).
 *
 * Rules (README "Administrators"):
 * - Authority over roles is the security administrator's. The system administrator shares it only
 *   while fewer than two people other than the person concerned hold security_admin: the
 *   founders' first grants, and the revocation of one of two security administrators.
 * - A grant is requested by one administrator with authority and takes effect when a second,
 *   different one with authority approves it. No one requests, approves or revokes a grant naming
 *   themselves, and the requester never approves their own request.
 * - Every role change needs a second administrator: an active grant's revocation is requested by
 *   one and takes effect when another approves it (the role holds meanwhile). A pending request is
 *   withdrawn at once (nothing changes). When an account is compromised, locking it (accounts
 *   page, `person disable`) ends its sessions and logins at once, roles or not.
 * - The auditor holds no other role (conflictsWith), checked at request and again at approval
 *   with the person's grants locked.
 * - A platform_manager grant names the platforms (client ids) managed; they must exist.
 * - `bootstrap` (the host's command line) makes the founders while no system administrator exists.
 * Every change is audited with the actor `person:<id>` and the caller's detail (IP and user agent,
 * or `{ via: 'cli' }`).
 */
import type { Audit } from '../audit/audit.ts';
import { AppError } from '../errors.ts';
import type { GrantRow, GrantStatus, RoleGrantStore } from '../store/admin-role-grants.ts';
import { conflictsWith, isAdminRole, type AdminPrincipal, type AdminRole } from './roles.ts';

/** The administrator acting, and what the audit records about where from. */
export interface GrantActor { personId: string; detail?: Record<string, unknown> }

export interface GrantView {
  id: string;
  personId: string;
  role: AdminRole;
  platforms: string[];
  status: GrantStatus;
  requestedBy: string | null;
  requestedAt: Date;
  reason: string | null;
  approvedBy: string | null;
  approvedAt: Date | null;
  revokedBy: string | null;
  revokedAt: Date | null;
  bootstrap: boolean;
  /** Set while the grant's revocation awaits a second administrator. */
  revocationRequestedBy: string | null;
  revocationReason: string | null;
}

export interface RoleGrantDeps {
  store: RoleGrantStore;
  audit: Audit;
  /** Whether a person exists and may hold a role (an active account). */
  personActive(personId: string): Promise<boolean>;
  platformExists(clientId: string): Promise<boolean>;
}

export const personActor = (personId: string) => `person:${personId}`;

const view = (r: GrantRow): GrantView => ({
  id: r.id, personId: r.person_id, role: r.role as AdminRole, platforms: r.platforms ?? [], status: r.status,
  requestedBy: r.requested_by, requestedAt: r.requested_at, reason: r.reason, approvedBy: r.approved_by,
  approvedAt: r.approved_at, revokedBy: r.revoked_by, revokedAt: r.revoked_at, bootstrap: r.bootstrap,
  revocationRequestedBy: r.revoke_requested_by ?? null, revocationReason: r.revoke_reason ?? null,
});

export class RoleGrants {
  readonly #d: RoleGrantDeps;

  constructor(deps: RoleGrantDeps) {
    this.#d = deps;
  }

  /** The roles in force for a person, read fresh (a revocation takes effect on the next request). */
  async principal(personId: string): Promise<AdminPrincipal> {
    const grants = await this.#d.store.active(personId);
    const roles = new Set(grants.map((g) => g.role).filter(isAdminRole));
    const platforms = [...new Set(grants.filter((g) => g.role === 'platform_manager').flatMap((g) => g.platforms ?? []))];
    return { kind: 'person', id: personId, actor: personActor(personId), roles, platforms };
  }

  /** May this person request, approve and revoke roles now (of `concerning`, when given)? */
  async hasAuthority(personId: string, store = this.#d.store, concerning?: string): Promise<boolean> {
    const roles = new Set((await store.active(personId)).map((g) => g.role));
    if (roles.has('security_admin')) return true;
    return roles.has('system_admin') && (await store.holders('security_admin', concerning)) < 2;
  }

  async list(filter: { status?: GrantStatus; personId?: string } = {}): Promise<GrantView[]> {
    return (await this.#d.store.list(filter)).map(view);
  }

  /** Active grants whose revocation awaits a second administrator. */
  async revocationsAwaiting(): Promise<GrantView[]> {
    return (await this.#d.store.revocationsAwaiting()).map(view);
  }

  async find(id: string): Promise<GrantView> {
    const row = await this.#d.store.find(id);
    if (!row) throw new AppError('admin.grant_not_found', `no grant ${id}`);
    return view(row);
  }

  async request(by: GrantActor, input: { personId: string; role: string; platforms?: string[]; reason?: string }): Promise<GrantView> {
    const role = input.role;
    if (!isAdminRole(role)) throw new AppError('admin.unknown_role', `unknown role ${role}`);
    if (input.personId === by.personId) throw new AppError('admin.self_grant', 'no one requests a role for themselves');
    const platforms = [...new Set(input.platforms ?? [])];
    if (role === 'platform_manager') {
      if (!platforms.length) throw new AppError('admin.platforms_required', 'a platform manager grant names the platforms managed');
      for (const p of platforms) if (!(await this.#d.platformExists(p))) throw new AppError('admin.unknown_platform', `no platform ${p}`);
    } else if (platforms.length) {
      throw new AppError('admin.platforms_required', 'only a platform manager grant names platforms');
    }
    if (!(await this.#d.personActive(input.personId))) throw new AppError('admin.person_not_found', 'no active account with this id');
    const row = await this.#d.store.lockingPersons([input.personId, by.personId], async (store) => {
      if (!(await this.hasAuthority(by.personId, store, input.personId))) throw new AppError('admin.grant_authority_required', 'only a security administrator manages roles');
      const conflict = conflictsWith((await store.open(input.personId)).map((g) => g.role as AdminRole), role);
      if (conflict) throw new AppError('admin.role_conflict', `${role} cannot be combined with ${conflict}`);
      const inserted = await store.insert({ personId: input.personId, role, platforms, status: 'pending', requestedBy: by.personId, reason: input.reason });
      if (!inserted) throw new AppError('admin.grant_exists', `the person already holds or awaits ${role}`);
      return inserted;
    });
    await this.#audit(by, 'admin.role_requested', row, { reason: input.reason });
    return view(row);
  }

  /** Approves a pending request, or the requested revocation of an active grant. */
  async approve(by: GrantActor, grantId: string): Promise<GrantView> {
    const pending = await this.#d.store.find(grantId);
    if (!pending) throw new AppError('admin.grant_not_found', `no grant ${grantId}`);
    if (pending.status === 'active' && pending.revoke_requested_by) return this.#approveRevocation(by, pending);
    if (pending.person_id === by.personId) throw new AppError('admin.self_grant', 'no one approves a role for themselves');
    if (pending.requested_by === by.personId) throw new AppError('admin.second_approver_required', 'a second administrator must approve the request');
    const row = await this.#d.store.lockingPersons([pending.person_id, by.personId], async (store) => {
      if (!(await this.hasAuthority(by.personId, store, pending.person_id))) throw new AppError('admin.grant_authority_required', 'only a security administrator manages roles');
      const conflict = conflictsWith((await store.active(pending.person_id)).map((g) => g.role as AdminRole), pending.role as AdminRole);
      if (conflict) throw new AppError('admin.role_conflict', `${pending.role} cannot be combined with ${conflict}`);
      // The conditional UPDATE decides between concurrent approvals (and a revocation).
      const approved = await store.approve(grantId, by.personId);
      if (!approved) throw new AppError('admin.grant_not_pending', 'the request was already approved or revoked');
      return approved;
    });
    await this.#audit(by, 'admin.role_granted', row, { requestedBy: row.requested_by ? personActor(row.requested_by) : null });
    return view(row);
  }

  /**
   * Withdraws a pending request at once; for an active grant, requests its revocation, which a
   * second administrator approves (approve).
   */
  async revoke(by: GrantActor, grantId: string, reason?: string): Promise<GrantView> {
    const grant = await this.#d.store.find(grantId);
    if (!grant) throw new AppError('admin.grant_not_found', `no grant ${grantId}`);
    if (grant.person_id === by.personId) throw new AppError('admin.self_grant', 'no one revokes their own role');
    if (!(await this.hasAuthority(by.personId, undefined, grant.person_id))) throw new AppError('admin.grant_authority_required', 'only a security administrator manages roles');
    if (grant.status === 'pending') {
      const row = await this.#d.store.revoke(grantId, by.personId, ['pending']);
      if (!row) throw new AppError('admin.grant_not_pending', 'the request was already approved or withdrawn');
      await this.#audit(by, 'admin.role_request_withdrawn', row, { reason });
      return view(row);
    }
    const row = await this.#d.store.requestRevocation(grantId, by.personId, reason ?? null);
    if (!row) throw new AppError('admin.grant_not_pending', 'the grant was already revoked, or its revocation awaits approval');
    await this.#audit(by, 'admin.role_revocation_requested', row, { reason });
    return view(row);
  }

  async #approveRevocation(by: GrantActor, grant: GrantRow): Promise<GrantView> {
    if (grant.person_id === by.personId) throw new AppError('admin.self_grant', 'no one approves a change of their own roles');
    if (grant.revoke_requested_by === by.personId) throw new AppError('admin.second_approver_required', 'a second administrator must approve the revocation');
    if (!(await this.hasAuthority(by.personId, undefined, grant.person_id))) throw new AppError('admin.grant_authority_required', 'only a security administrator manages roles');
    const row = await this.#d.store.approveRevocation(grant.id, by.personId);
    if (!row) throw new AppError('admin.grant_not_pending', 'the revocation was already approved');
    await this.#audit(by, 'admin.role_revoked', row, { requestedBy: personActor(grant.revoke_requested_by!), reason: grant.revoke_reason });
    return view(row);
  }

  /**
   * The founders, from the host's command line: a system administrator and a security
   * administrator (two different people, so every later grant can have a second approver).
   * Refused once any system administrator exists.
   */
  async bootstrap(founders: { systemAdmin: string; securityAdmin: string }, detail: Record<string, unknown>): Promise<GrantView[]> {
    if (founders.systemAdmin === founders.securityAdmin) throw new AppError('admin.founders_distinct', 'the two founders must be different people');
    for (const id of [founders.systemAdmin, founders.securityAdmin]) {
      if (!(await this.#d.personActive(id))) throw new AppError('admin.person_not_found', 'no active account with this id');
    }
    const rows = await this.#d.store.exclusively(async (store) => {
      if ((await store.holders('system_admin')) > 0) throw new AppError('admin.bootstrap_done', 'a system administrator exists already');
      const made: GrantRow[] = [];
      for (const [personId, role] of [[founders.systemAdmin, 'system_admin'], [founders.securityAdmin, 'security_admin']] as const) {
        // An open grant of the role from an earlier generation ends first (it is superseded).
        const open = await store.open(personId);
        const conflict = conflictsWith(open.filter((g) => g.status === 'active').map((g) => g.role as AdminRole), role);
        if (conflict) throw new AppError('admin.role_conflict', `${role} cannot be combined with ${conflict}`);
        for (const old of open.filter((g) => g.role === role)) await store.revoke(old.id, null);
        made.push((await store.insert({ personId, role, platforms: [], status: 'active', requestedBy: null, bootstrap: true }))!);
      }
      return made;
    });
    for (const row of rows) await this.#d.audit.record({ actor: 'cli', action: 'admin.role_bootstrapped', target: row.person_id, detail: { ...detail, grant: row.id, role: row.role } });
    return rows.map(view);
  }

  async #audit(by: GrantActor, action: string, row: GrantRow, extra: Record<string, unknown>): Promise<void> {
    await this.#d.audit.record({
      // The target is the person id, as for every other event about an account (the person's own
      // data export finds it; auditors query one subject).
      actor: personActor(by.personId), action, target: row.person_id,
      detail: { ...by.detail, ...extra, grant: row.id, role: row.role, ...(row.platforms?.length ? { platforms: row.platforms } : {}) },
    });
  }
}
