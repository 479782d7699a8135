/**
 * Wire protocol of each channel kind: path, request and response schemas, idempotency.
 * The client validates answers with these; the sandbox validates requests with them.
 */
import { z } from 'zod';
import type { ChannelKind, ChannelRequests, ChannelResponses } from './channel.ts';

const name = z.string().trim().min(1).max(64);
/** Format only; the check character is the identity module's business. */
const idNumber = z.string().regex(/^\d{17}[\dX]$/);
const mobile = z.string().regex(/^1[3-9]\d{9}$/);
const creditCode = z.string().regex(/^[0-9A-HJ-NPQRTUWXY]{18}$/);
const verdict = z.enum(['match', 'mismatch']);
const referenceId = z.string().min(1).max(128);
const reason = z.string().max(64).optional();

const requests = {
  population: z.object({ name, idNumber }),
  face: z.object({ name, idNumber, image: z.string().min(1).max(3_000_000).regex(/^[A-Za-z0-9+/=\r\n]+$/) }),
  bank_card: z.object({ name, idNumber, cardNumber: z.string().regex(/^\d{12,19}$/), mobile }),
  carrier: z.object({ name, idNumber, mobile }),
  business_registry: z.object({
    creditCode,
    enterpriseName: z.string().trim().min(1).max(128),
    legalRepName: name,
    legalRepIdNumber: idNumber,
  }),
  social_security: z.object({ name, idNumber }),
  counter: z.object({
    operatorId: z.string().min(1).max(64),
    officeId: z.string().min(1).max(64),
    name,
    idNumber,
    documentType: z.enum(['resident_id_card', 'residence_permit', 'passport', 'permanent_residence_card']),
  }),
  sms: z.object({
    mobile,
    templateId: z.string().min(1).max(64),
    params: z.record(z.string(), z.string().max(64)),
  }),
} satisfies { [K in ChannelKind]: z.ZodType<ChannelRequests[K]> };

const answer = { result: verdict, referenceId, reason };
const responses = {
  population: z.object(answer),
  face: z.object({ ...answer, similarity: z.number().min(0).max(1), liveness: z.enum(['pass', 'fail']) }),
  bank_card: z.object(answer),
  carrier: z.object(answer),
  business_registry: z.object({
    ...answer,
    registered: z
      .object({
        enterpriseName: z.string(),
        legalRepresentativeName: z.string(),
        status: z.enum(['active', 'revoked', 'cancelled']),
      })
      .nullable(),
  }),
  social_security: z.object({ ...answer, insuredStatus: z.enum(['active', 'suspended', 'none']).nullable() }),
  counter: z.object({ ...answer, attestationRef: z.string().nullable() }),
  sms: z.object({ result: z.literal('match'), referenceId, reason }),
} satisfies { [K in ChannelKind]: z.ZodType<ChannelResponses[K]> };

export interface KindProtocol<K extends ChannelKind> {
  path: string;
  /** Safe to repeat: checks are queries; sending an SMS twice sends two messages. */
  idempotent: boolean;
  request: z.ZodType<ChannelRequests[K]>;
  response: z.ZodType<ChannelResponses[K]>;
}

export const PROTOCOL: { [K in ChannelKind]: KindProtocol<K> } = {
  population: { path: '/v1/population/verify', idempotent: true, request: requests.population, response: responses.population },
  face: { path: '/v1/face/compare', idempotent: true, request: requests.face, response: responses.face },
  bank_card: { path: '/v1/bank-card/verify', idempotent: true, request: requests.bank_card, response: responses.bank_card },
  carrier: { path: '/v1/carrier/verify', idempotent: true, request: requests.carrier, response: responses.carrier },
  business_registry: {
    path: '/v1/business-registry/verify',
    idempotent: true,
    request: requests.business_registry,
    response: responses.business_registry,
  },
  social_security: {
    path: '/v1/social-security/query',
    idempotent: true,
    request: requests.social_security,
    response: responses.social_security,
  },
  // An attestation is a write at the authority: a retry after a timeout could record it twice.
  counter: { path: '/v1/counter/attest', idempotent: false, request: requests.counter, response: responses.counter },
  sms: { path: '/v1/sms/send', idempotent: false, request: requests.sms, response: responses.sms },
};

export function kindForPath(path: string): ChannelKind | undefined {
  return (Object.keys(PROTOCOL) as ChannelKind[]).find((k) => PROTOCOL[k].path === path);
}

/** Error body of every non-200 answer. */
export const errorBodySchema = z.object({ error: z.string(), message: z.string().optional() });
