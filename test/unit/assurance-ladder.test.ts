import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import {
  indexOfAcr,
  LadderError,
  levelIndex,
  loadLadder,
  parseLadder,
  planTo,
  registrationChecks,
  representationMinimums,
  type EvidenceFact,
} from '../../src/verification/assurance-ladder.ts';

const ladder = loadLadder(loadConfig({ NODE_ENV: 'test', COOKIE_KEYS: 'k'.repeat(32), FIELD_ENCRYPTION_KEY: Buffer.alloc(32).toString('base64') }).assuranceLadderFile);
const DAY = 86_400_000;
const now = Date.parse('2026-11-23T08:00:00Z');
const fact = (kind: EvidenceFact['kind'], daysAgo: number): EvidenceFact => ({ kind, at: new Date(now - daysAgo * DAY) });
const level = (facts: EvidenceFact[]) => ladder.levels[levelIndex(ladder, facts, now)]!.id;

describe('the default ladder', () => {
  it('names L1–L4 with the urn:yihao:loa acr values', () => {
    expect(ladder.levels.map((l) => [l.id, l.acr])).toEqual([
      ['L1', 'urn:yihao:loa:1'], ['L2', 'urn:yihao:loa:2'], ['L3', 'urn:yihao:loa:3'], ['L4', 'urn:yihao:loa:4'],
    ]);
    expect(indexOfAcr(ladder, 'urn:yihao:loa:3')).toBe(2);
    expect(indexOfAcr(ladder, 'urn:other')).toBeUndefined();
  });

  it('computes the level from matching evidence', () => {
    expect(level([])).toBe('L1');
    expect(level([fact('population', 10)])).toBe('L2');
    expect(level([fact('face', 10)])).toBe('L1'); // face alone proves nothing without the population match
    expect(level([fact('population', 10), fact('face', 10)])).toBe('L3');
    expect(level([fact('population', 10), fact('bank_card', 1)])).toBe('L3');
    expect(level([fact('population', 10), fact('carrier', 1)])).toBe('L2'); // carrier is not an L3 check
    expect(level([fact('carrier', 1)])).toBe('L2'); // name + ID number + phone in one call: as good as the population match
    expect(level([fact('carrier', 1), fact('face', 1)])).toBe('L3');
    expect(level([fact('counter', 100)])).toBe('L4');
  });

  it('lets evidence expire', () => {
    expect(level([fact('population', 1094)])).toBe('L2');
    expect(level([fact('population', 1096)])).toBe('L1');
    expect(level([fact('population', 10), fact('face', 364)])).toBe('L3');
    expect(level([fact('population', 10), fact('face', 366)])).toBe('L2');
    expect(level([fact('population', 10), fact('face', 400), fact('bank_card', 30)])).toBe('L3');
    expect(level([fact('counter', 1826), fact('population', 5)])).toBe('L2');
    expect(level([fact('population', -1)])).toBe('L1'); // evidence from the future counts for nothing
  });

  it('plans the checks a person can run online, and refuses counter-only levels', () => {
    expect(planTo(ladder, [], 1, now)).toEqual({ target: 1, missing: [['population', 'carrier']] });
    expect(planTo(ladder, [], 2, now)).toEqual({ target: 2, missing: [['population', 'carrier'], ['face', 'bank_card']] });
    expect(planTo(ladder, [fact('population', 3)], 2, now)).toEqual({ target: 2, missing: [['face', 'bank_card']] });
    expect(planTo(ladder, [fact('population', 3), fact('face', 3)], 2, now)).toEqual({ target: 2, missing: [] });
    expect(planTo(ladder, [], 3, now)).toBeUndefined();
  });
});

