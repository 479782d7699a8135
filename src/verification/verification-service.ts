/**
 * Runs verification checks for a person through the channel registry: builds the authority
 * request from the account's own data (a person cannot get someone else's name checked as
 * theirs), applies the paid-check rate limits, and returns the outcome with the level now held.
 * Evidence is written by the registry for every attempt before anything else happens, so a
 * failure later (the next check, the page, the network) never loses a check already passed.
 */
import { parseBankCardNumber } from '../identity/bank-card.ts';
import type { Person } from '../identity/persons.ts';
import { parsePhone } from '../identity/phone.ts';
import { AppError } from '../errors.ts';
import type { AssuranceService, AssuranceStatus } from './assurance.ts';
import type { SelfServiceKind } from './assurance-ladder.ts';
import type { ChannelKind, ChannelRequests, DocumentType } from './channel.ts';
import type { ChannelRegistry } from './channel-registry.ts';
import type { PaidCheckLimiter } from './paid-check-limits.ts';

/** What the person supplies for each self-service check; the rest comes from the account. */
export type PersonCheck =
  | { kind: 'population' }
  | { kind: 'social_security' }
  | { kind: 'face'; /** base64 selfie */ image: string }
  | { kind: 'bank_card'; cardNumber: string; mobile?: string | undefined }
  | { kind: 'carrier'; mobile?: string | undefined };

export interface CheckContext {
  ip?: string | undefined;
  /** Who started the check: the person themself unless an operator or admin did. */
  actor?: string | undefined;
}

export interface CheckOutcome {
  kind: ChannelKind;
  result: 'match' | 'mismatch';
  /** The authority's reason for a mismatch (not_found, inconsistent, face_mismatch…). */
  reason: string | null;
  evidenceId: string;
  channelId: string;
  /** The level held after this check. */
  status: AssuranceStatus;
}

/** Someone registering: no account yet, so the data comes from the form (the phone just proven). */
export interface Applicant { name: string; idNumber: string; mobile: string }

export interface ApplicantOutcome {
  result: 'match' | 'mismatch';
  /** The kind that matched, or the last one that answered. */
  kind: 'population' | 'carrier';
  /** The matching evidence record, to attach to the account once created. */
  evidenceId: string | undefined;
}

/** Someone proving to be the person behind an ID number, before the account is theirs (a reclaim). */
export interface Claimant { name: string; idNumber: string; /** The phone they proved (an SMS code). */ mobile: string }

export type ClaimantCheck = PersonCheck | { kind: 'counter'; attestation: CounterAttestation };

export interface ClaimantOutcome {
  kind: ChannelKind;
  result: 'match' | 'mismatch';
  reason: string | null;
  /** Names nobody yet: attach it to the account once it is theirs. */
  evidenceId: string;
  at: Date;
}

export interface CounterAttestation { operatorId: string; officeId: string; documentType: DocumentType }

export interface VerificationServiceDeps {
  person(id: string): Promise<Person | undefined>;
  registry: ChannelRegistry;
  /** Loads the stored channels before the first check. */
  ready(): Promise<void>;
  assurance: AssuranceService;
  limiter: PaidCheckLimiter;
  /** Keyed hash used for the per-ID-number rate limit. */
  idNumberIndex(idNumber: string): string;
}

/** 2 MiB of image is plenty for a selfie and keeps the authority request under its limit. */
export const MAX_SELFIE_BYTES = 2 * 1024 * 1024;

export class VerificationService {
  constructor(private readonly deps: VerificationServiceDeps) {}

  get assurance(): AssuranceService { return this.deps.assurance; }

  levelOf(personId: string): Promise<AssuranceStatus> {
    return this.deps.assurance.levelOf(personId);
  }

  /** One self-service check of the person's own identity. */
  async checkPerson(personId: string, check: PersonCheck, ctx: CheckContext = {}): Promise<CheckOutcome> {
    const person = await this.#activePerson(personId);
    const request = buildRequest(person, check);
    await this.deps.limiter.admit({ personId, ip: ctx.ip, idNumberIndex: this.deps.idNumberIndex(person.idNumber) });
    return this.#run(person, check.kind, request, ctx);
  }

  /** Those of `kinds` with an enabled channel now. */
  async enabledKinds<K extends ChannelKind>(kinds: readonly K[]): Promise<K[]> {
    await this.deps.ready();
    return kinds.filter((k) => this.deps.registry.candidates(k).length > 0);
  }

