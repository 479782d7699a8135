/**
 * The counter desk (窗口): a counter operator checks a citizen in person, the ID card in hand, and
 * then records L4 evidence, confirms an enterprise representative's claim, or hands a squatted ID
 * number to the reclaim flow. Every act names the operator, the hall and the reference, must be
 * backed by a card whose number is the account's own, and is audited with address and browser.
 * Lookups by ID number are throttled per operator and each one audited: a clerk's login must not
 * be a free ID-number oracle. Knows nothing of HTTP.
 */
import { randomUUID } from 'node:crypto';
import type { Audit } from '../audit/audit.ts';
import { throttled, type Limit, type Throttle } from '../authn/throttle.ts';
import type { FieldCrypto } from '../crypto/field-crypto.ts';
import { AppError } from '../errors.ts';
import type { CounterAct, CounterCheckRow, CounterCheckStore } from '../store/counter-checks.ts';
import type { EvidenceWrite } from '../store/verification-evidence.ts';
import { describeChecked, mask } from '../verification/evidence.ts';
import type { ChannelRequests, DocumentType } from '../verification/channel.ts';
import { checkReference, type Halls } from './counter-halls.ts';
import type { EnterpriseService } from './enterprises.ts';
import { maskIdNumber, parseIdNumber } from './id-number.ts';
import type { Person, PersonService } from './persons.ts';
import { parsePhone } from './phone.ts';

/** The signed-in operator as the desk needs them (the console's AdminPrincipal, kind person). */
export interface DeskOperator {
  personId: string;
  roles: ReadonlySet<string>;
  ip: string;
  userAgent?: string | undefined;
}

/** What every act records besides its subject: the card in hand, the hall and the reference. */
export interface CardPresented {
  cardNumber: string;
  documentType: string;
  /** The card reader's raw output, when a reader was used (kept only as a keyed hash). */
  readerPayload?: string | undefined;
  hall: string;
  reference: string;
  /** A reclaim only: the real holder's phone, which the account moves to. */
  newPhone?: string | undefined;
}

/**
 * The desk's way into the reclaim flow (src/identity/reclaim.ts, wired in container-desk.ts): the
 * desk has checked the real holder of the ID number in person; the reclaim flow takes it over.
 * The evidence names no account yet (the squatter's account must not rise to L4): the reclaim
 * flow attaches it (EvidenceStore.attach) once the account is the claimant's.
 */
export interface CounterReclaim {
  /** Throws when no counter check can reclaim the account any more (after an L4 reclaim). */
  reachable(personId: string): Promise<void>;
  startAtCounter(input: {
    personId: string; checkId: string; evidenceId: string; operator: string; hall: string; reference: string; newPhone: string;
    ip: string; userAgent?: string | undefined;
  }): Promise<{ reclaimId: string }>;
}

export interface DeskCitizen {
  personId: string;
  name: string;
  idNumber: string;
  status: string;
  level: { id: string; name: { 'zh-CN': string; en: string } };
  pendingClaims: Array<{ id: string; creditCode: string; enterpriseName: string; claimedAt: Date }>;
}

export interface CounterCheckView {
  id: string;
  personId: string;
  act: CounterAct;
  operator: string;
  hall: string;
  reference: string;
  documentType: string;
  /** Masked, never the number. */
  card: string;
  at: Date;
}

export interface CounterDeskDeps {
  store: CounterCheckStore;
  persons: PersonService;
  enterprises: EnterpriseService;
  evidence: { record(e: EvidenceWrite): Promise<void> };
  /** Keyed hash of checked values, as evidence records them (container-verification.ts). */
  evidenceHash: (value: string) => string;
  levelOf(personId: string): Promise<{ level: DeskCitizen['level'] }>;
  audit: Audit;
  throttle: Throttle;
  crypto: FieldCrypto;
  halls: Halls;
  reclaim: CounterReclaim;
}

/** Per operator. A busy hall sees a few hundred visitors a day; a clerk sees a fraction of them. */
export const DESK_LIMITS = {
  lookupsPerHour: { name: 'counter-lookup-hour', max: 60, windowSeconds: 3600 },
  lookupsPerDay: { name: 'counter-lookup-day', max: 300, windowSeconds: 86_400 },
  actsPerHour: { name: 'counter-act-hour', max: 120, windowSeconds: 3600 },
} as const satisfies Record<string, Limit>;

