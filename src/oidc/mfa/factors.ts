/** The second factors the `mfa` prompt offers, in the order the chooser lists them. */
import type { Container } from '../../container.ts';
import { passkeyFactor } from './passkey-factor.ts';
import { recoveryCodeFactor } from './recovery-code-factor.ts';
import type { SecondFactor } from './second-factor.ts';
import { smsFactor } from './sms-factor.ts';
import { totpFactor } from './totp-factor.ts';

export function secondFactors(c: Container): SecondFactor[] {
  return [
    passkeyFactor({ passkeys: c.passkeys, assertions: c.passkeyAssertions, audit: c.audit }),
    totpFactor(c.factors.totp),
    smsFactor(c.persons, c.smsCodes),
    recoveryCodeFactor(c.factors.recoveryCodes),
  ];
}
