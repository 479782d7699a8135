/**
 * A security administrator suspends or reinstates an enterprise (no one acts for it meanwhile) or
 * an agent authorisation (stops at once; only an administrator reinstates it), always with a
 * recorded reason. Shared by the admin API and the console.
 */
import type { Audit } from '../audit/audit.ts';
import type { EnterpriseRow } from '../store/enterprises.ts';
import type { DelegationService, DelegationView } from './delegations.ts';
import type { EnterpriseService } from './enterprises.ts';

export interface SuspendBy { actor: string; reason: string; ip?: string | undefined; userAgent?: string | undefined }

export class EnterpriseAdmin {
  constructor(
    private readonly enterprises: Pick<EnterpriseService, 'setSuspended'>,
    private readonly delegations: Pick<DelegationService, 'suspendByAdmin' | 'reinstateByAdmin'>,
    private readonly audit: Audit,
  ) {}

  async setEnterpriseSuspended(id: string, suspend: boolean, by: SuspendBy): Promise<EnterpriseRow> {
    const e = await this.enterprises.setSuspended(id, suspend);
    await this.#record(by, suspend ? 'enterprise.suspended' : 'enterprise.reinstated', e.id, {});
    return e;
  }

  async setAuthorisationSuspended(id: string, suspend: boolean, by: SuspendBy): Promise<DelegationView> {
    const d = suspend ? await this.delegations.suspendByAdmin(id) : await this.delegations.reinstateByAdmin(id);
    await this.#record(by, suspend ? 'delegation.suspended' : 'delegation.reinstated', id, { enterprise: d.enterpriseId });
    return d;
  }

  #record(by: SuspendBy, action: string, target: string, detail: Record<string, unknown>) {
    return this.audit.record({ actor: by.actor, action, target, detail: { reason: by.reason, ...detail, ip: by.ip, userAgent: by.userAgent } });
  }
}
