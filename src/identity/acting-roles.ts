/**
 * Who a person may act as at a platform: themselves, an enterprise they legally represent, or one
 * whose representative made them an agent for that platform. Re-checked every time a token or
 * userinfo is produced, so a revoked or expired grant stops working at once.
 */
import { AppError } from '../errors.ts';
import type { DelegationStore } from '../store/delegations.ts';
import type { EnterpriseStore } from '../store/enterprises.ts';

export interface ActingRole {
  enterpriseId: string;
  creditCode: string;
  enterpriseName: string;
  role: 'legal_representative' | 'agent';
  delegationId: string | null;
}

export class ActingRoles {
  constructor(private readonly enterprises: EnterpriseStore, private readonly delegations: DelegationStore) {}

  async rolesFor(personId: string, clientId: string): Promise<ActingRole[]> {
    // A suspended enterprise is acted for by no one (security administrators suspend it).
    const represented = (await this.enterprises.representedBy(personId)).filter((e) => !e.suspended_at).map((e): ActingRole => ({
      enterpriseId: e.id, creditCode: e.credit_code, enterpriseName: e.name, role: 'legal_representative', delegationId: null,
    }));
    const agent = (await this.delegations.activeForAgent(personId))
      .filter((d) => d.all_platforms || d.platforms.includes(clientId))
      .filter((d) => !represented.some((r) => r.enterpriseId === d.enterprise_id))
      .map((d): ActingRole => ({ enterpriseId: d.enterprise_id, creditCode: d.credit_code, enterpriseName: d.name, role: 'agent', delegationId: d.id }));
    return [...represented, ...agent];
  }

  /** Records the choice for this session and platform; `null` means acting as oneself. */
  async select(sessionUid: string, clientId: string, personId: string, enterpriseId: string | null, ttlSeconds: number): Promise<ActingRole | null> {
    let role: ActingRole | null = null;
    if (enterpriseId) {
      role = (await this.rolesFor(personId, clientId)).find((r) => r.enterpriseId === enterpriseId) ?? null;
      if (!role) throw new AppError('entity.not_allowed');
    }
    await this.delegations.select({ session_uid: sessionUid, client_id: clientId, person_id: personId, enterprise_id: role?.enterpriseId ?? null, delegation_id: role?.delegationId ?? null }, ttlSeconds);
    return role;
  }

  /** The enterprise chosen for this session and platform, if the role still holds. */
  async current(sessionUid: string, clientId: string, personId: string): Promise<ActingRole | null> {
    const sel = await this.delegations.selection(sessionUid, clientId);
    if (!sel?.enterprise_id || sel.person_id !== personId) return null;
    return (await this.rolesFor(personId, clientId)).find((r) => r.enterpriseId === sel.enterprise_id && r.delegationId === sel.delegation_id) ?? null;
  }

  /** Drops selections whose SSO session has ended. */
  sweep(): Promise<number> {
    return this.delegations.sweepSelections();
  }
}
