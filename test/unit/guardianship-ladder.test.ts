import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { guardianshipRules, loadLadder, parseLadder } from '../../src/verification/assurance-ladder.ts';

const base = [
  { id: 'A', acr: 'a', name: { 'zh-CN': 'x', en: 'x' }, requires: [] },
  { id: 'B', acr: 'b', name: { 'zh-CN': 'x', en: 'x' }, requires: [{ anyOf: [{ kind: 'population', validDays: 1 }] }] },
  { id: 'C', acr: 'c', name: { 'zh-CN': 'x', en: 'x' }, requires: [{ anyOf: [{ kind: 'face', validDays: 1 }] }] },
];

describe('the ladder\'s guardianship section', () => {
  it('the default ladder: L2 for guardians and proxies, the declaration suffices', () => {
    const ladder = loadLadder(loadConfig({ NODE_ENV: 'test', COOKIE_KEYS: 'k'.repeat(32), FIELD_ENCRYPTION_KEY: Buffer.alloc(32).toString('base64') }).assuranceLadderFile);
    expect(guardianshipRules(ladder)).toEqual({ guardian: 1, proxy: 1, relationshipEvidence: 'declared' });
  });

  it('defaults without the section, reads it, and refuses a level or evidence it does not know', () => {
    expect(guardianshipRules(parseLadder({ levels: base }))).toEqual({ guardian: 1, proxy: 1, relationshipEvidence: 'declared' });
    expect(guardianshipRules(parseLadder({ levels: base, guardianship: { guardianMinimum: 'C', proxyMinimum: 'A', relationshipEvidence: 'counter' } })))
      .toEqual({ guardian: 2, proxy: 0, relationshipEvidence: 'counter' });
    expect(() => parseLadder({ levels: base, guardianship: { guardianMinimum: 'L9', proxyMinimum: 'A', relationshipEvidence: 'declared' } }))
      .toThrow(/guardianship\.guardianMinimum/);
    expect(() => parseLadder({ levels: base, guardianship: { guardianMinimum: 'B', proxyMinimum: 'B', relationshipEvidence: 'household_register' } }))
      .toThrow(/guardianship\.relationshipEvidence/);
  });
});
