/**
 * Reclaiming a squatted ID number: someone registered the account of an ID number with their own
 * phone; the real person proves themselves at a HIGHER identity assurance level than the account
 * holds, and the account becomes theirs.
 *
 * Online, the path exists only for a visitor who, in this registration, proved a phone and passed
 * the real-name check for that ID number (registration.ts opens the ticket; nobody else can reach
 * it, so it reveals nothing). They run the checks the ladder needs (face or bank card → L3), then
 * set a password. At a service counter (completeAtCounter) an operator's in-person check (L4) does
 * the same for the counter desk.
 *
 * The takeover: new phone and password, the name checked at registration, the previous holder's
 * second factors and passkeys gone, every session and grant ended through the sessions service
 * (platforms get back-channel logout), enterprise roles and agent authorisations suspended until
 * re-confirmed, the evidence given to the account, a notice texted to the old phone, audited.
 *
 * No ping-pong: each reclaim records the level it was proven at, and the next one must prove
 * strictly more than both that and the level the account holds (after an L3 reclaim only a
 * counter can take the account back; after L4, nothing online).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Audit } from '../audit/audit.ts';
import { checkPasswordStrength } from '../authn/password.ts';
import { throttled, type Limit, type Throttle } from '../authn/throttle.ts';
import { AppError } from '../errors.ts';
import type { AccountReclaimStore, ReclaimTicketRow, TakeoverResult, TicketEvidence } from '../store/account-reclaims.ts';
import { indexOfId, levelIndex, planTo, type AssuranceLadder, type EvidenceFact, type SelfServiceKind } from '../verification/assurance-ladder.ts';
import type { ChannelKind, DocumentType } from '../verification/channel.ts';
import type { Claimant, ClaimantCheck, ClaimantOutcome, PersonCheck } from '../verification/verification-service.ts';
import { parseIdNumber } from './id-number.ts';
import { parsePersonName } from './person-name.ts';
import type { PersonService } from './persons.ts';
import { maskPhone, parsePhone } from './phone.ts';

/** A reclaim ticket lives as long as the login page it belongs to. */
const TICKET_TTL_SECONDS = 30 * 60;

/** Reclaim checks, counted before each one: paid checks that decide who owns an account. */
export const RECLAIM_LIMITS = {
  perPhone: { name: 'reclaim-phone', max: 5, windowSeconds: 86_400 },
  perIp: { name: 'reclaim-ip', max: 20, windowSeconds: 3_600 },
  perIdNumber: { name: 'reclaim-idn', max: 5, windowSeconds: 86_400 },
} satisfies Record<string, Limit>;

export interface ReclaimDeps {
  store: AccountReclaimStore;
  persons: PersonService;
  throttle: Throttle;
  audit: Audit;
  ladder: AssuranceLadder;
  /** Index of the level the account holds now (from its evidence). */
  levelOf(personId: string): Promise<number>;
  enabledKinds(kinds: SelfServiceKind[]): Promise<SelfServiceKind[]>;
  check(claimant: Claimant, check: ClaimantCheck, ctx: { ip?: string; actor?: string }): Promise<ClaimantOutcome>;
  /** Gives evidence gathered before the takeover to the account. */
  attach(evidenceIds: string[], personId: string): Promise<unknown>;
  hashPassword(password: string): Promise<string>;
  /** Ends every session and grant of the account (sessions service: back-channel logout). */
  endEverything(personId: string, by: { actor: string; ip?: string | undefined }): Promise<unknown>;
  forgetLoginFailures(personId: string, ip: string): Promise<void>;
  /** Texts the notice to the previous holder's phone. */
  notify(mobile: string, params: Record<string, string>, personId: string): Promise<unknown>;
  onNoticeFailure(err: unknown): void;
}

/** What registration hands over when it tells a proven visitor the number has an account. */
export interface ReclaimOpening {
  interactionUid: string;
  personId: string;
  sealed: { name_enc: string; id_number_enc: string; phone_enc: string; phone_bidx: string };
  /** Registration's matching real-name check. */
  evidence: { id: string; kind: ChannelKind; at: Date } | undefined;
}

export interface ReclaimView {
  /** Index of the level the claimant must prove. */
  required: number;
  /** The checks to choose from now (empty: only a counter can reach the level). */
  steps: SelfServiceKind[];
  proven: boolean;
  maskedPhone: string;
}

export type ProveResult = { proven: boolean; reason?: string | null };

