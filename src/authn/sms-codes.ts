/**
 * Six-digit codes texted to a person's bound mobile, for three purposes: logging in with the
 * number alone (first factor), a second factor after the password, and proving the number from
 * the account console. Built on the one-time-code primitive (one-time-codes.ts: bound to purpose
 * and subject, tries counted first, single use) and the throttle (reserve before the check).
 *
 * Sending is throttled per number (one a minute, five an hour) and per address; checking per
 * address and per number / account, with its own lock: a locked password never locks the SMS path
 * of the owner's own phone, and the reverse. Using a code proves the number (phone_verified_at).
 *
 * Login by number answers alike whether or not the number has an account that may use it (active,
 * number proven): an unknown number gets a decoy code id and nothing is sent, so both pages match.
 */
import { randomUUID } from 'node:crypto';
import { AppError } from '../errors.ts';
import { normaliseLoginIdentifier } from '../identity/login-identifier.ts';
import type { PersonService } from '../identity/persons.ts';
import { maskPhone } from '../identity/phone.ts';
import type { SmsMode } from '../verification/sms-delivery.ts';
import { DEFAULT_CODE_POLICY, type OneTimeCodes } from './one-time-codes.ts';
import { throttled, type Limit, type Throttle } from './throttle.ts';

export type SmsPurpose = 'sms-login' | 'sms-mfa' | 'phone-proof' | 'proxy-confirm';
/** Codes to a number no account holds yet: registering with it, or moving an account to it. */
export type NumberPurpose = 'registration' | 'phone-change';

export const SMS_LIMITS = {
  sendPerNumber: { name: 'sms-send-number', max: 1, windowSeconds: 60 },
  sendPerNumberHour: { name: 'sms-send-number-hour', max: 5, windowSeconds: 3600 },
  sendPerIp: { name: 'sms-send-ip', max: 30, windowSeconds: 3600 },
  checkPerIp: { name: 'sms-check-ip', max: 60, windowSeconds: 300 },
  checkPerSubject: { name: 'sms-check-subject', max: 10, windowSeconds: 900, lockout: { baseSeconds: 60, maxSeconds: 3600 }, resetOnSuccess: true },
} satisfies Record<string, Limit>;

/** The SMS template of each account code. */
const ACCOUNT_TEMPLATES: Record<SmsPurpose, string> = { 'sms-login': 'login_code', 'sms-mfa': 'login_code', 'phone-proof': 'phone_proof', 'proxy-confirm': 'proxy_confirm' };

export interface SmsCodeDeps {
  persons: PersonService;
  codes: OneTimeCodes;
  throttle: Throttle;
  delivery: { mode(): Promise<SmsMode>; send(mobile: string, template: string, params: Record<string, string>, personId?: string): Promise<SmsMode> };
  /** Keyed hash binding a code to its number or account (never the number itself). */
  subjectHash(text: string): string;
  /** Delivery failures of login codes are logged, not shown (the page must not differ). */
  onSendFailure(err: unknown): void;
}

export interface SentCode {
  /** Carried by the code page; a decoy for a number that may not log in. */
  codeId: string;
  mode: SmsMode;
  maskedPhone: string;
}

export class SmsCodes {
  constructor(private readonly deps: SmsCodeDeps) {}

  /** Whether codes can be offered at all (an enabled channel, or development's log). */
  async offered(): Promise<boolean> {
    return (await this.deps.delivery.mode()) !== 'off';
  }

  /** The canonical mobile number typed, or `sms.invalid_phone`. */
  number(input: string): string {
    const id = normaliseLoginIdentifier(input.slice(0, 64));
    if (id.kind !== 'phone') throw new AppError('sms.invalid_phone');
    return id.value;
  }

