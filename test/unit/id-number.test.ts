import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.ts';
import { ERROR_CODES } from '../../src/error-codes.ts';
import {
  ID_NUMBER_ERROR_CODES,
  computeIdCheckChar,
  maskIdNumber,
  normalizeIdNumber,
  parseIdNumber,
  type IdNumber,
  type IdNumberErrorCode,
} from '../../src/identity/id-number.ts';

const NOW = new Date('2025-06-15T04:00:00Z');

/** Independent reference for the GB 11643 check, so fixtures are not verified by the code under test. */
const W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const refCheck = (s17: string): string =>
  '10X98765432'[[...s17].reduce((a, c, i) => a + Number(c) * (W[i] ?? 0), 0) % 11] ?? '';

type Expected = Omit<IdNumber, 'number'> & { number?: string };

// Every 18-char number here has been verified against refCheck (see the first test).
const VALID: [input: string, expected: Expected][] = [
  // The example printed in GB 11643-1999.
  ['11010519491231002X', { kind: 'resident', convertedFrom15: false, birthDate: '1949-12-31', sex: 'female', divisionCode: '110105', region: 'mainland' }],
  ['11010119900307803X', { kind: 'resident', convertedFrom15: false, birthDate: '1990-03-07', sex: 'male', divisionCode: '110101', region: 'mainland' }],
  ['320106199507150024', { kind: 'resident', convertedFrom15: false, birthDate: '1995-07-15', sex: 'female', divisionCode: '320106', region: 'mainland' }],
  ['440304200101011236', { kind: 'resident', convertedFrom15: false, birthDate: '2001-01-01', sex: 'male', divisionCode: '440304', region: 'mainland' }],
  ['510107199001012347', { kind: 'resident', convertedFrom15: false, birthDate: '1990-01-01', sex: 'female', divisionCode: '510107', region: 'mainland' }],
  ['11010519000101001X', { kind: 'resident', convertedFrom15: false, birthDate: '1900-01-01', sex: 'male', divisionCode: '110105', region: 'mainland' }],
  // Feb 29 in leap years (2000 is a leap century, 1980 and 2024 ordinary leap years).
  ['310115200002290021', { kind: 'resident', convertedFrom15: false, birthDate: '2000-02-29', sex: 'female', divisionCode: '310115', region: 'mainland' }],
  ['650102198002290044', { kind: 'resident', convertedFrom15: false, birthDate: '1980-02-29', sex: 'female', divisionCode: '650102', region: 'mainland' }],
  ['110105202402290011', { kind: 'resident', convertedFrom15: false, birthDate: '2024-02-29', sex: 'male', divisionCode: '110105', region: 'mainland' }],
  // Taiwan province code on a resident ID.
  ['710100198001010016', { kind: 'resident', convertedFrom15: false, birthDate: '1980-01-01', sex: 'male', divisionCode: '710100', region: 'taiwan' }],
  // Hong Kong / Macao / Taiwan residents' residence permits.
  ['810000199001010019', { kind: 'hmt_permit', convertedFrom15: false, birthDate: '1990-01-01', sex: 'male', divisionCode: '810000', region: 'hong_kong' }],
  ['820000199001010029', { kind: 'hmt_permit', convertedFrom15: false, birthDate: '1990-01-01', sex: 'female', divisionCode: '820000', region: 'macao' }],
  ['830000199001010039', { kind: 'hmt_permit', convertedFrom15: false, birthDate: '1990-01-01', sex: 'male', divisionCode: '830000', region: 'taiwan' }],
  // 2023 foreigner's permanent residence ID: 9 + province 11 (Beijing) + nationality 840.
  ['911840199001010018', { kind: 'foreigner_permanent', convertedFrom15: false, birthDate: '1990-01-01', sex: 'male', divisionCode: '110000', region: 'foreign', nationalityCode: '840' }],
  ['931156200002290025', { kind: 'foreigner_permanent', convertedFrom15: false, birthDate: '2000-02-29', sex: 'female', divisionCode: '310000', region: 'foreign', nationalityCode: '156' }],
  // Legacy 15-digit numbers: "19" inserted, check character computed.
  ['110105491231002', { number: '11010519491231002X', kind: 'resident', convertedFrom15: true, birthDate: '1949-12-31', sex: 'female', divisionCode: '110105', region: 'mainland' }],
  ['110101900307803', { number: '11010119900307803X', kind: 'resident', convertedFrom15: true, birthDate: '1990-03-07', sex: 'male', divisionCode: '110101', region: 'mainland' }],
  ['650102800229004', { number: '650102198002290044', kind: 'resident', convertedFrom15: true, birthDate: '1980-02-29', sex: 'female', divisionCode: '650102', region: 'mainland' }],
];

