import { describe, expect, it } from 'vitest';
import { aalOf, acrFor, addAmr, parseAcr, supportedAcrValues } from '../../src/authn/strength.ts';

const LEVELS = ['urn:yihao:loa:1', 'urn:yihao:loa:2', 'urn:yihao:loa:3', 'urn:yihao:loa:4'];

describe('authentication strength', () => {
  it.each([
    [[], 0], [['pwd'], 1], [['sms'], 1], [['otp'], 1], [['pwd', 'sms'], 2], [['pwd', 'otp', 'mfa'], 2], [['sms', 'otp'], 2],
    [['hwk'], 3], [['swk'], 3], [['pwd', 'hwk'], 3], [['pwd', 'pwd'], 1],
  ] as const)('%j reaches %i', (amr, aal) => {
    expect(aalOf(amr)).toBe(aal);
  });

  it('adds a method to the amr, with mfa once two kinds were used, never twice', () => {
    expect(addAmr(['pwd'], 'sms')).toEqual(['pwd', 'sms', 'mfa']);
    expect(addAmr(['pwd', 'sms', 'mfa'], 'otp')).toEqual(['pwd', 'sms', 'otp', 'mfa']);
    expect(addAmr(['pwd'], 'pwd')).toEqual(['pwd']);
    expect(addAmr(undefined, 'hwk')).toEqual(['hwk']);
  });

  it('parses identity levels, strengths and both, and nothing else', () => {
    expect(parseAcr(LEVELS, 'urn:yihao:loa:3')).toEqual({ level: 2 });
    expect(parseAcr(LEVELS, 'urn:yihao:aal:2')).toEqual({ aal: 2 });
    expect(parseAcr(LEVELS, 'urn:yihao:loa:3:aal:2')).toEqual({ level: 2, aal: 2 });
    for (const bad of ['urn:yihao:aal:4', 'urn:yihao:aal:0', 'urn:yihao:loa:9:aal:2', 'urn:yihao:loa:3:aal:x', 'anything', '', 3, null]) {
      expect(parseAcr(LEVELS, bad)).toBeUndefined();
    }
  });

  it('names what is held in the form asked for', () => {
    expect(acrFor('urn:yihao:loa:2', 1, false)).toBe('urn:yihao:loa:2');
    expect(acrFor('urn:yihao:loa:2', 2, true)).toBe('urn:yihao:loa:2:aal:2');
  });

  it('advertises every value it answers to, each parseable', () => {
    const values = supportedAcrValues(LEVELS);
    expect(values).toHaveLength(4 + 3 + 12);
    for (const v of values) expect(parseAcr(LEVELS, v)).toBeDefined();
  });
});
