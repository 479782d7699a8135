/** A recovery code at login (the authenticator is lost): single use, `amr: otp` (strength.ts). */
import type { RecoveryCodes } from '../../authn/mfa-recovery-codes.ts';
import { AMR } from '../../authn/strength.ts';
import { codeFactor } from './code-factor.ts';
import type { SecondFactor } from './second-factor.ts';

export function recoveryCodeFactor(codes: RecoveryCodes): SecondFactor {
  return codeFactor({
    kind: 'recovery-code', labelKey: 'factors.recovery_code', hintKey: 'factors.recovery_code_hint',
    promptKey: 'factors.recovery_code_prompt', fieldKey: 'factors.recovery_code_field', inputMode: 'text', amr: AMR.otp,
    available: async (accountId) => (await codes.remaining(accountId)).remaining > 0,
    check: (accountId, code, ip) => codes.use(accountId, code, ip),
  });
}
