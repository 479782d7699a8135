/**
 * Recovery codes: ten single-use codes the person prints or writes down, for when the
 * authenticator app is lost. Each is 10 characters of a 31-symbol alphabet without look-alikes
 * (≈ 49 bits): random enough that a keyed hash (HMAC) is the right storage, no slow KDF. They are
 * shown once, at generation; generating again voids every earlier code. Using one is one
 * conditional UPDATE, so of parallel uses of one code exactly one wins; it counts as `otp`.
 */
import { randomInt } from 'node:crypto';
import type { Audit } from '../audit/audit.ts';
import type { FieldCrypto } from '../crypto/field-crypto.ts';
import type { MfaRecoveryCodeStore } from '../store/mfa-recovery-codes.ts';
import type { FactorThrottle } from './factor-throttle.ts';

/** No 0/O, 1/I/L: codes are read off paper. */
export const RECOVERY_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
export const RECOVERY_CODE_COUNT = 10;
const CODE_LENGTH = 10;
const CODE = new RegExp(`^[${RECOVERY_ALPHABET}]{${CODE_LENGTH}}$`);

/** As typed: case, spaces and dashes do not matter. */
export const normaliseRecoveryCode = (input: string) => input.toUpperCase().replace(/[\s-]/g, '');

/** As shown: two groups of five. */
export const formatRecoveryCode = (code: string) => `${code.slice(0, 5)}-${code.slice(5)}`;

export class RecoveryCodes {
  constructor(
    private readonly store: MfaRecoveryCodeStore,
    private readonly crypto: FieldCrypto,
    private readonly throttle: FactorThrottle,
    private readonly audit: Audit,
  ) {}

  /** New codes (formatted, to show once); every earlier code stops working. */
  async generate(personId: string, ip: string): Promise<string[]> {
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, () => Array.from({ length: CODE_LENGTH }, () => RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)]).join(''));
    await this.store.replace(personId, codes.map((c) => this.crypto.blindIndex(c, this.#context(personId))));
    await this.audit.record({ actor: personId, action: 'recovery_codes.generated', target: personId, detail: { ip, count: codes.length } });
    return codes.map(formatRecoveryCode);
  }

  /** True when `input` is an unused code of the person, now used. */
  async use(personId: string, input: string, ip: string): Promise<boolean> {
    const code = normaliseRecoveryCode(input);
    const ok = await this.throttle.check(personId, ip, async () => CODE.test(code)
      // Every field key's hash: codes generated before a key rotation still work.
      && this.store.use(personId, this.crypto.blindIndexes(code, this.#context(personId))));
    if (ok) await this.audit.record({ actor: personId, action: 'recovery_codes.used', target: personId, detail: { ip } });
    return ok;
  }

  remaining(personId: string): Promise<{ remaining: number; generated: boolean }> {
    return this.store.remaining(personId);
  }

  #context(personId: string): string {
    return `mfa.recovery-code:${personId}`;
  }
}
