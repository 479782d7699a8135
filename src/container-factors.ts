/** Wiring of the second factors the account can enrol (authenticator app, recovery codes). */
import type { Audit } from './audit/audit.ts';
import { AuthenticatorApp } from './authn/authenticator-app.ts';
import { FactorThrottle } from './authn/factor-throttle.ts';
import { RecoveryCodes } from './authn/mfa-recovery-codes.ts';
import type { OneTimeCodes } from './authn/one-time-codes.ts';
import type { Throttle } from './authn/throttle.ts';
import type { Config } from './config.ts';
import type { FieldCrypto } from './crypto/field-crypto.ts';
import type { Database } from './store/db.ts';
import { MfaRecoveryCodeStore } from './store/mfa-recovery-codes.ts';
import { TotpStore } from './store/totp-authenticators.ts';

export interface SecondFactorModule {
  totp: AuthenticatorApp;
  recoveryCodes: RecoveryCodes;
  /** The counters every factor check goes through. */
  throttle: FactorThrottle;
}

export function createSecondFactors(d: { config: Config; db: Database; crypto: FieldCrypto; throttle: Throttle; oneTimeCodes: OneTimeCodes; audit: Audit }): SecondFactorModule {
  const throttle = new FactorThrottle(d.throttle, d.config.factorLimits);
  return {
    throttle,
    totp: new AuthenticatorApp(new TotpStore(d.db.knex), d.crypto, d.oneTimeCodes, throttle, d.audit),
    recoveryCodes: new RecoveryCodes(new MfaRecoveryCodeStore(d.db.knex), d.crypto, throttle, d.audit),
  };
}
