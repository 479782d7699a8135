/** The second factors the `mfa` prompt offers, in the order the chooser lists them. */
import type { Container } from '../../container.ts';
import { recoveryCodeFactor } from './recovery-code-factor.ts';
import type { SecondFactor } from './second-factor.ts';
import { totpFactor } from './totp-factor.ts';

export function secondFactors(c: Container): SecondFactor[] {
  return [totpFactor(c.factors.totp), recoveryCodeFactor(c.factors.recoveryCodes)];
}
