/**
 * Verification channels: one authority behind one interface per kind.
 * Wire formats are in protocol.ts (zod) and PROTOCOLS.md; this file holds the types.
 */
import type { BreakerSettings, BreakerState } from './circuit-breaker.ts';

export const CHANNEL_KINDS = [
  'population',
  'face',
  'bank_card',
  'carrier',
  'business_registry',
  'social_security',
  'counter',
  'sms',
] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

/** A definitive answer from the authority. For `sms`, 'match' means "accepted for delivery". */
export type Verdict = 'match' | 'mismatch';

export interface PopulationRequest { name: string; idNumber: string }
export interface FaceRequest { name: string; idNumber: string; /** base64 selfie */ image: string }
export interface BankCardRequest { name: string; idNumber: string; cardNumber: string; mobile: string }
export interface CarrierRequest { name: string; idNumber: string; mobile: string }
export interface BusinessRegistryRequest {
  creditCode: string;
  enterpriseName: string;
  legalRepName: string;
  legalRepIdNumber: string;
}
export interface SocialSecurityRequest { name: string; idNumber: string }
export type DocumentType = 'resident_id_card' | 'residence_permit' | 'passport' | 'permanent_residence_card';
export interface CounterRequest {
  operatorId: string;
  officeId: string;
  name: string;
  idNumber: string;
  documentType: DocumentType;
}
export interface SmsRequest { mobile: string; templateId: string; params: Record<string, string> }

interface Answer {
  result: Verdict;
  /** The authority's reference for this check (its audit key). */
  referenceId: string;
  /** Why a mismatch, in the authority's words (e.g. not_found, inconsistent). */
  reason?: string | undefined;
}
export type PopulationResponse = Answer;
export interface FaceResponse extends Answer { similarity: number; liveness: 'pass' | 'fail' }
export type BankCardResponse = Answer;
export type CarrierResponse = Answer;
export interface BusinessRegistryResponse extends Answer {
  /** What the registry holds for the credit code (public data), null when unknown. */
  registered: { enterpriseName: string; legalRepresentativeName: string; status: 'active' | 'revoked' | 'cancelled' } | null;
}
export type InsuredStatus = 'active' | 'suspended' | 'none';
export interface SocialSecurityResponse extends Answer { insuredStatus: InsuredStatus | null }
export interface CounterResponse extends Answer { attestationRef: string | null }
export interface SmsResponse extends Answer { result: 'match' }

export interface ChannelRequests {
  population: PopulationRequest;
  face: FaceRequest;
  bank_card: BankCardRequest;
  carrier: CarrierRequest;
  business_registry: BusinessRegistryRequest;
  social_security: SocialSecurityRequest;
  counter: CounterRequest;
  sms: SmsRequest;
}
export interface ChannelResponses {
  population: PopulationResponse;
  face: FaceResponse;
  bank_card: BankCardResponse;
  carrier: CarrierResponse;
  business_registry: BusinessRegistryResponse;
  social_security: SocialSecurityResponse;
  counter: CounterResponse;
  sms: SmsResponse;
}

export interface AdapterStatus { breaker: BreakerState; quotaUsedToday: number; inFlight: number }

/** One authority behind one interface. Throws AppError for anything but a definitive answer. */
export interface ChannelAdapter<K extends ChannelKind = ChannelKind> {
  readonly id: string;
  readonly kind: K;
  readonly priority: number;
  call(request: ChannelRequests[K]): Promise<ChannelResponses[K]>;
  status?(): Promise<AdapterStatus>;
  /** The circuit breaker's state now (synchronous, for metrics). */
  breakerState?(): AdapterStatus['breaker'];
}

export interface ChannelConfig {
  id: string;
  kind: ChannelKind;
  name: string;
  baseUrl: string;
  appId: string;
  secret: string;
  /** Lower runs first. */
  priority: number;
  enabled: boolean;
  /** Per HTTP attempt. */
  timeoutMs: number;
  /** Extra attempts after the first, only for idempotent kinds (never sms). */
  maxRetries: number;
  /** Calls per day (China Standard Time); null = unlimited. */
  dailyQuota: number | null;
  maxConcurrency: number;
  breaker: BreakerSettings;
}

/** Stable error codes thrown by adapters (AppError kind 'unavailable'). */
export const CHANNEL_ERROR = {
  timeout: 'verification.channel_timeout',
  network: 'verification.channel_network',
  httpError: 'verification.channel_http_error',
  rejected: 'verification.channel_rejected',
  malformed: 'verification.channel_malformed',
  breakerOpen: 'verification.channel_breaker_open',
  quotaExhausted: 'verification.channel_quota_exhausted',
  busy: 'verification.channel_busy',
} as const;
export const VERIFICATION_UNAVAILABLE = 'verification.unavailable';
export const VERIFICATION_INVALID_REQUEST = 'verification.invalid_request';