  /**
   * The real-name check of someone registering: each of `kinds` with an enabled channel, in
   * order, until one matches (a carrier mismatch may only mean the phone is in a relative's
   * name, so the next kind still runs). Evidence names no person yet; attach the match to the
   * account once it exists. Throws `verification.unavailable` when no kind could answer, or
   * none is enabled, and `verification.rate_limited` per address / ID number.
   */
  async checkApplicant(applicant: Applicant, kinds: ReadonlyArray<'population' | 'carrier'>, ctx: CheckContext = {}): Promise<ApplicantOutcome> {
    const enabled = await this.enabledKinds(kinds);
    if (enabled.length === 0) throw new AppError('verification.unavailable', 'no real-name channel enabled');
    await this.deps.limiter.admit({ ip: ctx.ip, idNumberIndex: this.deps.idNumberIndex(applicant.idNumber) });
    const who = { name: applicant.name, idNumber: applicant.idNumber };
    let answered: ApplicantOutcome | undefined;
    let outage: unknown;
    for (const kind of enabled) {
      try {
        const request = kind === 'carrier' ? { ...who, mobile: applicant.mobile } : who;
        const out = await this.deps.registry.verify(kind, request, { actor: ctx.actor ?? 'registration' });
        if (out.response.result === 'match') return { result: 'match', kind, evidenceId: out.evidence.id };
        answered = { result: 'mismatch', kind, evidenceId: undefined };
      } catch (e) {
        if (!(e instanceof AppError) || e.kind !== 'unavailable') throw e;
        outage = e;
      }
    }
    // The population database's "no" is definitive; a carrier's "no" only when nothing else
    // could be asked (the phone may be in a relative's name).
    if (answered && (answered.kind === 'population' || outage === undefined)) return answered;
    throw outage;
  }

  /**
   * A check of a claimant's own data (name, ID number, the phone they proved), the person check
   * run for someone who holds no account yet. Online checks go through the paid-check limits
   * (per address and ID number); a counter attestation is the operator's and is not limited.
   */
  async checkClaimant(claimant: Claimant, check: ClaimantCheck, ctx: CheckContext = {}): Promise<ClaimantOutcome> {
    const as = { name: claimant.name, idNumber: claimant.idNumber, phone: claimant.mobile } as Person;
    let request: ChannelRequests[ChannelKind];
    let actor = ctx.actor ?? 'reclaim';
    if (check.kind === 'counter') {
      request = { ...check.attestation, name: claimant.name, idNumber: claimant.idNumber };
      actor = ctx.actor ?? `operator:${check.attestation.operatorId}`;
    } else {
      request = buildRequest(as, check);
      await this.deps.limiter.admit({ ip: ctx.ip, idNumberIndex: this.deps.idNumberIndex(claimant.idNumber) });
    }
    await this.deps.ready();
    const out = await this.deps.registry.verify(check.kind, request as never, { actor });
    return { kind: check.kind, result: out.response.result, reason: out.response.reason ?? null, evidenceId: out.evidence.id, at: new Date(out.evidence.at) };
  }

  /**
   * An operator's attestation of an in-person check at a service counter (窗口核验). Not rate
   * limited per person: operators are authenticated staff, and the attestation is theirs.
   */
  async attestAtCounter(personId: string, attestation: CounterAttestation, ctx: CheckContext = {}): Promise<CheckOutcome> {
    const person = await this.#activePerson(personId);
    const request: ChannelRequests['counter'] = { ...attestation, name: person.name, idNumber: person.idNumber };
    return this.#run(person, 'counter', request, { ...ctx, actor: ctx.actor ?? `operator:${attestation.operatorId}` });
  }

  async #run<K extends ChannelKind>(person: Person, kind: K, request: ChannelRequests[K], ctx: CheckContext): Promise<CheckOutcome> {
    await this.deps.ready();
    const out = await this.deps.registry.verify(kind, request, { subjectPersonId: person.id, actor: ctx.actor ?? person.id });
    return {
      kind,
      result: out.response.result,
      reason: out.response.reason ?? null,
      evidenceId: out.evidence.id,
      channelId: out.channelId,
      status: await this.deps.assurance.levelOf(person.id),
    };
  }

  async #activePerson(personId: string): Promise<Person> {
    const person = await this.deps.person(personId);
    if (!person || person.status !== 'active') throw new AppError('verification.person_not_found', 'no such active account');
    return person;
  }
}

function buildRequest(person: Person, check: PersonCheck): ChannelRequests[SelfServiceKind] {
  const who = { name: person.name, idNumber: person.idNumber };
  const mobile = (given: string | undefined) => {
    if (!given) return person.phone;
    const phone = parsePhone(given);
    if (!phone.ok) throw new AppError('phone.invalid', 'invalid mobile number');
    return phone.value;
  };
  switch (check.kind) {
    case 'population':
    case 'social_security':
      return who;
    case 'carrier':
      return { ...who, mobile: mobile(check.mobile) };
    case 'bank_card': {
      const card = parseBankCardNumber(check.cardNumber ?? '');
      if (!card.ok) throw new AppError('bank_card.invalid', 'invalid bank card number');
      return { ...who, cardNumber: card.value, mobile: mobile(check.mobile) };
    }
    case 'face': {
      const image = (check.image ?? '').replace(/\s+/g, '');
      const bytes = Buffer.byteLength(image, 'base64');
      if (!image || !/^[A-Za-z0-9+/]+=*$/.test(image) || bytes > MAX_SELFIE_BYTES) {
        throw new AppError('verification.image_invalid', 'the selfie is missing, unreadable or too large');
      }
      return { ...who, image };
    }
    default:
      throw new AppError('verification.kind_not_self_service', 'this check cannot be run by the person alone');
  }
}
