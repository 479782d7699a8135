import { describe, expect, it } from 'vitest';
import { ageOn, ageStage, birthdayAt, guardianRight } from '../../src/identity/age-rules.ts';

/** An instant given as Beijing wall-clock time. */
const bj = (iso: string) => new Date(`${iso}+08:00`);

describe('age rules for guardians', () => {
  it('counts whole years in Beijing time: the birthday starts at 00:00 UTC+8', () => {
    expect(ageOn('2012-06-15', bj('2026-06-14T23:59:59'))).toBe(13);
    expect(ageOn('2012-06-15', bj('2026-06-15T00:00:00'))).toBe(14);
    // 16:00 UTC on the 14th is already the 15th in Beijing.
    expect(ageOn('2012-06-15', new Date('2026-06-14T16:00:00Z'))).toBe(14);
    expect(ageOn('2012-06-15', new Date('2026-06-14T15:59:59Z'))).toBe(13);
  });

  it('moves a 29 February birthday to 1 March in common years', () => {
    expect(birthdayAt('2008-02-29', 18).toISOString()).toBe(bj('2026-03-01T00:00:00').toISOString());
    expect(ageOn('2008-02-29', bj('2026-02-28T12:00:00'))).toBe(17);
    expect(ageOn('2008-02-29', bj('2026-03-01T00:00:00'))).toBe(18);
    expect(birthdayAt('2008-02-29', 16).toISOString()).toBe(bj('2024-02-29T00:00:00').toISOString());
  });

  it('gives full rights under 14, narrowed rights from 14, none from 18', () => {
    const birth = '2012-06-15';
    expect(ageStage(birth, bj('2026-06-14T12:00:00'))).toBe('minor_under_14');
    expect(ageStage(birth, bj('2026-06-15T00:00:00'))).toBe('minor_14_to_18');
    expect(ageStage(birth, bj('2030-06-14T23:59:59'))).toBe('minor_14_to_18');
    expect(ageStage(birth, bj('2030-06-15T00:00:00'))).toBe('adult');

    // A platform that does not rely on the minor's own consent: the guardian acts until 18.
    expect(guardianRight(birth, false, bj('2020-01-01T00:00:00'))).toEqual({ stage: 'minor_under_14', until: bj('2030-06-15T00:00:00') });
    expect(guardianRight(birth, false, bj('2027-01-01T00:00:00'))).toEqual({ stage: 'minor_14_to_18', until: bj('2030-06-15T00:00:00') });
    expect(guardianRight(birth, false, bj('2030-06-15T00:00:00'))).toBeUndefined();

    // A platform relying on the minor's own consent: the guardian acts only until 14.
    expect(guardianRight(birth, true, bj('2020-01-01T00:00:00'))).toEqual({ stage: 'minor_under_14', until: bj('2026-06-15T00:00:00') });
    expect(guardianRight(birth, true, bj('2026-06-15T00:00:00'))).toBeUndefined();
  });
});
