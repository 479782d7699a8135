/**
 * Authentication strength, a dimension separate from identity assurance (how sure we are of who
 * the person is, verification/assurance-ladder.ts). Strength says how this login was made:
 *   1  one factor (password, or a code to the bound phone, or a one-time password)
 *   2  two factors of different kinds (password + SMS code, password + authenticator app…)
 *   3  phishing-resistant: a passkey with user verification (bound to our origin by the browser)
 * The `amr` values are RFC 8176's: pwd, sms, otp, hwk / swk (passkeys), mfa when two kinds
 * were used. A recovery code is a one-time password the person printed: `otp`.
 *
 * acr values, so a stock OIDC library can ask for either dimension or both with `acr_values`:
 *   <level acr>            identity only, e.g. urn:yihao:loa:3 (the ladder's values)
 *   urn:yihao:aal:<n>      strength only
 *   <level acr>:aal:<n>    both, e.g. urn:yihao:loa:3:aal:2
 * Listing several values means "any of these": each value is a point (level, strength) and the
 * request's minimum is the lowest of each among the values we know. Unknown values are ignored.
 */

export type Aal = 0 | 1 | 2 | 3;
export const MAX_AAL = 3;

export const AAL_PREFIX = 'urn:yihao:aal:';

/** The `amr` value each way of authenticating adds. */
export const AMR = { password: 'pwd', sms: 'sms', otp: 'otp', hardwareKey: 'hwk', softwareKey: 'swk' } as const;

const KNOWLEDGE = new Set(['pwd']);
const POSSESSION = new Set(['sms', 'otp']);
const PHISHING_RESISTANT = new Set(['hwk', 'swk']);

/** The strength a set of amr values reaches. */
export function aalOf(amr: readonly string[] | undefined): Aal {
  const used = new Set(amr ?? []);
  if ([...used].some((m) => PHISHING_RESISTANT.has(m))) return 3;
  const kinds = [...used].filter((m) => KNOWLEDGE.has(m) || POSSESSION.has(m));
  if (kinds.length === 0) return 0;
  return kinds.length >= 2 ? 2 : 1;
}

/** The amr after adding `method` to what the session already did (mfa when two kinds). */
export function addAmr(amr: readonly string[] | undefined, method: string): string[] {
  const methods = [...new Set([...(amr ?? []).filter((m) => m !== 'mfa'), method])];
  return aalOf(methods) >= 2 && methods.length >= 2 ? [...methods, 'mfa'] : methods;
}

/** A point of the acr grammar: an identity level (its index in the ladder) and/or a strength. */
export interface AcrPoint { level?: number; aal?: Aal }

/** Parses one acr value against the ladder's level acr values; undefined when not ours. */
export function parseAcr(levelAcrs: readonly string[], value: unknown): AcrPoint | undefined {
  if (typeof value !== 'string') return undefined;
  const aalOnly = value.startsWith(AAL_PREFIX) ? toAal(value.slice(AAL_PREFIX.length)) : undefined;
  if (aalOnly !== undefined) return { aal: aalOnly };
  const level = levelAcrs.indexOf(value);
  if (level >= 0) return { level };
  const cut = value.lastIndexOf(':aal:');
  if (cut < 0) return undefined;
  const combinedLevel = levelAcrs.indexOf(value.slice(0, cut));
  const aal = toAal(value.slice(cut + ':aal:'.length));
  return combinedLevel >= 0 && aal !== undefined ? { level: combinedLevel, aal } : undefined;
}

function toAal(text: string): Aal | undefined {
  return /^[1-3]$/.test(text) ? (Number(text) as Aal) : undefined;
}

/** The acr value naming what is held, in the form the platform asked in. */
export function acrFor(levelAcr: string, aal: Aal, withStrength: boolean): string {
  return withStrength ? `${levelAcr}:aal:${Math.max(1, aal)}` : levelAcr;
}

/** Every acr value we answer to (discovery's acr_values_supported). */
export function supportedAcrValues(levelAcrs: readonly string[]): string[] {
  const aals = [1, 2, 3];
  return [...levelAcrs, ...aals.map((n) => `${AAL_PREFIX}${n}`), ...levelAcrs.flatMap((l) => aals.map((n) => `${l}:aal:${n}`))];
}
