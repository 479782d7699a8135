/**
 * Moving an account to a new mobile number: a code to the NEW number proves it (bound to the
 * account and that number), the account's login identifier changes with it, and the OLD number
 * is told — so a thief who got into the console cannot move the account away unnoticed. The
 * caller checks the re-authentication first (account/reauth.ts).
 */
import type { Audit } from '../audit/audit.ts';
import { AppError } from '../errors.ts';
import type { PersonService } from '../identity/persons.ts';
import { maskPhone } from '../identity/phone.ts';
import type { SentCode, SmsCodes } from './sms-codes.ts';

export interface PhoneChangeDeps {
  persons: PersonService;
  smsCodes: SmsCodes;
  audit: Audit;
  /** Texts the notice to the old number. */
  notify(mobile: string, params: Record<string, string>, personId: string): Promise<unknown>;
  onNoticeFailure(err: unknown): void;
}

export class PhoneChange {
  constructor(private readonly deps: PhoneChangeDeps) {}

  /** Texts a code to the new number; returns it with the canonical number. */
  async send(personId: string, input: string, ip: string): Promise<SentCode & { phone: string }> {
    const phone = this.deps.smsCodes.number(input);
    const person = await this.#active(personId);
    if (person.phone === phone) throw new AppError('phone.same');
    return { ...(await this.deps.smsCodes.sendToNumber('phone-change', phone, personId, ip, personId)), phone };
  }

  /** Binds the new number once its code is right; `phone.taken` when another account has it. */
  async confirm(personId: string, input: string, codeId: string, code: string, ip: string): Promise<void> {
    const person = await this.#active(personId);
    let phone: string;
    try {
      phone = this.deps.smsCodes.number(input);
    } catch {
      throw new AppError('sms.invalid_code');
    }
    if (!(await this.deps.smsCodes.checkNumber('phone-change', phone, personId, codeId, code, ip))) throw new AppError('sms.invalid_code');
    const old = person.phone;
    const outcome = await this.deps.persons.changePhone(personId, phone);
    if (outcome === 'taken') throw new AppError('phone.taken');
    if (outcome === 'gone') throw new AppError('account.inactive');
    await this.deps.audit.record({ actor: personId, action: 'person.phone_changed', target: personId, detail: { ip, from: maskPhone(old), to: maskPhone(phone) } });
    // After the change: a failed notice must not undo it (it is logged, and audited above).
    await this.deps.notify(old, { phone: maskPhone(phone) }, personId).catch((e: unknown) => this.deps.onNoticeFailure(e));
  }

  async #active(personId: string) {
    const person = await this.deps.persons.get(personId);
    if (!person || person.status !== 'active') throw new AppError('account.inactive');
    return person;
  }
}
