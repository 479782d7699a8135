import { describe, expect, it } from 'vitest';
import { luhnValid } from '../../src/identity/bank-card.ts';
import { computeCreditCheckChar, computeOrgCodeCheckChar, parseCreditCode } from '../../src/identity/credit-code.ts';
import { computeIdCheckChar, parseIdNumber } from '../../src/identity/id-number.ts';
import { fixtures } from './helpers.ts';

// The sandbox validates its fixtures with the identity module's own parsers (fixtures.ts).
const isValidIdNumber = (id: string) => { const r = parseIdNumber(id); return r.ok && r.value.number === id; };
const isValidCreditCode = (code: string) => { const r = parseCreditCode(code); return r.ok && r.value.code === code; };

describe('check characters', () => {
  it('agree with published examples', () => {
    expect(computeIdCheckChar('11010519491231002')).toBe('X');
    expect(isValidIdNumber('11010519491231002X')).toBe(true);
    expect(isValidIdNumber('110105194912310021')).toBe(false);
    expect(computeCreditCheckChar('91350100M000100Y4')).toBe('3');
    expect(computeOrgCodeCheckChar('M000100Y')).toBe('4');
    expect(isValidCreditCode('91350100M000100Y43')).toBe(true);
    expect(isValidCreditCode('91350100M000100Y44')).toBe(false);
    expect(luhnValid('6222021500000000016')).toBe(true);
    expect(luhnValid('6222021500000000017')).toBe(false);
  });
});

describe('sandbox fixtures', () => {
  it('has enough people, enterprises and operators', () => {
    expect(fixtures.people.length).toBeGreaterThanOrEqual(8);
    expect(fixtures.enterprises.length).toBeGreaterThanOrEqual(3);
    expect(fixtures.operators.length).toBeGreaterThanOrEqual(1);
  });

  it.each(fixtures.people.map((p) => [p.name, p] as const))('%s has a valid, consistent ID number', (_name, p) => {
    expect(isValidIdNumber(p.idNumber)).toBe(true);
    const birth = p.idNumber.slice(6, 14);
    const date = new Date(`${birth.slice(0, 4)}-${birth.slice(4, 6)}-${birth.slice(6, 8)}T00:00:00Z`);
    expect(date.toISOString().slice(0, 10).replaceAll('-', '')).toBe(birth); // a real date
    expect(date.getTime()).toBeLessThan(Date.now());
    const sequenceOdd = Number(p.idNumber[16]) % 2 === 1;
    expect(sequenceOdd).toBe(p.gender === 'male');
    for (const card of p.bankCards) expect(luhnValid(card.number)).toBe(true);
    for (const m of [...p.mobiles.map((x) => x.number), ...p.bankCards.map((c) => c.reservedMobile)]) {
      expect(m).toMatch(/^1[3-9]\d{9}$/);
    }
  });

  it.each(fixtures.enterprises.map((e) => [e.name, e] as const))('%s has a valid credit code and a known representative', (_n, e) => {
    expect(isValidCreditCode(e.creditCode)).toBe(true);
    expect(fixtures.people.some((p) => p.idNumber === e.legalRepresentativeIdNumber)).toBe(true);
  });

  it('has no duplicate identifiers or face tokens', () => {
    const unique = (xs: string[]) => new Set(xs).size === xs.length;
    expect(unique(fixtures.people.map((p) => p.idNumber))).toBe(true);
    expect(unique(fixtures.people.map((p) => p.faceToken))).toBe(true);
    expect(unique(fixtures.people.flatMap((p) => p.bankCards.map((c) => c.number)))).toBe(true);
    expect(unique(fixtures.enterprises.map((e) => e.creditCode))).toBe(true);
  });
});
