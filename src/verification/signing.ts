/**
 * Request signing shared by the channel client and the sandbox authority (see PROTOCOLS.md).
 * signature = hex(HMAC-SHA256(secret, METHOD \n path \n timestamp \n nonce \n hex(sha256(body))))
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADERS = {
  appId: 'x-app-id',
  timestamp: 'x-timestamp',
  nonce: 'x-nonce',
  signature: 'x-signature',
} as const;

/** Accepted clock skew either way; nonces must be remembered at least this long. */
export const MAX_SKEW_MS = 5 * 60_000;

export interface SignInput {
  method: string;
  /** Path with query string, exactly as sent. */
  path: string;
  /** Unix time in milliseconds, decimal. */
  timestamp: string;
  nonce: string;
  body: string | Uint8Array;
}

export function canonicalString(input: SignInput): string {
  const bodyHash = createHash('sha256').update(input.body).digest('hex');
  return [input.method.toUpperCase(), input.path, input.timestamp, input.nonce, bodyHash].join('\n');
}

export function computeSignature(secret: string, input: SignInput): string {
  return createHmac('sha256', secret).update(canonicalString(input)).digest('hex');
}

export function signatureMatches(secret: string, input: SignInput, signature: string): boolean {
  const expected = Buffer.from(computeSignature(secret, input), 'hex');
  const given = Buffer.from(signature, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Headers for one attempt; each retry must call this again (fresh nonce, fresh timestamp). */
export function signRequest(
  creds: { appId: string; secret: string },
  req: { method: string; path: string; body: string },
  now: number = Date.now(),
): Record<string, string> {
  const input: SignInput = { ...req, timestamp: String(now), nonce: randomBytes(16).toString('hex') };
  return {
    [SIGNATURE_HEADERS.appId]: creds.appId,
    [SIGNATURE_HEADERS.timestamp]: input.timestamp,
    [SIGNATURE_HEADERS.nonce]: input.nonce,
    [SIGNATURE_HEADERS.signature]: computeSignature(creds.secret, input),
  };
}
