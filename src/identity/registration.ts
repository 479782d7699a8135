/**
 * Registering an account in two steps: (1) name, ID number, mobile number and password; (2) the
 * SMS code sent to that number. Only then — the phone proven — is the real-name check run (when
 * enabled), and only then is the account created, with the phone already proven.
 *
 * Enumeration: nothing here looks an ID number up before the phone is proven and the real-name
 * check passed. Until both, a registration ends with the same answer whether or not the number
 * has an account ('accepted'); after both, the visitor — who has shown they hold the phone and
 * know the real name behind the number — may be told (throttled per phone, address, ID number).
 */
import { randomUUID } from 'node:crypto';
import type { SentCode, SmsCodes } from '../authn/sms-codes.ts';
import { throttled, type Limit, type Throttle } from '../authn/throttle.ts';
import { AppError, isAppError } from '../errors.ts';
import type { PendingRegistrationRow, PendingRegistrationStore } from '../store/pending-registrations.ts';
import type { ApplicantOutcome, Applicant } from '../verification/verification-service.ts';
import type { FieldErrors, PersonService, RegistrationInput } from './persons.ts';
import type { ReclaimOpening } from './reclaim.ts';

/** REGISTRATION_REAL_NAME: refuse on outage, go ahead at the lowest level on outage, or skip. */
export type RealNameMode = 'required' | 'optional' | 'off';
type RealNameKind = 'population' | 'carrier';

/** The code page lives as long as the login page it belongs to. */
const PENDING_TTL_SECONDS = 30 * 60;

/** "This ID number already has an account": told only after phone + real-name proof, and rarely. */
export const DISCLOSURE_LIMITS = {
  perPhone: { name: 'register-disclose-phone', max: 3, windowSeconds: 86_400 },
  perIp: { name: 'register-disclose-ip', max: 10, windowSeconds: 86_400 },
  perIdNumber: { name: 'register-disclose-idn', max: 3, windowSeconds: 86_400 },
} satisfies Record<string, Limit>;

export interface RegistrationDeps {
  persons: PersonService;
  store: PendingRegistrationStore;
  smsCodes: SmsCodes;
  throttle: Throttle;
  realName: {
    /** The setting; undefined: `required` while a population channel is enabled, else `off`. */
    setting: RealNameMode | undefined;
    /** The kinds to run, in order (the ladder file's registration.realNameChecks). */
    kinds: RealNameKind[];
    enabledKinds(kinds: readonly RealNameKind[]): Promise<RealNameKind[]>;
    check(applicant: Applicant, kinds: readonly RealNameKind[], ctx: { ip: string }): Promise<ApplicantOutcome>;
    /** Gives the registration's evidence to the new account. */
    attach(evidenceIds: string[], personId: string): Promise<unknown>;
  };
  /** Opens the reclaim of a registered number for the visitor just told of it (reclaim.ts). */
  reclaim?: { open(o: ReclaimOpening): Promise<string> } | undefined;
}

export type StartResult = { ok: false; errors: FieldErrors } | { ok: true; pendingId: string; sent: SentCode };

export type Finish =
  /** `created` is for audit only: a duplicate that may not be disclosed answers 'accepted' alike. */
  | { outcome: 'accepted'; created: boolean; personId: string | undefined; realName: 'match' | 'skipped'; fromWard?: boolean }
  /** `reclaimTicket`: the visitor may go on to reclaim the account (reclaim.ts). */
  | { outcome: 'already_registered'; reclaimTicket: string | undefined };

export class Registration {
  constructor(private readonly deps: RegistrationDeps) {}

  /** Whether registration can be offered: the code needs an SMS channel (or development's log). */
  offered(): Promise<boolean> {
    return this.deps.smsCodes.offered();
  }

  async realNameMode(): Promise<RealNameMode> {
    if (this.deps.realName.setting) return this.deps.realName.setting;
    return (await this.deps.realName.enabledKinds(['population'])).length > 0 ? 'required' : 'off';
  }

  /** The form's field errors (the page shows them all at once). */
  validate(input: RegistrationInput): FieldErrors {
    return this.deps.persons.validate(input).errors;
  }