  /** Texts a login code to `input` when it is the proven number of an active account. */
  async sendLoginCode(input: string, ip: string): Promise<SentCode> {
    const mode = await this.#available();
    const phone = this.number(input);
    await this.#reserveSend(phone, ip);
    const found = await this.deps.persons.findForLogin({ kind: 'phone', value: phone });
    const person = found && this.deps.persons.decrypt(found.person);
    if (!person || person.status !== 'active' || !person.phoneVerifiedAt) return { codeId: randomUUID(), mode, maskedPhone: maskPhone(phone) };
    const { id, code } = await this.deps.codes.issue('sms-login', this.#numberSubject(phone), DEFAULT_CODE_POLICY);
    // Not awaited: the answer must not wait for the SMS authority when the number has an account.
    this.deps.delivery.send(phone, 'login_code', { code }, person.id).catch((e: unknown) => this.deps.onSendFailure(e));
    return { codeId: id, mode, maskedPhone: maskPhone(phone) };
  }

  /** The account whose login code this is, or `sms.invalid_code` / `sms.rate_limited`. */
  async login(input: string, codeId: string, code: string, ip: string): Promise<string> {
    let phone: string;
    try {
      phone = this.number(input);
    } catch {
      throw new AppError('sms.invalid_code');
    }
    if (!(await this.#check('sms-login', this.#numberSubject(phone), `number:${phone}`, codeId, code, ip))) throw new AppError('sms.invalid_code');
    const found = await this.deps.persons.findForLogin({ kind: 'phone', value: phone });
    // Disabled between the text and its use: no login.
    if (!found || found.person.status !== 'active') throw new AppError('sms.invalid_code');
    await this.deps.persons.markPhoneVerified(found.person.id);
    return found.person.id;
  }

  /**
   * Texts a code to the account's own bound number (second factor, phone proof, confirming an
   * authorisation). `binding` ties the code to one thing (the authorisation it confirms).
   */
  async sendToAccount(purpose: SmsPurpose, personId: string, ip: string, binding = ''): Promise<SentCode> {
    const mode = await this.#available();
    const person = await this.deps.persons.get(personId);
    if (!person || person.status !== 'active') throw new AppError('account.inactive');
    await this.#reserveSend(person.phone, ip);
    const { id, code } = await this.deps.codes.issue(purpose, this.#accountSubject(person.id, person.phone, binding), DEFAULT_CODE_POLICY);
    try {
      await this.deps.delivery.send(person.phone, ACCOUNT_TEMPLATES[purpose], { code }, person.id);
    } catch (e) {
      this.deps.onSendFailure(e);
      throw new AppError('sms.send_failed');
    }
    return { codeId: id, mode, maskedPhone: maskPhone(person.phone) };
  }

  /** True when `code` is the account's live code `codeId` of `purpose`; proves the number. */
  async checkForAccount(purpose: SmsPurpose, personId: string, codeId: string, code: string, ip: string, binding = ''): Promise<boolean> {
    const person = await this.deps.persons.get(personId);
    if (!person || person.status !== 'active') return false;
    const ok = await this.#check(purpose, this.#accountSubject(person.id, person.phone, binding), `account:${person.id}`, codeId, code, ip);
    if (ok) await this.deps.persons.markPhoneVerified(person.id);
    return ok;
  }

  /**
   * Texts a code to `phone` itself (canonical form), to prove holding it before it is bound:
   * `binding` ties the code to more than the number (the account moving to it), so a code of
   * one registration or account never serves another. The number's send throttles apply.
   */
  async sendToNumber(purpose: NumberPurpose, phone: string, binding: string, ip: string, personId?: string): Promise<SentCode> {
    const mode = await this.#available();
    await this.#reserveSend(phone, ip);
    const { id, code } = await this.deps.codes.issue(purpose, this.#numberPurposeSubject(purpose, phone, binding), DEFAULT_CODE_POLICY);
    try {
      await this.deps.delivery.send(phone, purpose === 'registration' ? 'registration_code' : 'phone_change_code', { code }, personId);
    } catch (e) {
      this.deps.onSendFailure(e);
      throw new AppError('sms.send_failed');
    }
    return { codeId: id, mode, maskedPhone: maskPhone(phone) };
  }

  /** True when `code` is the live code `codeId` sent by sendToNumber with the same purpose, number and binding. */
  checkNumber(purpose: NumberPurpose, phone: string, binding: string, codeId: string, code: string, ip: string): Promise<boolean> {
    return this.#check(purpose, this.#numberPurposeSubject(purpose, phone, binding), `number:${phone}`, codeId, code, ip);
  }

  async #available(): Promise<SmsMode> {
    const mode = await this.deps.delivery.mode();
    if (mode === 'off') throw new AppError('sms.unavailable');
    return mode;
  }

  async #reserveSend(phone: string, ip: string): Promise<void> {
    const t = this.deps.throttle;
    const r = await t.reserve([t.key(SMS_LIMITS.sendPerNumber, phone), t.key(SMS_LIMITS.sendPerNumberHour, phone), t.key(SMS_LIMITS.sendPerIp, ip)]);
    if (!r.ok) throw throttled('sms.send_rate_limited', r);
    // Every send counts, to a real account or not (the answer must not differ).
    await r.release();
  }

  async #check(purpose: SmsPurpose | NumberPurpose, subject: string, throttleSubject: string, codeId: string, code: string, ip: string): Promise<boolean> {
    const t = this.deps.throttle;
    const r = await t.reserve([t.key(SMS_LIMITS.checkPerIp, ip), t.key(SMS_LIMITS.checkPerSubject, throttleSubject)]);
    if (!r.ok) throw throttled('sms.rate_limited', r);
    const ok = /^\d{6}$/.test(code.trim()) && (await this.deps.codes.use(codeId.slice(0, 64), purpose, subject, code));
    if (ok) await r.release();
    else await r.fail();
    return ok;
  }

  #numberPurposeSubject(purpose: NumberPurpose, phone: string, binding: string): string {
    return this.deps.subjectHash(`${purpose}:${binding}:${phone}`);
  }

  #numberSubject(phone: string): string {
    return this.deps.subjectHash(`number:${phone}`);
  }

  // Bound to the number too: a code sent before the number changed proves nothing about the new one.
  #accountSubject(personId: string, phone: string, binding: string): string {
    return this.deps.subjectHash(binding ? `account:${personId}:${phone}:${binding}` : `account:${personId}:${phone}`);
  }
}