/** Documents that bear the citizen ID number (a passport's number is not it). */
export const DESK_DOCUMENTS = ['resident_id_card', 'residence_permit', 'permanent_residence_card'] as const satisfies readonly DocumentType[];
export const MAX_READER_PAYLOAD = 8192;
const CARD_CONTEXT = 'counter.card_number';
const PAYLOAD_CONTEXT = 'counter.reader_payload';
/** The evidence's channel id: the desk is its own authority, not a configured channel. */
export const DESK_CHANNEL_ID = 'counter-desk';

export class CounterDesk {
  constructor(private readonly deps: CounterDeskDeps) {}

  get halls(): Halls { return this.deps.halls; }

  /** Finds the account of an ID number (exact, by blind index). Throttled and audited. */
  async lookup(op: DeskOperator, idNumberText: string): Promise<DeskCitizen | undefined> {
    this.#operator(op);
    const { lookupsPerHour, lookupsPerDay } = DESK_LIMITS;
    const t = this.deps.throttle;
    const r = await t.reserve([t.key(lookupsPerHour, op.personId), t.key(lookupsPerDay, op.personId)]);
    if (!r.ok) {
      await this.#audit(op, 'counter.lookup_refused', undefined, { retryAfterSeconds: r.retryAfterSeconds });
      throw throttled('counter.rate_limited', r);
    }
    await r.release();
    const parsed = parseIdNumber(idNumberText ?? '');
    const row = parsed.ok ? await this.deps.persons.findForLogin({ kind: 'id_number', value: parsed.value.number }) : undefined;
    const person = row ? await this.deps.persons.get(row.person.id) : undefined;
    await this.#audit(op, 'counter.lookup', person?.id, { found: Boolean(person), ...(parsed.ok ? {} : { invalid: parsed.code }) });
    if (!parsed.ok) throw new AppError(parsed.code);
    return person ? this.citizen(person.id) : undefined;
  }

  /** The masked view of an account the desk works on. */
  async citizen(personId: string): Promise<DeskCitizen | undefined> {
    const person = await this.deps.persons.get(personId);
    if (!person || person.status === 'closed') return undefined;
    const [claims, status] = await Promise.all([this.deps.enterprises.claimsOf(personId), this.deps.levelOf(personId)]);
    const pendingClaims = await Promise.all(claims.filter((c) => c.status === 'pending').map(async (c) => ({
      id: c.id, creditCode: c.credit_code, claimedAt: c.created_at,
      enterpriseName: (await this.deps.enterprises.findById(c.enterprise_id))?.name ?? c.claimed_name,
    })));
    return {
      personId, name: mask.name(person.name), idNumber: maskIdNumber(person.idNumber), status: person.status,
      level: { id: status.level.id, name: status.level.name }, pendingClaims,
    };
  }

  /** The in-person identity check: L4 evidence (kind `counter`) for the account. */
  async recordIdentity(op: DeskOperator, personId: string, card: CardPresented): Promise<{ check: CounterCheckView; level: DeskCitizen['level'] }> {
    const given = await this.#prepare(op, card);
    const person = await this.#subject(op, personId, given, 'identity');
    const evidenceId = await this.#evidence(op, person, given, person.id);
    const row = await this.#insert(op, person.id, 'identity', given, { evidence_id: evidenceId });
    await this.#audit(op, 'counter.identity_checked', person.id, { check: row.id, evidence: evidenceId, ...this.#place(given) });
    return { check: this.#view(row), level: (await this.deps.levelOf(person.id)).level };
  }

  /** Confirms a pending legal-representative claim, the claimant's card in hand. */
  async confirmRepresentative(op: DeskOperator, claimId: string, card: CardPresented): Promise<{ check: CounterCheckView; representativeChanged: boolean; suspendedDelegations: string[] }> {
    const given = await this.#prepare(op, card);
    const claim = await this.deps.enterprises.findClaim(claimId);
    if (!claim) throw new AppError('enterprise.claim_not_found');
    if (claim.status !== 'pending') throw new AppError('enterprise.claim_decided');
    const person = await this.#subject(op, claim.person_id, given, 'enterprise_representative');
    // Decided in one transaction that re-reads the claim as pending: of two clerks, one wins.
    const decision = await this.deps.enterprises.verifyClaim(claimId, `person:${op.personId}`, given.reference);
    const row = await this.#insert(op, person.id, 'enterprise_representative', given, { claim_id: claimId });
    await this.#audit(op, 'counter.representative_confirmed', person.id, {
      check: row.id, claim: claimId, enterprise: claim.enterprise_id, ...this.#place(given),
      representativeChanged: decision.representativeChanged, suspendedDelegations: decision.suspendedDelegations,
    });
    return { check: this.#view(row), representativeChanged: decision.representativeChanged, suspendedDelegations: decision.suspendedDelegations };
  }