export interface CounterReclaim {
  personId?: string | undefined;
  idNumber?: string | undefined;
  /** The name on the document shown, when it differs from the account's. */
  name?: string | undefined;
  newPhone: string;
  /** True when the desk proved the new phone (an SMS code): it then logs in by SMS too. */
  phoneProven?: boolean | undefined;
  operator: string;
  hall: string;
  /** The desk's own reference of the visit (its ticket number). */
  reference: string;
  documentType?: DocumentType | undefined;
  /**
   * Yihao's own counter desk: it checked the card in person and recorded the evidence itself
   * (naming no account yet), so no counter channel is asked; `actor` is the signed-in clerk.
   */
  desk?: { evidenceId: string; actor: string; ip?: string | undefined } | undefined;
}

const facts = (evidence: TicketEvidence[]): EvidenceFact[] => evidence.map((e) => ({ kind: e.kind as ChannelKind, at: new Date(e.at) }));

export class Reclaim {
  readonly #d: ReclaimDeps;

  constructor(deps: ReclaimDeps) {
    this.#d = deps;
  }

  /** Opens the reclaim of `personId` for the visitor of this registration; returns the ticket id. */
  async open(o: ReclaimOpening): Promise<string> {
    const id = randomUUID();
    const evidence = o.evidence ? [{ id: o.evidence.id, kind: o.evidence.kind, at: o.evidence.at.toISOString() }] : [];
    await this.#d.store.insertTicket({ id, interaction_uid: o.interactionUid, person_id: o.personId, ...o.sealed, evidence }, TICKET_TTL_SECONDS);
    return id;
  }

