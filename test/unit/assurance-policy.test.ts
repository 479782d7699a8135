import { describe, expect, it } from 'vitest';
import { errors } from 'oidc-provider';
import { platformFloor, requiredLevel, requirement } from '../../src/oidc/assurance-policy.ts';
import { parseLadder } from '../../src/verification/assurance-ladder.ts';

const LOA = (n: number) => `urn:yihao:loa:${n}`;
const ladder = parseLadder({
  levels: [1, 2, 3, 4].map((n) => ({
    id: `L${n}`,
    acr: LOA(n),
    name: { 'zh-CN': `${n}`, en: `${n}` },
    requires: n === 1 ? [] : [{ anyOf: [{ kind: 'population', validDays: 365 }] }],
  })),
});
const L3_PLATFORM = { default_acr_values: [LOA(3)] };
const essential = (values: string[]) => JSON.stringify({ id_token: { acr: { essential: true, values } } });

describe('the platform floor', () => {
  it('is minimum_acr or the lowest of default_acr_values, whichever is higher; 0 without either', () => {
    expect(platformFloor(ladder, {}).level).toBe(0);
    expect(platformFloor(ladder, L3_PLATFORM).level).toBe(2);
    expect(platformFloor(ladder, { default_acr_values: [LOA(4), LOA(2)] }).level).toBe(1);
    expect(platformFloor(ladder, { minimum_acr: LOA(2) }).level).toBe(1);
    expect(platformFloor(ladder, { minimum_acr: LOA(2), default_acr_values: [LOA(3)] }).level).toBe(2);
    expect(platformFloor(ladder, { minimum_acr: LOA(4), default_acr_values: [LOA(3)] }).level).toBe(3);
  });

  it('no request lowers it: lower, unknown or no acr_values, or a lower essential acr', () => {
    for (const acr_values of [LOA(1), 'anything', `${LOA(1)} anything`, LOA(2), undefined]) {
      expect(requiredLevel(ladder, { acr_values }, L3_PLATFORM)).toBe(2);
      expect(requiredLevel(ladder, { acr_values }, { minimum_acr: LOA(3) })).toBe(2);
    }
    expect(requiredLevel(ladder, { claims: essential([LOA(1)]) }, L3_PLATFORM)).toBe(2);
  });

  it('a request raises it', () => {
    expect(requiredLevel(ladder, { acr_values: LOA(4) }, L3_PLATFORM)).toBe(3);
    expect(requiredLevel(ladder, { acr_values: `garbage ${LOA(4)}` }, { minimum_acr: LOA(2) })).toBe(3);
    expect(requiredLevel(ladder, { claims: essential([LOA(4)]) }, L3_PLATFORM)).toBe(3);
  });

  it('without a floor the request decides; an essential acr naming no level of ours is refused', () => {
    expect(requiredLevel(ladder, { acr_values: 'anything' })).toBe(0);
    expect(requiredLevel(ladder, { acr_values: `${LOA(3)} ${LOA(2)}` })).toBe(1);
    expect(() => requiredLevel(ladder, { claims: essential(['urn:other']) }, L3_PLATFORM)).toThrow(errors.UnmetAuthenticationRequirements);
  });
});

describe('strength in the requirement', () => {
  it('takes minimum_aal and strengths named in acr values as floors no request lowers', () => {
    expect(platformFloor(ladder, { minimum_aal: 2 })).toEqual({ level: 0, aal: 2, strengthNamed: true });
    expect(platformFloor(ladder, { minimum_acr: `${LOA(3)}:aal:2` })).toEqual({ level: 2, aal: 2, strengthNamed: true });
    expect(requirement(ladder, { acr_values: 'urn:yihao:aal:1' }, { minimum_aal: 3 })).toMatchObject({ aal: 3 });
    expect(requirement(ladder, { acr_values: `${LOA(2)}:aal:2` }, {})).toEqual({ level: 1, aal: 2, strengthNamed: true });
    // "any of these": the lowest of each dimension among the values known.
    expect(requirement(ladder, { acr_values: `${LOA(3)}:aal:2 ${LOA(2)} junk` }, {})).toEqual({ level: 1, aal: 0, strengthNamed: true });
    expect(requirement(ladder, { acr_values: LOA(2) }, {})).toEqual({ level: 1, aal: 0, strengthNamed: false });
  });
});
