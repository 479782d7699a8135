/**
 * What a guardian may do for a minor, from the birth date in the ID number, decided at the moment
 * of asking (a token, a userinfo call, a page) — never stored, never swept by a job, so the
 * rights narrow at 14 and end at 18 by themselves.
 *
 * - under 14: the guardian acts for the child at any platform that asks (PIPL art. 31: a child
 *   under 14's data needs the guardian's consent; the civil code makes the guardian the legal
 *   representative).
 * - 14 to 17: the guardian still acts, but not at platforms registered as relying on the minor's
 *   own consent (`minor_own_consent`), and the claim says `minor_14_to_18`, so every platform
 *   can apply its own rules.
 * - 18 and over: guardianship has ended.
 * Birthdays are Chinese calendar dates: a day starts at 00:00 Beijing time (UTC+8, no DST).
 */

export type AgeStage = 'minor_under_14' | 'minor_14_to_18' | 'adult';

export const NARROWS_AT = 14;
export const ENDS_AT = 18;
const CHINA_OFFSET_MS = 8 * 3_600_000;

/** The instant (00:00 Beijing time) the person born on `birthDate` (YYYY-MM-DD) turns `years`; 29 February counts as 1 March in other years. */
export function birthdayAt(birthDate: string, years: number): Date {
  const [y, m, d] = birthDate.split('-').map(Number) as [number, number, number];
  const day = new Date(Date.UTC(y + years, m - 1, d));
  // Date.UTC rolls 29 February over to 1 March in a common year, which is the rule we want.
  return new Date(day.getTime() - CHINA_OFFSET_MS);
}

export function ageOn(birthDate: string, now: Date = new Date()): number {
  const [y] = birthDate.split('-').map(Number) as [number];
  let age = new Date(now.getTime() + CHINA_OFFSET_MS).getUTCFullYear() - y;
  if (now < birthdayAt(birthDate, age)) age -= 1;
  return Math.max(0, age);
}

export function ageStage(birthDate: string, now: Date = new Date()): AgeStage {
  const age = ageOn(birthDate, now);
  return age < NARROWS_AT ? 'minor_under_14' : age < ENDS_AT ? 'minor_14_to_18' : 'adult';
}

export interface GuardianRight {
  stage: Exclude<AgeStage, 'adult'>;
  /** When the right at this platform ends: the 18th birthday, or the 14th where the minor consents alone. */
  until: Date;
}

/**
 * Whether a guardian may act for a ward born on `birthDate` at a platform, now; undefined when not.
 * `minorOwnConsent`: the platform relies on a 14–17-year-old's own consent.
 */
export function guardianRight(birthDate: string, minorOwnConsent: boolean, now: Date = new Date()): GuardianRight | undefined {
  const stage = ageStage(birthDate, now);
  if (stage === 'adult') return undefined;
  if (stage === 'minor_14_to_18' && minorOwnConsent) return undefined;
  return { stage, until: birthdayAt(birthDate, minorOwnConsent ? NARROWS_AT : ENDS_AT) };
}