  /**
   * The level to prove: above the account's level and above every earlier reclaim's, and at
   * least the third level of the ladder (face or bank card in the default one): registration's
   * own checks are what the previous holder passed too.
   */
  async requiredLevel(personId: string): Promise<number> {
    const { ladder } = this.#d;
    const top = ladder.levels.length - 1;
    const floor = Math.max(-1, ...(await this.#d.store.levelsOf(personId)).map((id) => indexOfId(ladder, id) ?? top));
    const above = Math.max(await this.#d.levelOf(personId), floor) + 1; // top + 1: nothing reaches it
    return Math.max(above, Math.min(2, top));
  }

  /** The ladder's level at `index` (undefined above the top: nothing reaches it). */
  ladderLevel(index: number) {
    return this.#d.ladder.levels[index];
  }

  async view(ticketId: string, interactionUid: string): Promise<ReclaimView> {
    const t = await this.#live(ticketId, interactionUid);
    return this.#view(t);
  }

  /** One check of the claimant; proven once the evidence gathered reaches the required level. */
  async prove(ticketId: string, interactionUid: string, check: PersonCheck, ip: string): Promise<ProveResult> {
    const t = await this.#live(ticketId, interactionUid);
    if (t.proven_at) return { proven: true };
    const view = await this.#view(t);
    if (view.steps.length === 0) throw new AppError('reclaim.counter_only');
    if (!view.steps.includes(check.kind as SelfServiceKind)) throw new AppError('reclaim.check_not_offered');
    const claimant = this.#claimant(t);
    const th = this.#d.throttle;
    const r = await th.reserve([
      th.key(RECLAIM_LIMITS.perPhone, claimant.mobile), th.key(RECLAIM_LIMITS.perIp, ip), th.key(RECLAIM_LIMITS.perIdNumber, claimant.idNumber),
    ]);
    if (!r.ok) throw throttled('reclaim.rate_limited', r);
    let out: ClaimantOutcome;
    try {
      out = await this.#d.check(claimant, check, { ip, actor: 'reclaim' });
    } catch (e) {
      await r.release(); // an outage or a typo is no failed proof (the attempt stays counted)
      throw e;
    }
    if (out.result !== 'match') {
      await r.fail();
      await this.#d.audit.record({ actor: 'anonymous', action: 'reclaim.check_failed', target: t.person_id, detail: { kind: out.kind, reason: out.reason, ip } });
      return { proven: false, reason: out.reason };
    }
    await r.release();
    const added: TicketEvidence = { id: out.evidenceId, kind: out.kind, at: out.at.toISOString() };
    const achieved = levelIndex(this.#d.ladder, facts([...t.evidence, added]));
    const level = achieved >= view.required ? this.#d.ladder.levels[achieved]!.id : undefined;
    if (!(await this.#d.store.addEvidence(t.id, added, level))) throw new AppError('reclaim.expired');
    await this.#d.audit.record({ actor: 'anonymous', action: 'reclaim.check_passed', target: t.person_id, detail: { kind: out.kind, level: level ?? null, ip } });
    return { proven: level !== undefined };
  }

  /** With the level proven: the new password, and the account is the claimant's. */
  async complete(ticketId: string, interactionUid: string, password: string, ip: string): Promise<{ personId: string }> {
    const t = await this.#live(ticketId, interactionUid);
    if (!t.proven_at || !t.proven_level) throw new AppError('reclaim.not_proven');
    const claimant = this.#claimant(t);
    const weak = checkPasswordStrength(password, [claimant.idNumber, claimant.mobile]);
    if (weak) throw new AppError(weak);
    const proven = indexOfId(this.#d.ladder, t.proven_level) ?? 0;
    const before = await this.#d.levelOf(t.person_id);
    // Again now: the account may have risen since the ticket was opened.
    if (proven < (await this.requiredLevel(t.person_id))) throw new AppError('reclaim.level_too_low');
    const method = t.evidence.at(-1)?.kind ?? 'unknown';
    const previous = await this.#d.persons.get(t.person_id);
    const res = await this.#d.store.takeOver({
      personId: t.person_id, ticketId: t.id, name_enc: t.name_enc, name_bidx: this.#d.persons.nameIndex(claimant.name), phone_enc: t.phone_enc, phone_bidx: t.phone_bidx, phoneProven: true,
      passwordHash: await this.#d.hashPassword(password), statuses: ['active'], above: (levels) => this.#above(levels, proven),
      record: { id: randomUUID(), level: t.proven_level, method },
    });
    await this.#after(res, t.person_id, {
      actor: t.person_id, ip, method, level: t.proven_level, before, evidence: t.evidence.map((e) => e.id),
      nameChanged: previous?.name !== claimant.name, oldPhone: previous?.phone, newPhone: claimant.mobile,
    });
    return { personId: t.person_id };
  }

  /**
   * For the counter desk: the operator checked the person's identity document in person (L4 in
   * the default ladder) and the account moves to `newPhone`. No password is set — the old one
   * stops working and the person sets one with "forgot password" on the new phone. Throws
   * `person.not_found`, `phone.invalid`, `name.invalid`, `reclaim.level_too_low` (the account was
   * reclaimed or verified at that level already), `reclaim.counter_mismatch`, `phone.taken`,
   * `verification.unavailable` (no counter channel could answer).
   */
  async completeAtCounter(input: CounterReclaim): Promise<{ personId: string; level: string; reclaimId: string }> {
    const personId = input.personId ?? (input.idNumber ? await this.#accountOf(input.idNumber) : undefined);
    const person = personId ? await this.#d.persons.get(personId) : undefined;
    if (!personId || !person || !['active', 'disabled'].includes(person.status)) throw new AppError('person.not_found');
    const phone = parsePhone(input.newPhone ?? '');
    if (!phone.ok) throw new AppError('phone.invalid');
    const name = input.name === undefined ? { ok: true as const, value: person.name } : parsePersonName(input.name);
    if (!name.ok) throw new AppError('name.invalid');
    const reaches = await this.#counterReaches(personId);
    const actor = input.desk?.actor ?? `operator:${input.operator}`;
    const evidenceId = input.desk?.evidenceId ?? (await this.#counterChannel(input, { name: name.value, idNumber: person.idNumber, mobile: phone.value }, personId, actor));
    const level = this.#d.ladder.levels[reaches]!.id;
    const before = await this.#d.levelOf(personId);
    const sealed = this.#d.persons.sealFields({ name: name.value, idNumber: person.idNumber, phone: phone.value });
    const reclaimId = randomUUID();
    const res = await this.#d.store.takeOver({
      personId, name_enc: sealed.name_enc, name_bidx: this.#d.persons.nameIndex(name.value), phone_enc: sealed.phone_enc, phone_bidx: sealed.phone_bidx, phoneProven: input.phoneProven === true,
      // A password nobody knows: the person chooses theirs with "forgot password" on the new phone.
      passwordHash: await this.#d.hashPassword(randomBytes(32).toString('base64url')),
      statuses: ['active', 'disabled'], above: (levels) => this.#above(levels, reaches),
      record: { id: reclaimId, level, method: 'counter', operator: input.operator, hall: input.hall, reference: input.reference },
    });
    await this.#after(res, personId, {
      actor, ip: input.desk?.ip, method: 'counter', level, before, evidence: [evidenceId], nameChanged: name.value !== person.name, oldPhone: person.phone, newPhone: phone.value,
      counter: { operator: input.operator, hall: input.hall, reference: input.reference },
    });
    return { personId, level, reclaimId };
  }

  /** Whether a counter check can still reclaim the account (the desk asks before recording a visit). */
  async reachableAtCounter(personId: string): Promise<void> {
    await this.#counterReaches(personId);
  }

  /** The level a counter check reaches; `reclaim.level_too_low` when that is not above the floor. */
  async #counterReaches(personId: string): Promise<number> {
    const at = new Date();
    const reaches = levelIndex(this.#d.ladder, [{ kind: 'counter', at }], at.getTime());
    if (reaches < (await this.requiredLevel(personId))) throw new AppError('reclaim.level_too_low');
    return reaches;
  }

  /** The external counter authority's attestation of the visit; returns the evidence id. */
  async #counterChannel(input: CounterReclaim, claimant: Claimant, personId: string, actor: string): Promise<string> {
    const out = await this.#d.check(claimant,
      { kind: 'counter', attestation: { operatorId: input.operator, officeId: input.hall, documentType: input.documentType ?? 'resident_id_card' } }, { actor });
    if (out.result === 'match') return out.evidenceId;
    await this.#d.audit.record({ actor, action: 'reclaim.check_failed', target: personId, detail: { kind: 'counter', reason: out.reason, hall: input.hall, reference: input.reference } });
    throw new AppError('reclaim.counter_mismatch', 'the counter check did not match', { reason: out.reason });
  }

  sweep(): Promise<number> {
    return this.#d.store.sweep();
  }

  async #after(res: TakeoverResult, personId: string, info: {
    actor: string; ip?: string; method: string; level: string; before: number; evidence: string[]; nameChanged: boolean;
    oldPhone: string | undefined; newPhone: string; counter?: { operator: string; hall: string; reference: string };
  }): Promise<void> {
    if (res.outcome !== 'done') {
      throw new AppError(({ used: 'reclaim.expired', gone: 'reclaim.expired', closing: 'reclaim.expired', floor: 'reclaim.level_too_low', phone_taken: 'phone.taken' } as const)[res.outcome]);
    }
    const d = this.#d;
    d.persons.forget(personId);
    await d.attach(info.evidence, personId);
    // The previous holder's sessions and tokens: every platform is told (back-channel logout).
    const ended = await d.endEverything(personId, { actor: info.actor, ip: info.ip });
    if (info.ip) await d.forgetLoginFailures(personId, info.ip);
    const { oldPhone, newPhone, counter } = info;
    await d.audit.record({
      actor: info.actor, action: 'person.reclaimed', target: personId,
      detail: {
        ip: info.ip, method: info.method, level: info.level, previousLevel: d.ladder.levels[info.before]?.id, nameChanged: info.nameChanged,
        phoneFrom: oldPhone ? maskPhone(oldPhone) : null, phoneTo: maskPhone(newPhone),
        removedFactors: res.factors, suspendedEnterprises: res.enterprises, suspendedDelegations: res.delegations, ended, ...counter,
      },
    });
    // After the takeover: a failed notice must not undo it (it is logged, and audited above).
    if (oldPhone && oldPhone !== newPhone) {
      await d.notify(oldPhone, { level: info.level }, personId).catch((e: unknown) => d.onNoticeFailure(e));
    }
  }

  #above(levels: string[], proven: number): boolean {
    const top = this.#d.ladder.levels.length - 1;
    return levels.every((id) => (indexOfId(this.#d.ladder, id) ?? top) < proven);
  }

  async #view(t: ReclaimTicketRow): Promise<ReclaimView> {
    const required = await this.requiredLevel(t.person_id);
    const plan = planTo(this.#d.ladder, facts(t.evidence), required);
    // Only a plan that reaches at least the required level online; its next group of kinds.
    const next = plan ? plan.missing[0] ?? [] : [];
    const enabled = next.length ? await this.#d.enabledKinds(next) : [];
    return { required, steps: enabled.length ? enabled : next, proven: t.proven_at !== null, maskedPhone: maskPhone(this.#claimant(t).mobile) };
  }

  async #live(ticketId: string, interactionUid: string): Promise<ReclaimTicketRow> {
    const t = await this.#d.store.findLive(ticketId.slice(0, 64), interactionUid);
    if (!t) throw new AppError('reclaim.expired');
    return t;
  }

  #claimant(t: ReclaimTicketRow): Claimant {
    const v = this.#d.persons.unseal(t);
    return { name: v.name, idNumber: v.idNumber, mobile: v.phone };
  }

  async #accountOf(idNumber: string): Promise<string | undefined> {
    const parsed = parseIdNumber(idNumber);
    return parsed.ok ? this.#d.persons.accountOfIdNumber(parsed.value.number) : undefined;
  }
}