  /**
   * The real holder of a squatted ID number at the counter: the check is recorded and handed to
   * the reclaim flow. Refused before anything is recorded while that flow is not wired in.
   */
  async startReclaim(op: DeskOperator, personId: string, card: CardPresented): Promise<{ check: CounterCheckView; reclaimId: string }> {
    const { reclaim } = this.deps;
    const given = await this.#prepare(op, card);
    const newPhone = parsePhone(card.newPhone ?? '');
    if (!newPhone.ok) throw new AppError('phone.invalid');
    const person = await this.#subject(op, personId, given, 'reclaim');
    // Refused before the visit is recorded as a reclaim: nothing would come of it.
    await reclaim.reachable(person.id);
    const evidenceId = await this.#evidence(op, person, given, null);
    const row = await this.#insert(op, person.id, 'reclaim', given, { evidence_id: evidenceId });
    const place = this.#place(given);
    try {
      const { reclaimId } = await reclaim.startAtCounter({
        personId: person.id, checkId: row.id, evidenceId, operator: `person:${op.personId}`, hall: given.hall, reference: given.reference, newPhone: newPhone.value,
        ip: op.ip, userAgent: op.userAgent,
      });
      await this.#audit(op, 'counter.reclaim_started', person.id, { check: row.id, evidence: evidenceId, reclaim: reclaimId, ...place });
      return { check: this.#view(row), reclaimId };
    } catch (e) {
      await this.#audit(op, 'counter.reclaim_refused', person.id, { check: row.id, evidence: evidenceId, ...place, error: e instanceof AppError ? e.code : 'internal' });
      throw e;
    }
  }

  /** The claimant of a representative claim (the desk's page shows them again after an error). */
  async claimantOf(claimId: string): Promise<string | undefined> {
    return (await this.deps.enterprises.findClaim(claimId))?.person_id;
  }

  async check(checkId: string): Promise<CounterCheckView | undefined> {
    const row = await this.deps.store.findById(checkId);
    return row && this.#view(row);
  }

  /** A person's counter visits for their own account page. */
  async history(personId: string): Promise<CounterCheckView[]> {
    return (await this.deps.store.listOf(personId)).map((r) => this.#view(r));
  }

  /** Re-seals card numbers sealed under a retired field key (`reencrypt`). Returns how many. */
  async resealStale(batch = 500): Promise<number> {
    const { crypto, store } = this.deps;
    let n = 0;
    for (;;) {
      const rows = await store.staleBatch(crypto.currentKeyId, batch);
      if (rows.length === 0) return n;
      for (const row of rows) {
        const card = crypto.decrypt(row.card_number_enc, CARD_CONTEXT);
        await store.reseal(row.id, { card_number_enc: crypto.encrypt(card, CARD_CONTEXT), card_number_bidx: crypto.blindIndex(card, CARD_CONTEXT) });
        n += 1;
      }
    }
  }

  #operator(op: DeskOperator): void {
    if (!op.roles.has('counter_operator')) throw new AppError('admin.role_required', 'the counter operator role is required');
  }

  /** Validates what the operator typed, then counts the act against the operator's limit. */
  async #prepare(op: DeskOperator, card: CardPresented): Promise<CardPresented & { documentType: DocumentType; cardNumber: string }> {
    this.#operator(op);
    const operator = await this.deps.persons.get(op.personId);
    if (!operator || operator.status !== 'active') throw new AppError('counter.operator_required', 'the operator account is not active');
    const hall = this.deps.halls.check(card.hall);
    const reference = checkReference(card.reference);
    if (!(DESK_DOCUMENTS as readonly string[]).includes(card.documentType)) throw new AppError('counter.document_type_invalid');
    const parsed = parseIdNumber(card.cardNumber ?? '');
    if (!parsed.ok) throw new AppError(parsed.code);
    const readerPayload = card.readerPayload?.trim() || undefined;
    if (readerPayload && readerPayload.length > MAX_READER_PAYLOAD) throw new AppError('counter.reader_payload_too_large');
    const t = this.deps.throttle;
    const r = await t.reserve([t.key(DESK_LIMITS.actsPerHour, op.personId)]);
    if (!r.ok) throw throttled('counter.rate_limited', r);
    await r.release();
    return { cardNumber: parsed.value.number, documentType: card.documentType as DocumentType, readerPayload, hall, reference };
  }

