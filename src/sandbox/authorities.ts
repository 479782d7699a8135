/**
 * The sandbox's answers per channel kind, over the seeded fixtures. Requests arrive already
 * authenticated and validated against the wire schemas (src/verification/protocol.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import type {
  BankCardRequest,
  BusinessRegistryRequest,
  CarrierRequest,
  ChannelKind,
  ChannelRequests,
  ChannelResponses,
  CounterRequest,
  FaceRequest,
  PopulationRequest,
  SmsRequest,
  SocialSecurityRequest,
} from '../verification/channel.ts';
import type { SandboxFixtures, SandboxPerson } from './fixtures.ts';

/** Similarity at or above which a selfie counts as the same person. */
export const FACE_THRESHOLD = 0.8;
/** A selfie payload containing this marker fails liveness (a "photo of a photo"). */
export const SPOOF_MARKER = 'SPOOF';

export interface SmsMessage {
  mobile: string;
  templateId: string;
  params: Record<string, string>;
  text: string;
  referenceId: string;
  appId: string;
  sentAt: string;
}

export interface Attestation {
  attestationRef: string;
  operatorId: string;
  officeId: string;
  idNumber: string;
  documentType: string;
  at: string;
}

const PREFIX: Record<ChannelKind, string> = {
  population: 'POP',
  face: 'FACE',
  bank_card: 'CARD',
  carrier: 'TEL',
  business_registry: 'BIZ',
  social_security: 'SSN',
  counter: 'CTR',
  sms: 'SMS',
};

const referenceId = (kind: ChannelKind) =>
  `${PREFIX[kind]}${new Date().toISOString().slice(0, 10).replaceAll('-', '')}${randomBytes(6).toString('hex').toUpperCase()}`;

export class SandboxAuthority {
  readonly #fixtures: SandboxFixtures;
  readonly #people: Map<string, SandboxPerson>;
  readonly #sms = new Map<string, SmsMessage>();
  readonly attestations: Attestation[] = [];

  constructor(fixtures: SandboxFixtures) {
    this.#fixtures = fixtures;
    this.#people = new Map(fixtures.people.map((p) => [p.idNumber, p]));
  }

  handle<K extends ChannelKind>(kind: K, request: ChannelRequests[K], appId: string): ChannelResponses[K] {
    const handlers: { [P in ChannelKind]: (req: ChannelRequests[P]) => ChannelResponses[P] } = {
      population: (r) => this.#population(r),
      face: (r) => this.#face(r),
      bank_card: (r) => this.#bankCard(r),
      carrier: (r) => this.#carrier(r),
      business_registry: (r) => this.#businessRegistry(r),
      social_security: (r) => this.#socialSecurity(r),
      counter: (r) => this.#counter(r),
      sms: (r) => this.#smsSend(r, appId),
    };
    return (handlers[kind] as (req: ChannelRequests[K]) => ChannelResponses[K])(request);
  }

  lastSms(mobile: string): SmsMessage | undefined {
    return this.#sms.get(mobile);
  }

  reset(): void {
    this.#sms.clear();
    this.attestations.length = 0;
  }

