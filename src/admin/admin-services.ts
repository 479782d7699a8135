/**
 * The administrative services the admin API and the console share, built once per container:
 * signing keys (key-admin.ts), second-factor resets (authn/factor-reset.ts) with the summary of
 * what a person has, and enterprise / authorisation suspensions (identity/enterprise-admin.ts).
 */
import { FactorReset } from '../authn/factor-reset.ts';
import { keyRetentionSeconds, type Container } from '../container.ts';
import { EnterpriseAdmin } from '../identity/enterprise-admin.ts';
import { MfaRecoveryCodeStore } from '../store/mfa-recovery-codes.ts';
import { PasskeyStore } from '../store/passkeys.ts';
import { TotpStore } from '../store/totp-authenticators.ts';
import { KeyAdmin } from './key-admin.ts';

export interface FactorSummary { totp: boolean; passkeys: number; recovery_codes: number }

export interface AdminServices {
  keys: KeyAdmin;
  factorReset: FactorReset;
  /** Which second factors a person has. */
  factorSummary(personId: string): Promise<FactorSummary>;
  enterpriseAdmin: EnterpriseAdmin;
}

const built = new WeakMap<Container, AdminServices>();

export function adminServices(c: Container): AdminServices {
  let services = built.get(c);
  if (services) return services;
  const totp = new TotpStore(c.db.knex);
  const passkeys = new PasskeyStore(c.db.knex);
  const recoveryCodes = new MfaRecoveryCodeStore(c.db.knex);
  services = {
    keys: new KeyAdmin({ keysDir: c.config.keysDir, retainSeconds: keyRetentionSeconds(c.config), reload: () => c.provider.reloadIfChanged(), audit: c.audit }),
    factorReset: new FactorReset({
      removeTotp: (id) => totp.remove(id), removePasskeys: (id) => passkeys.removeAll(id), removeRecoveryCodes: (id) => recoveryCodes.removeAll(id),
    }, c.audit),
    async factorSummary(personId) {
      const [app, keys, codes] = await Promise.all([c.factors.totp.status(personId), passkeys.count(personId), recoveryCodes.remaining(personId)]);
      return { totp: app.enrolled, passkeys: keys, recovery_codes: codes.remaining };
    },
    enterpriseAdmin: new EnterpriseAdmin(c.enterprises, c.delegations, c.audit),
  };
  built.set(c, services);
  return services;
}
