/** The authenticator app (TOTP) at login: a six-digit code, `amr: otp`. */
import type { AuthenticatorApp } from '../../authn/authenticator-app.ts';
import { AMR } from '../../authn/strength.ts';
import { codeFactor } from './code-factor.ts';
import type { SecondFactor } from './second-factor.ts';

export function totpFactor(totp: AuthenticatorApp): SecondFactor {
  return codeFactor({
    kind: 'totp', labelKey: 'factors.totp', hintKey: 'factors.totp_hint',
    promptKey: 'factors.totp_prompt', fieldKey: 'factors.totp_field', inputMode: 'numeric', amr: AMR.otp,
    available: async (accountId) => (await totp.status(accountId)).enrolled,
    check: (accountId, code, ip) => totp.verify(accountId, code, ip),
  });
}
