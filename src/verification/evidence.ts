/**
 * Evidence: one record per channel attempt (successful or not). It says what was checked by
 * field name, keyed hash and mask, never by raw value: ID numbers are sensitive personal
 * information (PIPL art. 28) and evidence is kept for years.
 */
import { createHmac } from 'node:crypto';
import type { ChannelKind, ChannelRequests } from './channel.ts';

export type EvidenceResult = 'match' | 'mismatch' | 'error';

export interface CheckedField {
  field: string;
  /** Keyed hash (blind index) of the value: lets us prove later which value was checked. */
  hash: string;
  /** Human-readable masked value, e.g. 1101**********002X. */
  masked: string;
}

export interface EvidenceRecord {
  id: string;
  channelId: string;
  kind: ChannelKind;
  checked: CheckedField[];
  result: EvidenceResult;
  /** AppError code when result is 'error'. */
  errorCode: string | null;
  /** Reference from the authority, when it answered. */
  authorityRef: string | null;
  /** ISO 8601, when the attempt started. */
  at: string;
  latencyMs: number;
  subjectPersonId: string | null;
  /** Who initiated the check (the person themself, an operator, an admin), if known. */
  actor: string | null;
}

export interface EvidenceSink {
  record(evidence: EvidenceRecord): Promise<void>;
}

/** Keyed hash, injected so that the key stays in the crypto module. */
export type ValueHasher = (value: string) => string;

export const hmacHasher =
  (key: string | Buffer): ValueHasher =>
  (value) =>
    createHmac('sha256', key).update(value, 'utf8').digest('hex');

export class MemoryEvidenceSink implements EvidenceSink {
  readonly records: EvidenceRecord[] = [];
  async record(evidence: EvidenceRecord): Promise<void> {
    this.records.push(evidence);
  }
  clear(): void {
    this.records.length = 0;
  }
}

const chars = (v: string) => Array.from(v);
const keepEnds = (v: string, head: number, tail: number): string => {
  const c = chars(v);
  if (c.length <= head + tail) return '*'.repeat(c.length);
  return c.slice(0, head).join('') + '*'.repeat(c.length - head - tail) + c.slice(-tail).join('');
};

export const mask = {
  idNumber: (v: string) => keepEnds(v, 4, 4),
  name: (v: string) => (chars(v).length <= 1 ? '*' : chars(v)[0] + '*'.repeat(chars(v).length - 1)),
  mobile: (v: string) => keepEnds(v, 3, 4),
  cardNumber: (v: string) => keepEnds(v, 6, 4),
  /** Public registry data (credit codes, enterprise names) and our own ids need no mask. */
  none: (v: string) => v,
  image: (v: string) => `[image, ${Buffer.byteLength(v, 'base64')} bytes]`,
} as const;

type Masker = (v: string) => string;

/** Which request fields are evidence, and how each is masked. SMS params (the code) are never kept. */
const FIELDS: { [K in ChannelKind]: { [F in keyof ChannelRequests[K]]?: Masker } } = {
  population: { name: mask.name, idNumber: mask.idNumber },
  face: { name: mask.name, idNumber: mask.idNumber, image: mask.image },
  bank_card: { name: mask.name, idNumber: mask.idNumber, cardNumber: mask.cardNumber, mobile: mask.mobile },
  carrier: { name: mask.name, idNumber: mask.idNumber, mobile: mask.mobile },
  business_registry: {
    creditCode: mask.none,
    enterpriseName: mask.none,
    legalRepName: mask.name,
    legalRepIdNumber: mask.idNumber,
  },
  social_security: { name: mask.name, idNumber: mask.idNumber },
  counter: { operatorId: mask.none, officeId: mask.none, name: mask.name, idNumber: mask.idNumber, documentType: mask.none },
  sms: { mobile: mask.mobile, templateId: mask.none },
};

export function describeChecked<K extends ChannelKind>(
  kind: K,
  request: ChannelRequests[K],
  hash: ValueHasher,
): CheckedField[] {
  const fields = FIELDS[kind] as Record<string, Masker | undefined>;
  const values = request as unknown as Record<string, unknown>;
  const out: CheckedField[] = [];
  for (const [field, masker] of Object.entries(fields)) {
    const value = values[field];
    if (masker && typeof value === 'string') out.push({ field, hash: hash(value), masked: masker(value) });
  }
  return out;
}