  /** The person with this ID number and exactly this name, or why not. */
  #lookup(name: string, idNumber: string): { person: SandboxPerson } | { reason: 'not_found' | 'inconsistent' } {
    const person = this.#people.get(idNumber);
    if (!person) return { reason: 'not_found' };
    return person.name === name ? { person } : { reason: 'inconsistent' };
  }

  #population(r: PopulationRequest): ChannelResponses['population'] {
    const found = this.#lookup(r.name, r.idNumber);
    return 'person' in found
      ? { result: 'match', referenceId: referenceId('population') }
      : { result: 'mismatch', referenceId: referenceId('population'), reason: found.reason };
  }

  #face(r: FaceRequest): ChannelResponses['face'] {
    const payload = Buffer.from(r.image, 'base64').toString('latin1');
    const liveness = payload.includes(SPOOF_MARKER) ? 'fail' : 'pass';
    const found = this.#lookup(r.name, r.idNumber);
    // Deterministic per image, so that repeated calls agree.
    const jitter = createHash('sha256').update(payload).digest().readUInt16BE(0) / 65_536;
    const same = 'person' in found && payload.includes(found.person.faceToken);
    const similarity = Math.round((same ? 0.9 + jitter * 0.09 : 0.1 + jitter * 0.3) * 1000) / 1000;
    const match = same && liveness === 'pass' && similarity >= FACE_THRESHOLD;
    const reason = 'reason' in found ? found.reason : !same ? 'face_mismatch' : liveness === 'fail' ? 'liveness_failed' : undefined;
    return { result: match ? 'match' : 'mismatch', referenceId: referenceId('face'), similarity, liveness, reason };
  }

  #bankCard(r: BankCardRequest): ChannelResponses['bank_card'] {
    const found = this.#lookup(r.name, r.idNumber);
    const card = 'person' in found ? found.person.bankCards.find((c) => c.number === r.cardNumber) : undefined;
    const match = card !== undefined && card.reservedMobile === r.mobile;
    return match
      ? { result: 'match', referenceId: referenceId('bank_card') }
      : { result: 'mismatch', referenceId: referenceId('bank_card'), reason: 'reason' in found ? found.reason : 'inconsistent' };
  }

  #carrier(r: CarrierRequest): ChannelResponses['carrier'] {
    const found = this.#lookup(r.name, r.idNumber);
    const match = 'person' in found && found.person.mobiles.some((m) => m.number === r.mobile);
    return match
      ? { result: 'match', referenceId: referenceId('carrier') }
      : { result: 'mismatch', referenceId: referenceId('carrier'), reason: 'reason' in found ? found.reason : 'inconsistent' };
  }

  #businessRegistry(r: BusinessRegistryRequest): ChannelResponses['business_registry'] {
    const enterprise = this.#fixtures.enterprises.find((e) => e.creditCode === r.creditCode);
    const rep = enterprise && this.#people.get(enterprise.legalRepresentativeIdNumber);
    if (!enterprise || !rep) {
      return { result: 'mismatch', referenceId: referenceId('business_registry'), reason: 'not_found', registered: null };
    }
    const registered = { enterpriseName: enterprise.name, legalRepresentativeName: rep.name, status: enterprise.status };
    const consistent =
      enterprise.name === r.enterpriseName && rep.name === r.legalRepName && rep.idNumber === r.legalRepIdNumber;
    const reason = !consistent ? 'inconsistent' : enterprise.status !== 'active' ? 'not_active' : undefined;
    return { result: reason ? 'mismatch' : 'match', referenceId: referenceId('business_registry'), reason, registered };
  }

  #socialSecurity(r: SocialSecurityRequest): ChannelResponses['social_security'] {
    const found = this.#lookup(r.name, r.idNumber);
    return 'person' in found
      ? { result: 'match', referenceId: referenceId('social_security'), insuredStatus: found.person.insuredStatus }
      : { result: 'mismatch', referenceId: referenceId('social_security'), reason: found.reason, insuredStatus: null };
  }

  #counter(r: CounterRequest): ChannelResponses['counter'] {
    const operator = this.#fixtures.operators.find((o) => o.operatorId === r.operatorId && o.officeId === r.officeId);
    if (!operator) {
      return { result: 'mismatch', referenceId: referenceId('counter'), reason: 'operator_unknown', attestationRef: null };
    }
    const found = this.#lookup(r.name, r.idNumber);
    if ('reason' in found) {
      return { result: 'mismatch', referenceId: referenceId('counter'), reason: found.reason, attestationRef: null };
    }
    const attestationRef = `ATT-${randomBytes(8).toString('hex').toUpperCase()}`;
    this.attestations.push({ attestationRef, ...r, at: new Date().toISOString() });
    return { result: 'match', referenceId: referenceId('counter'), attestationRef };
  }

  #smsSend(r: SmsRequest, appId: string): ChannelResponses['sms'] {
    const ref = referenceId('sms');
    const text = r.params.code
      ? `【一号】您的验证码是${r.params.code}，5分钟内有效，请勿泄露。`
      : `【一号】${r.templateId} ${JSON.stringify(r.params)}`;
    this.#sms.set(r.mobile, { ...r, text, referenceId: ref, appId, sentAt: new Date().toISOString() });
    return { result: 'match', referenceId: ref };
  }
}
