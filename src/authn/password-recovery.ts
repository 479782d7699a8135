/**
 * "Forgot my password": the person gives their ID number and registered mobile number; when both
 * belong to one account, a six-digit code goes to that mobile by SMS; the code (5 tries, 10
 * minutes) sets a new password and ends every session. The answers are the same whether or not
 * the details matched, so the form reveals nothing about who is registered.
 */
import { randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import { AppError } from '../errors.ts';
import { parseIdNumber } from '../identity/id-number.ts';
import type { PersonService } from '../identity/persons.ts';
import { parsePhone } from '../identity/phone.ts';
import type { RateLimitStore } from '../store/rate-limits.ts';
import type { RecoveryCodeStore } from '../store/recovery-codes.ts';
import { checkPasswordStrength, type PasswordHasher } from './password.ts';

export const RECOVERY = { codeTtlSeconds: 600, maxAttempts: 5, perIpPerHour: 10, perPersonPerHour: 3 } as const;

export interface RecoveryDeps {
  persons: PersonService;
  hasher: PasswordHasher;
  codes: RecoveryCodeStore;
  limits: RateLimitStore;
  /** Keyed hash of a code (the stored value). */
  codeHash(id: string, code: string): string;
  sendSms(mobile: string, code: string, personId: string): Promise<void>;
  /**
   * Ends every SSO session of the person and revokes every token of their grants (a reset must
   * lock out whoever knew the old password).
   */
  endSessions(personId: string, ip: string | undefined): Promise<unknown>;
}

export class PasswordRecovery {
  constructor(private readonly deps: RecoveryDeps) {}

  /** Returns a recovery id to carry to the code page: a real one or an indistinguishable decoy. */
  async start(idNumber: string, phone: string, ip: string): Promise<{ recoveryId: string; sent: boolean }> {
    if ((await this.deps.limits.hit(`recover-ip:${ip}`, 3600)) > RECOVERY.perIpPerHour) throw new AppError('recovery.rate_limited');
    const recoveryId = randomUUID();
    const id = parseIdNumber(idNumber);
    const mobile = parsePhone(phone);
    const person = id.ok && mobile.ok ? await this.deps.persons.findByIdentifier(id.value.number) : undefined;
    const decrypted = person ? this.deps.persons.decrypt(person) : undefined;
    if (!decrypted || decrypted.status !== 'active' || !mobile.ok || decrypted.phone !== mobile.value) return { recoveryId, sent: false };
    if ((await this.deps.limits.hit(`recover-person:${decrypted.id}`, 3600)) > RECOVERY.perPersonPerHour) return { recoveryId, sent: false };
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    await this.deps.codes.insert({
      id: recoveryId, person_id: decrypted.id, code_hash: this.deps.codeHash(recoveryId, code),
      expires_at: new Date(Date.now() + RECOVERY.codeTtlSeconds * 1000),
    });
    try {
      await this.deps.sendSms(decrypted.phone, code, decrypted.id);
    } catch (e) {
      // The page stays the same (no enumeration); the person can ask again.
      if (!(e instanceof AppError)) throw e;
      return { recoveryId, sent: false };
    }
    return { recoveryId, sent: true };
  }

  /** Sets the new password when the code is right. Throws `recovery.invalid_code` otherwise. */
  async complete(recoveryId: string, code: string, password: string, ip?: string): Promise<string> {
    const row = /^[0-9a-f-]{36}$/.test(recoveryId) ? await this.deps.codes.attempt(recoveryId, RECOVERY.maxAttempts) : undefined;
    const expected = row ? Buffer.from(row.code_hash) : Buffer.alloc(43);
    const given = Buffer.from(this.deps.codeHash(recoveryId, code.trim()));
    if (!row || expected.length !== given.length || !timingSafeEqual(expected, given)) throw new AppError('recovery.invalid_code');
    const person = await this.deps.persons.get(row.person_id);
    if (!person) throw new AppError('recovery.invalid_code');
    const weak = checkPasswordStrength(password, [person.idNumber, person.phone]);
    if (weak) throw new AppError(weak);
    if (!(await this.deps.codes.consume(recoveryId))) throw new AppError('recovery.invalid_code');
    await this.deps.persons.setPassword(person.id, await this.deps.hasher.hash(password));
    await this.deps.endSessions(person.id, ip);
    return person.id;
  }

  /** Deletes expired codes. */
  sweep(): Promise<number> {
    return this.deps.codes.sweep();
  }
}