describe('parseIdNumber: valid numbers', () => {
  it('fixtures carry a correct check character (independent reference)', () => {
    for (const [input, exp] of VALID) {
      const n = exp.number ?? input;
      expect(n.slice(17), n).toBe(refCheck(n.slice(0, 17)));
    }
  });

  it.each(VALID)('%s', (input, exp) => {
    const r = parseIdNumber(input, NOW);
    expect(r).toEqual({ ok: true, value: { number: input, ...exp } });
  });

  it('does not report a nationality code for non-foreigners', () => {
    const r = parseIdNumber('11010519491231002X', NOW);
    expect(r.ok && 'nationalityCode' in r.value).toBe(false);
  });
});

const INVALID: [input: string, code: IdNumberErrorCode, why: string][] = [
  ['', 'id_number.empty', 'empty'],
  ['   ', 'id_number.empty', 'only spaces'],
  [' - ', 'id_number.empty', 'only separators'],
  ['1101051949123100', 'id_number.format', '16 chars'],
  ['11010519491231002', 'id_number.format', '17 chars'],
  ['11010519491231002X1', 'id_number.format', '19 chars'],
  ['1101051949123100X2', 'id_number.format', 'X not last'],
  ['11010549123100X', 'id_number.format', '15 chars ending in X'],
  ['11010519491231002Y', 'id_number.format', 'letter other than X'],
  ['1101051949/231002X', 'id_number.format', 'punctuation'],
  ['id-number', 'id_number.format', 'words'],
  ['H1234567(8)', 'id_number.format', 'HK identity card number is not accepted here'],
  ['001051949123100200', 'id_number.region', 'province 00'],
  ['161051949123100200', 'id_number.region', 'province 16'],
  ['721051949123100200', 'id_number.region', 'province 72'],
  ['841051949123100200', 'id_number.region', 'province 84'],
  ['810001199001010015', 'id_number.region', 'HK permit needs division 810000 (valid check char)'],
  ['811000199001010010', 'id_number.region', 'HK permit with county digits'],
  ['810000490101001', 'id_number.region', '15-digit numbers were never HK permits'],
  ['991840199001010018', 'id_number.region', 'foreigner ID with province 99'],
  ['981840199001010018', 'id_number.region', 'foreigner ID with province 81'],
  ['918401990010100', 'id_number.region', '15-digit starting with 9'],
  ['110105194913310020', 'id_number.birth_date', 'month 13'],
  ['110105194900310020', 'id_number.birth_date', 'month 00'],
  ['110105194912320020', 'id_number.birth_date', 'day 32'],
  ['110105194912000020', 'id_number.birth_date', 'day 00'],
  ['110105194904310020', 'id_number.birth_date', 'April 31'],
  ['110105194902300020', 'id_number.birth_date', 'Feb 30'],
  ['110105202302290014', 'id_number.birth_date', 'Feb 29 in 2023 (valid check char)'],
  ['110105190002290017', 'id_number.birth_date', 'Feb 29 in 1900, not a leap year (valid check char)'],
  ['110105189912310015', 'id_number.birth_date', 'before 1900 (valid check char)'],
  ['440524188001010014', 'id_number.birth_date', 'GB 11643 sample born 1880 has a correct check char but predates 1900'],
  ['110105491331002', 'id_number.birth_date', '15-digit with month 13'],
  ['110105209901010012', 'id_number.future_birth_date', '2099 (valid check char)'],
  ['110105202507010012', 'id_number.future_birth_date', 'two weeks after NOW (valid check char)'],
  ['110105194912310022', 'id_number.checksum', 'wrong check digit'],
  ['110105194912310021', 'id_number.checksum', 'X expected, 1 given'],
  ['11010119900307803', 'id_number.format', 'check char missing'],
  ['110101199003078038', 'id_number.checksum', 'X expected, 8 given'],
  ['11010519491231003X', 'id_number.checksum', 'sequence typo'],
  ['11010519491213002X', 'id_number.checksum', 'transposed birth-date digits'],
  ['810000199001010018', 'id_number.checksum', 'HK permit off by one'],
  ['911840199001010019', 'id_number.checksum', 'foreigner ID off by one'],
];

