/**
 * Disabling and enabling an account. A disabled account cannot log in, and no token or userinfo
 * is produced for it (findAccount refuses it); disabling also ends everything it had open, through
 * the one ending every logout uses (src/oidc/sessions-service.ts), so platforms hear of it at once.
 */
import type { Audit } from '../audit/audit.ts';
import type { PersonService } from './persons.ts';

/** Who acts, and what the audit event adds: an administrator's reason and user agent, `via: 'cli'`. */
export interface ActedBy { actor: string; ip?: string; reason?: string; userAgent?: string; detail?: Record<string, unknown> }

const how = (by: ActedBy) => ({ ip: by.ip, ...(by.reason ? { reason: by.reason } : {}), ...(by.userAgent ? { userAgent: by.userAgent } : {}), ...by.detail });

/** Ends every session of the person and revokes every token of their grants. */
export type EndEverything = (personId: string, by: ActedBy) => Promise<unknown>;

export class AccountStatus {
  constructor(
    private readonly persons: PersonService,
    private readonly audit: Audit,
    private readonly endEverything: EndEverything,
  ) {}

  /** Returns false when there is no such person. Disabling twice ends whatever opened since. */
  async disable(personId: string, by: ActedBy): Promise<boolean> {
    // The status first: from then on no login or token request can open anything new.
    if (!(await this.persons.setStatus(personId, 'disabled'))) return false;
    await this.audit.record({ actor: by.actor, action: 'person.disabled', target: personId, detail: how(by) });
    await this.endEverything(personId, by);
    return true;
  }

  async enable(personId: string, by: ActedBy): Promise<boolean> {
    if (!(await this.persons.setStatus(personId, 'active'))) return false;
    await this.audit.record({ actor: by.actor, action: 'person.enabled', target: personId, detail: how(by) });
    return true;
  }
}
