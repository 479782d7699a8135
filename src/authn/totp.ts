/**
 * TOTP (RFC 6238) as every authenticator app implements it: SHA-1, 6 digits, 30-second steps.
 * A code of the step before or after the current one is accepted (clocks drift, people type
 * slowly); which step matched is returned so that the caller can accept each step once.
 */
import { generateSecret, generateSync, generateURI, verifySync } from 'otplib';

export const TOTP = { period: 30, digits: 6, toleranceSteps: 1 } as const;

/** How long a used step must stay remembered: until no clock within the tolerance accepts it. */
export const STEP_MEMORY_SECONDS = (2 * TOTP.toleranceSteps + 2) * TOTP.period;

/** A new random secret, base32 (160 bits, as RFC 4226 recommends). */
export const newTotpSecret = (): string => generateSecret({ length: 20 });

/** The otpauth:// URI authenticator apps read from a QR code. */
export function totpUri(secret: string, issuer: string, label: string): string {
  return generateURI({ issuer, label, secret, algorithm: 'sha1', digits: TOTP.digits, period: TOTP.period });
}

/** The secret as people type it: groups of four. */
export const groupKey = (secret: string): string => secret.replace(/(.{4})(?=.)/g, '$1 ');

/** What people type, without spaces; undefined when it cannot be a code. */
export function normaliseTotpCode(input: string): string | undefined {
  const code = input.replace(/[\s-]/g, '');
  return /^\d{6}$/.test(code) ? code : undefined;
}

/** The code of the step holding `nowMs` (tests and the browser test compute codes with it). */
export const totpCode = (secret: string, nowMs = Date.now()): string =>
  generateSync({ secret, epoch: Math.floor(nowMs / 1000), period: TOTP.period, digits: TOTP.digits, algorithm: 'sha1' });

/** The time step `code` belongs to, within ±toleranceSteps of `nowMs`; undefined when none. */
export function matchingStep(secret: string, input: string, nowMs = Date.now()): number | undefined {
  const token = normaliseTotpCode(input);
  if (!token) return undefined;
  const result = verifySync({
    secret, token, epoch: Math.floor(nowMs / 1000), period: TOTP.period, digits: TOTP.digits, algorithm: 'sha1',
    epochTolerance: TOTP.toleranceSteps * TOTP.period,
  });
  // The TOTP result (otplib's union type also covers HOTP, which has no step).
  return result.valid && 'timeStep' in result && typeof result.timeStep === 'number' ? result.timeStep : undefined;
}
