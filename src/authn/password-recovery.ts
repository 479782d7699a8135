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
import type { RecoveryCodeStore } from '../store/recovery-codes.ts';
import { checkPasswordStrength, type PasswordHasher } from './password.ts';
import { throttled, type Limit, type Throttle } from './throttle.ts';

export const RECOVERY = { codeTtlSeconds: 600, maxAttempts: 5, perIpPerHour: 10, perPersonPerHour: 3, codesPerIpPerHour: 30 } as const;

/** Recovery's own counters (throttle.ts): requests per address and per account, codes per address. */
export const RECOVERY_LIMITS = {
  startPerIp: { name: 'recover-ip', max: RECOVERY.perIpPerHour, windowSeconds: 3600 },
  startPerPerson: { name: 'recover-person', max: RECOVERY.perPersonPerHour, windowSeconds: 3600 },
  codePerIp: { name: 'recover-code-ip', max: RECOVERY.codesPerIpPerHour, windowSeconds: 3600 },
} satisfies Record<string, Limit>;

export interface RecoveryDeps {
  persons: PersonService;
  hasher: PasswordHasher;
  codes: RecoveryCodeStore;
  throttle: Throttle;
  /** Clears the account's password-login lock after a reset (the owner proved the mobile). */
  forgetLoginFailures(personId: string, ip: string): Promise<void>;
  /** Keyed hash of a code (the stored value). */
  codeHash(id: string, code: string): string;
  sendSms(mobile: string, code: string, personId: string): Promise<void>;
  /**
   * Ends every SSO session of the person and revokes every token of their grants (a reset must
   * lock out whoever knew the old password).
   */
  endSessions(personId: string, ip: string): Promise<unknown>;
}

export class PasswordRecovery {
  constructor(private readonly deps: RecoveryDeps) {}

  /** Returns a recovery id to carry to the code page: a real one or an indistinguishable decoy. */
  async start(idNumber: string, phone: string, ip: string): Promise<{ recoveryId: string; sent: boolean }> {
    const recoveryId = randomUUID();
    const id = parseIdNumber(idNumber);
    const mobile = parsePhone(phone);
    const person = id.ok && mobile.ok ? await this.deps.persons.findByIdentifier(id.value.number) : undefined;
    // Counted before the details are compared: per address, and per account (or, when the number
    // has none, per number, so that both answer alike). Not the login's counters: a person whose
    // password login is locked can still recover.
    const subject = person ? `account:${person.id}` : `id_number:${id.ok ? id.value.number : idNumber.trim().toUpperCase()}`;
    const reservation = await this.deps.throttle.reserve([
      this.deps.throttle.key(RECOVERY_LIMITS.startPerIp, ip), this.deps.throttle.key(RECOVERY_LIMITS.startPerPerson, subject),
    ]);
    if (!reservation.ok) throw throttled('recovery.rate_limited', reservation);
    const decrypted = person ? this.deps.persons.decrypt(person) : undefined;
    if (!decrypted || decrypted.status !== 'active' || !mobile.ok || decrypted.phone !== mobile.value) {
      await reservation.fail();
      return { recoveryId, sent: false };
    }
    await reservation.release();
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
  async complete(recoveryId: string, code: string, password: string, ip: string): Promise<string> {
    const reservation = await this.deps.throttle.reserve([this.deps.throttle.key(RECOVERY_LIMITS.codePerIp, ip)]);
    if (!reservation.ok) throw throttled('recovery.rate_limited', reservation);
    try {
      const personId = await this.#complete(recoveryId, code, password, ip);
      await reservation.release();
      await this.deps.forgetLoginFailures(personId, ip);
      return personId;
    } catch (e) {
      await reservation.fail();
      throw e;
    }
  }

  async #complete(recoveryId: string, code: string, password: string, ip: string): Promise<string> {
    // Each code also counts its own attempts (at most RECOVERY.maxAttempts, counted before the comparison).
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
