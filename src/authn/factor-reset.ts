/**
 * A security administrator resets a person's second factor (a lost phone, a lost security key):
 * the authenticator app, every passkey, or the recovery codes are removed, so the person can set
 * them up again after logging in the way that remains. Always with a recorded reason.
 */
import type { Audit } from '../audit/audit.ts';
import { AppError } from '../errors.ts';

export const RESETTABLE_FACTORS = ['totp', 'passkeys', 'recovery_codes'] as const;
export type ResettableFactor = (typeof RESETTABLE_FACTORS)[number];

export interface FactorStores {
  removeTotp(personId: string): Promise<boolean>;
  removePasskeys(personId: string): Promise<number>;
  removeRecoveryCodes(personId: string): Promise<number>;
}

export interface ResetBy { actor: string; reason: string; ip?: string | undefined; userAgent?: string | undefined }

export class FactorReset {
  constructor(private readonly stores: FactorStores, private readonly audit: Audit) {}

  /** Returns how many credentials were removed (0: the person had none of that factor). */
  async reset(personId: string, factor: ResettableFactor, by: ResetBy): Promise<number> {
    if (!by.reason.trim()) throw new AppError('admin.invalid_request', 'a reason is required');
    const removed = factor === 'totp' ? Number(await this.stores.removeTotp(personId))
      : factor === 'passkeys' ? await this.stores.removePasskeys(personId)
        : await this.stores.removeRecoveryCodes(personId);
    await this.audit.record({ actor: by.actor, action: 'factor.reset', target: personId, detail: { factor, removed, reason: by.reason, ip: by.ip, userAgent: by.userAgent } });
    return removed;
  }
}
