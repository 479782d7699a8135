/**
 * The single-use primitive for Yihao's own one-time secrets.
 *
 * Codes (SMS login, phone proof, confirmations): six digits by default, bound to a purpose and
 * a subject (pass a keyed hash of the phone number or the account id, never the number itself),
 * short-lived, a new code voids the previous one, a try is counted before the code is compared,
 * and using it is one conditional statement: of any number of parallel correct submissions
 * exactly one succeeds. Only a keyed hash of the code is stored.
 *
 * Values accepted once (TOTP time steps, assertion ids): `useOnce` is true for the first use only.
 */
import { randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import type { OneTimeSecretStore } from '../store/one-time-secrets.ts';

export interface CodePolicy { ttlSeconds: number; maxAttempts: number; digits: number }

export const DEFAULT_CODE_POLICY: CodePolicy = { ttlSeconds: 300, maxAttempts: 5, digits: 6 };

const CODE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export class OneTimeCodes {
  constructor(
    private readonly store: OneTimeSecretStore,
    /** Keyed hash (HMAC) of a code under its id; the same input gives the same output. */
    private readonly hash: (codeId: string, code: string) => string,
  ) {}

  /** A new code for (purpose, subject); earlier live ones stop working. Send `code`, keep `id`. */
  async issue(purpose: string, subject: string, policy: CodePolicy = DEFAULT_CODE_POLICY): Promise<{ id: string; code: string }> {
    const id = randomUUID();
    const code = String(randomInt(0, 10 ** policy.digits)).padStart(policy.digits, '0');
    await this.store.issue({ id, purpose, subject, code_hash: this.hash(id, code), max_attempts: policy.maxAttempts, ttlSeconds: policy.ttlSeconds });
    return { id, code };
  }

  /**
   * True when `code` is the live code `id` of (purpose, subject) and this call used it. A wrong
   * code spends one of its tries; a code of another purpose or subject is never accepted.
   */
  async use(id: string, purpose: string, subject: string, code: string): Promise<boolean> {
    if (!CODE_ID.test(id)) return false;
    const row = await this.store.attempt(id, purpose, subject);
    const given = Buffer.from(this.hash(id, code.trim()));
    const expected = row ? Buffer.from(row.code_hash) : Buffer.alloc(given.length);
    const matches = expected.length === given.length && timingSafeEqual(expected, given);
    return Boolean(row) && matches && (await this.store.consume(id));
  }

  /** True for the first use of `key` under `purpose` until `ttlSeconds` pass. */
  useOnce(purpose: string, key: string, ttlSeconds: number): Promise<boolean> {
    return this.store.useOnce(purpose, key, ttlSeconds);
  }

  sweep(): Promise<number> {
    return this.store.sweep();
  }
}