describe('parseIdNumber: invalid numbers', () => {
  it.each(INVALID)('%s → %s (%s)', (input, code) => {
    expect(parseIdNumber(input, NOW)).toEqual({ ok: false, code });
  });

  it('hits every error code', () => {
    expect(new Set(INVALID.map(([, c]) => c))).toEqual(new Set(ID_NUMBER_ERROR_CODES));
  });

  it('reports structure before the checksum', () => {
    // Bad province and bad check char: the region is the more useful message.
    expect(parseIdNumber('001051949123100201', NOW)).toEqual({ ok: false, code: 'id_number.region' });
    expect(parseIdNumber('110105194913310021', NOW)).toEqual({ ok: false, code: 'id_number.birth_date' });
  });
});

describe('parseIdNumber: future birth date', () => {
  const todayChina = '110105202506160019'; // born 2025-06-16
  it('valid fixture', () => expect(todayChina.slice(17)).toBe(refCheck(todayChina.slice(0, 17))));

  it.each([
    ['2025-06-15T15:59:59Z', 'id_number.future_birth_date'], // still 23:59 on the 15th in Beijing
    ['2025-06-15T16:00:00Z', null], // already the 16th in Beijing
    ['2025-06-16T12:00:00Z', null],
  ])('born 2025-06-16, now %s', (now, code) => {
    const r = parseIdNumber(todayChina, new Date(now));
    if (code === null) expect(r.ok).toBe(true);
    else expect(r).toEqual({ ok: false, code });
  });

  it('defaults now to the current time', () => {
    expect(parseIdNumber('110105209901010012')).toEqual({ ok: false, code: 'id_number.future_birth_date' });
    expect(parseIdNumber('11010519491231002X').ok).toBe(true);
  });
});

describe('normalizeIdNumber', () => {
  it.each([
    ['11010519491231002X', '11010519491231002X'],
    ['11010519491231002x', '11010519491231002X'],
    ['  11010519491231002X\t\n', '11010519491231002X'],
    ['110105 19491231 002X', '11010519491231002X'],
    ['110105-19491231-002x', '11010519491231002X'],
    ['１１０１０５１９４９１２３１００２Ｘ', '11010519491231002X'],
    ['１１０１０５１９４９１２３１００２ｘ', '11010519491231002X'],
    ['110105\u300019491231\uFF0D002X', '11010519491231002X'], // ideographic space, full-width hyphen
    ['', ''],
  ])('%j → %s', (input, expected) => {
    expect(normalizeIdNumber(input)).toBe(expected);
  });

  it.each(['11010519491231002x', ' 110105 1949 1231 002X ', '１１０１０５１９４９１２３１００２ｘ', '110105-19491231-002X'])(
    'parse accepts %j',
    (input) => {
      const r = parseIdNumber(input, NOW);
      expect(r.ok && r.value.number).toBe('11010519491231002X');
    },
  );
});

describe('computeIdCheckChar', () => {
  it.each([
    ['11010519491231002', 'X'],
    ['44052418800101001', '4'],
    ['11010119900307803', 'X'],
    ['81000019900101001', '9'],
    ['91184019900101001', '8'],
    ['11010520240229001', '1'],
    ['00000000000000000', '1'],
  ])('%s → %s', (first17, check) => {
    expect(computeIdCheckChar(first17)).toBe(check);
    expect(refCheck(first17)).toBe(check);
  });

  it('produces every possible check character', () => {
    const seen = new Set<string>();
    for (let seq = 0; seq < 200; seq++) seen.add(computeIdCheckChar(`11010519900101${String(seq).padStart(3, '0')}`));
    expect([...seen].sort().join('')).toBe('0123456789X');
  });

  it.each(['', '1101051949123100', '110105194912310021', '1101051949123100X'])('rejects %j', (bad) => {
    expect(() => computeIdCheckChar(bad)).toThrow(AppError);
  });
});

describe('maskIdNumber', () => {
  it.each([
    ['11010519491231002X', '1101**********002X'],
    ['11010519491231002x', '1101**********002X'],
    ['110105491231002', '1101*******1002'],
    ['１１０１０５１９４９１２３１００２Ｘ', '1101**********002X'],
    ['12345678', '********'],
    ['123', '***'],
    ['', ''],
  ])('%s → %s', (input, masked) => {
    const m = maskIdNumber(input);
    expect(m).toBe(masked);
    expect(m.length).toBe(normalizeIdNumber(input).length);
  });
});

describe('identity messages', () => {
  it.each(ID_NUMBER_ERROR_CODES)('%s has zh-CN and en messages', (code) => {
    expect(ERROR_CODES[code][1]).toMatch(/\p{Script=Han}/u);
    expect(ERROR_CODES[code][2]).toMatch(/^[A-Z].*\.$/);
  });
});