describe('ladder configuration', () => {
  const write = (content: unknown) => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'yh-ladder-')), 'ladder.json');
    writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
    return file;
  };

  it('is read from ASSURANCE_LADDER_FILE: a province with its own levels needs no code change', () => {
    const file = write({
      levels: [
        { id: '二级', acr: 'urn:gd:loa:2', name: { 'zh-CN': '二级', en: 'Level 2' }, requires: [] },
        { id: '三级', acr: 'urn:gd:loa:3', name: { 'zh-CN': '三级', en: 'Level 3' }, requires: [{ anyOf: [{ kind: 'carrier', validDays: 30 }] }] },
      ],
    });
    const config = loadConfig({ NODE_ENV: 'test', COOKIE_KEYS: 'k'.repeat(32), FIELD_ENCRYPTION_KEY: Buffer.alloc(32).toString('base64'), ASSURANCE_LADDER_FILE: file });
    expect(config.assuranceLadderFile).toBe(file);
    const custom = loadLadder(config.assuranceLadderFile);
    expect(custom.levels[levelIndex(custom, [fact('carrier', 29)], now)]!.acr).toBe('urn:gd:loa:3');
    expect(custom.levels[levelIndex(custom, [fact('carrier', 31)], now)]!.acr).toBe('urn:gd:loa:2');
  });

  it('refuses a ladder that is not well formed, saying where', () => {
    expect(() => loadLadder(write('{not json'))).toThrow(LadderError);
    expect(() => parseLadder({ levels: [] })).toThrow(/levels/);
    expect(() => parseLadder({ levels: [{ id: 'L1', acr: 'a', name: { 'zh-CN': 'x', en: 'x' }, requires: [{ anyOf: [{ kind: 'population', validDays: 1 }] }] }] }))
      .toThrow(/first level must require nothing/);
    expect(() => parseLadder({ levels: [
      { id: 'L1', acr: 'a', name: { 'zh-CN': 'x', en: 'x' }, requires: [] },
      { id: 'L2', acr: 'a', name: { 'zh-CN': 'x', en: 'x' }, requires: [{ anyOf: [{ kind: 'telepathy', validDays: 1 }] }] },
    ] })).toThrow(/levels\.1\.requires\.0\.anyOf\.0\.kind/);
    expect(() => parseLadder({ levels: [
      { id: 'L1', acr: 'a', name: { 'zh-CN': 'x', en: 'x' }, requires: [] },
      { id: 'L2', acr: 'a', name: { 'zh-CN': 'x', en: 'x' }, requires: [] },
    ] })).toThrow(/acr values must be unique/);
  });
});

describe('registration and representation settings of the ladder', () => {
  const base = [
    { id: 'A', acr: 'a', name: { 'zh-CN': 'x', en: 'x' }, requires: [] },
    { id: 'B', acr: 'b', name: { 'zh-CN': 'x', en: 'x' }, requires: [{ anyOf: [{ kind: 'population', validDays: 1 }] }] },
  ];

  it('the default ladder: carrier then population at registration; L3 to claim, L2 to accept', () => {
    expect(registrationChecks(ladder)).toEqual(['carrier', 'population']);
    expect(representationMinimums(ladder)).toEqual({ legalRepresentative: 2, agent: 1 });
  });

  it('defaults without the sections, and refuses a minimum naming no level', () => {
    const plain = parseLadder({ levels: base });
    expect(registrationChecks(plain)).toEqual(['population']);
    expect(representationMinimums(plain)).toEqual({ legalRepresentative: 1, agent: 1 });
    expect(representationMinimums(parseLadder({ levels: base, representation: { legalRepresentativeMinimum: 'B', agentMinimum: 'A' } })))
      .toEqual({ legalRepresentative: 1, agent: 0 });
    expect(() => parseLadder({ levels: base, representation: { legalRepresentativeMinimum: 'L9', agentMinimum: 'A' } }))
      .toThrow(/representation\.legalRepresentativeMinimum/);
    expect(() => parseLadder({ levels: base, registration: { realNameChecks: ['face'] } })).toThrow(/registration/);
  });
});