  /** The act's subject: an open account, not the operator's, and the card presented is theirs. */
  async #subject(op: DeskOperator, personId: string, card: CardPresented, act: CounterAct): Promise<Person> {
    const person = await this.deps.persons.get(personId);
    // A reclaim may give back an account the squatter's conduct got disabled; nothing else may.
    if (!person || !(person.status === 'active' || (act === 'reclaim' && person.status === 'disabled'))) throw new AppError('counter.person_not_found');
    if (person.id === op.personId) throw new AppError('counter.self_check', 'an operator cannot act on their own account');
    if (card.cardNumber !== person.idNumber) {
      await this.#audit(op, 'counter.card_mismatch', person.id, { act, ...this.#place(card) });
      throw new AppError('counter.card_mismatch');
    }
    return person;
  }

  async #evidence(op: DeskOperator, person: Person, card: CardPresented & { documentType: DocumentType }, subject: string | null): Promise<string> {
    const request: ChannelRequests['counter'] = { operatorId: op.personId, officeId: card.hall, name: person.name, idNumber: card.cardNumber, documentType: card.documentType };
    const id = randomUUID();
    await this.deps.evidence.record({
      id, channelId: DESK_CHANNEL_ID, kind: 'counter', checked: describeChecked('counter', request, this.deps.evidenceHash), result: 'match',
      errorCode: null, authorityRef: card.reference, at: new Date().toISOString(), latencyMs: 0, subjectPersonId: subject, actor: `person:${op.personId}`,
    });
    return id;
  }

  #insert(op: DeskOperator, personId: string, act: CounterAct, card: CardPresented, links: { evidence_id?: string; claim_id?: string }): Promise<CounterCheckRow> {
    const { crypto } = this.deps;
    const payload = card.readerPayload;
    return this.deps.store.insert({
      id: randomUUID(), person_id: personId, act, operator_id: op.personId, hall: card.hall, reference: card.reference, document_type: card.documentType,
      card_number_enc: crypto.encrypt(card.cardNumber, CARD_CONTEXT), card_number_bidx: crypto.blindIndex(card.cardNumber, CARD_CONTEXT),
      reader_payload_hash: payload ? crypto.blindIndex(payload, PAYLOAD_CONTEXT) : null, reader_payload_bytes: payload ? Buffer.byteLength(payload) : null,
      evidence_id: links.evidence_id ?? null, claim_id: links.claim_id ?? null,
    });
  }

  #place(card: CardPresented) {
    return { hall: card.hall, reference: card.reference, documentType: card.documentType, readerPayload: Boolean(card.readerPayload) };
  }

  #audit(op: DeskOperator, action: string, target: string | undefined, detail: Record<string, unknown>): Promise<void> {
    return this.deps.audit.record({
      actor: `person:${op.personId}`, action, ...(target ? { target } : {}),
      detail: { ...detail, ip: op.ip, ...(op.userAgent ? { userAgent: op.userAgent.slice(0, 256) } : {}) },
    });
  }

  #view(row: CounterCheckRow): CounterCheckView {
    const card = row.card_number_enc ? maskIdNumber(this.deps.crypto.decrypt(row.card_number_enc, CARD_CONTEXT)) : '—';
    return {
      id: row.id, personId: row.person_id, act: row.act, operator: `person:${row.operator_id}`, hall: row.hall, reference: row.reference,
      documentType: row.document_type, card, at: new Date(row.created_at),
    };
  }
}