  /** Step 1: checks the form, keeps it (sealed, password hashed) and texts the code. */
  async start(input: RegistrationInput, interactionUid: string, ip: string): Promise<StartResult> {
    const { errors, values } = this.deps.persons.validate(input);
    if (!values) return { ok: false, errors };
    if (!(await this.offered())) throw new AppError('sms.unavailable');
    const pendingId = randomUUID();
    const sealed = this.deps.persons.sealFields(values);
    await this.deps.store.insert({
      id: pendingId, interaction_uid: interactionUid, ...sealed, password_hash: await this.deps.persons.hashPassword(values.password),
    }, PENDING_TTL_SECONDS);
    return { ok: true, pendingId, sent: await this.#send(values.phone, ip) };
  }

  /** A new code for a registration waiting for one (it voids the previous code). */
  async resend(pendingId: string, interactionUid: string, ip: string): Promise<SentCode> {
    const row = await this.#live(pendingId, interactionUid);
    if (row.phone_proven_at) throw new AppError('register.expired');
    return this.#send(this.deps.persons.unseal(row).phone, ip);
  }

  /** Step 2: the code proves the phone (once: parallel submissions of one code pass once). */
  async prove(pendingId: string, interactionUid: string, codeId: string, code: string, ip: string): Promise<void> {
    const row = await this.deps.store.findLive(pendingId.slice(0, 64), interactionUid);
    // A stale or foreign registration answers like a wrong code: nothing to learn from it.
    if (!row || row.phone_proven_at) throw new AppError('sms.invalid_code');
    const { phone } = this.deps.persons.unseal(row);
    if (!(await this.deps.smsCodes.checkNumber('registration', phone, '', codeId, code, ip))) throw new AppError('sms.invalid_code');
    if (!(await this.deps.store.markProven(row.id))) throw new AppError('register.expired');
  }

  /**
   * With the phone proven: the real-name check, then the account. Throws
   * `register.real_name_mismatch` (the registration is over), `register.real_name_unavailable`
   * (required and no channel could answer: try again, the phone stays proven),
   * `verification.rate_limited`, `register.rate_limited`, `register.expired`.
   */
  async complete(pendingId: string, interactionUid: string, ip: string): Promise<Finish> {
    const row = await this.#live(pendingId, interactionUid);
    if (!row.phone_proven_at) throw new AppError('register.expired');
    const values = this.deps.persons.unseal(row);
    const realName = await this.#realName(row, values, ip);
    // A minor a guardian added (a ward record) registers, from 14, into that record: only with the
    // real-name check passed, as anyone may know a child's name and ID number.
    const ward = realName.passed ? await this.deps.persons.wardOfIdNumber(values.idNumber) : undefined;
    if (ward) return this.#fromWard(row, ward, realName.evidenceId);
    const existing = realName.passed ? await this.#disclose(row, values, ip) : undefined;
    if (existing) {
      const reclaimTicket = await this.deps.reclaim?.open({
        interactionUid, personId: existing,
        sealed: { name_enc: row.name_enc, id_number_enc: row.id_number_enc, phone_enc: row.phone_enc, phone_bidx: row.phone_bidx },
        evidence: realName.evidenceId ? { id: realName.evidenceId, kind: realName.kind!, at: new Date() } : undefined,
      });
      return { outcome: 'already_registered', reclaimTicket };
    }
    if (!(await this.deps.store.consume(row.id))) throw new AppError('register.expired');
    const personId = randomUUID();
    const { id: _id, interaction_uid: _uid, password_hash: hash, phone_proven_at: _p, consumed_at: _c, created_at: _at, expires_at: _e, ...sealed } = row;
    const created = (await this.deps.persons.createRegistered(personId, sealed, hash)) === 'created';
    if (created && realName.evidenceId) await this.deps.realName.attach([realName.evidenceId], personId);
    return { outcome: 'accepted', created, personId: created ? personId : undefined, realName: realName.passed ? 'match' : 'skipped' };
  }

  sweep(): Promise<number> {
    return this.deps.store.sweep();
  }

  async #fromWard(row: PendingRegistrationRow, wardId: string, evidenceId: string | undefined): Promise<Finish> {
    if (!(await this.deps.store.consume(row.id))) throw new AppError('register.expired');
    const { id: _id, interaction_uid: _uid, password_hash: hash, phone_proven_at: _p, consumed_at: _c, created_at: _at, expires_at: _e, ...sealed } = row;
    const activated = (await this.deps.persons.activateWard(wardId, sealed, hash)) === 'activated';
    if (activated && evidenceId) await this.deps.realName.attach([evidenceId], wardId);
    // The phone bound elsewhere (or a parallel attempt first): answered like any duplicate.
    return { outcome: 'accepted', created: activated, personId: activated ? wardId : undefined, realName: 'match', fromWard: activated };
  }

  async #realName(row: PendingRegistrationRow, values: { name: string; idNumber: string; phone: string }, ip: string): Promise<{ passed: boolean; evidenceId?: string | undefined; kind?: RealNameKind }> {
    const mode = await this.realNameMode();
    if (mode === 'off') return { passed: false };
    try {
      const out = await this.deps.realName.check({ name: values.name, idNumber: values.idNumber, mobile: values.phone }, this.deps.realName.kinds, { ip });
      if (out.result === 'match') return { passed: true, evidenceId: out.evidenceId, kind: out.kind };
      await this.deps.store.discard(row.id);
      throw new AppError('register.real_name_mismatch');
    } catch (e) {
      if (!isAppError(e) || e.kind !== 'unavailable') throw e;
      // Fail closed when required; otherwise the account starts at the self-asserted level.
      if (mode === 'required') throw new AppError('register.real_name_unavailable', 'real-name check unavailable', { cause: e.code });
      return { passed: false };
    }
  }

  /**
   * The account (and the registration over) when the ID number has one and this may be told.
   * Only disclosures are counted: a refusal here tells nothing the visitor may not know already.
   */
  async #disclose(row: PendingRegistrationRow, values: { idNumber: string; phone: string }, ip: string): Promise<string | undefined> {
    const existing = await this.deps.persons.accountOfIdNumber(values.idNumber);
    if (!existing) return undefined;
    const t = this.deps.throttle;
    const r = await t.reserve([t.key(DISCLOSURE_LIMITS.perPhone, values.phone), t.key(DISCLOSURE_LIMITS.perIp, ip), t.key(DISCLOSURE_LIMITS.perIdNumber, values.idNumber)]);
    if (!r.ok) throw throttled('register.rate_limited', r);
    await r.release();
    await this.deps.store.discard(row.id);
    return existing;
  }

  async #live(pendingId: string, interactionUid: string): Promise<PendingRegistrationRow> {
    const row = await this.deps.store.findLive(pendingId.slice(0, 64), interactionUid);
    if (!row) throw new AppError('register.expired');
    return row;
  }

  #send(phone: string, ip: string): Promise<SentCode> {
    return this.deps.smsCodes.sendToNumber('registration', phone, '', ip);
  }
}
