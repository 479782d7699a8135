/**
 * Chinese identity document numbers: resident ID (GB 11643-1999, incl. legacy 15-digit numbers),
 * Hong Kong / Macao / Taiwan residence permits and the 2023 foreigner's permanent residence ID.
 * Pure functions; callers decide how to report errors (see src/i18n/identity.ts).
 * The numbers are sensitive personal information: never log them, display them via maskIdNumber.
 */
import { AppError } from '../errors.ts';

export type IdNumberKind = 'resident' | 'hmt_permit' | 'foreigner_permanent';
export type IdNumberRegion = 'mainland' | 'hong_kong' | 'macao' | 'taiwan' | 'foreign';

export interface IdNumber {
  /** Normalised 18-character number. */
  number: string;
  kind: IdNumberKind;
  convertedFrom15: boolean;
  /** YYYY-MM-DD */
  birthDate: string;
  sex: 'male' | 'female';
  /** Six digits. For foreigners: the issuing province followed by 0000. */
  divisionCode: string;
  region: IdNumberRegion;
  /** Foreigner's permanent residence ID only: 3-digit nationality code (GB/T 2659 numeric). */
  nationalityCode?: string;
}

export const ID_NUMBER_ERROR_CODES = [
  'id_number.empty',
  'id_number.format',
  'id_number.region',
  'id_number.birth_date',
  'id_number.future_birth_date',
  'id_number.checksum',
] as const;
export type IdNumberErrorCode = (typeof ID_NUMBER_ERROR_CODES)[number];

export type IdNumberParseResult = { ok: true; value: IdNumber } | { ok: false; code: IdNumberErrorCode };
export type ParseResult = IdNumberParseResult;

interface PrefixRule {
  region: IdNumberRegion;
  kind: 'resident' | 'hmt_permit';
  /** Residence permits use one fixed division code rather than a real county code. */
  fixedDivision?: string;
}

const MAINLAND: PrefixRule = { region: 'mainland', kind: 'resident' };

/** Province-level codes (GB/T 2260 first two digits) accepted as the start of an 18-digit number. */
const PREFIX_RULES: Readonly<Record<string, PrefixRule>> = {
  ...Object.fromEntries(
    [
      '11', '12', '13', '14', '15',
      '21', '22', '23',
      '31', '32', '33', '34', '35', '36', '37',
      '41', '42', '43', '44', '45', '46',
      '50', '51', '52', '53', '54',
      '61', '62', '63', '64', '65',
    ].map((p) => [p, MAINLAND]),
  ),
  '71': { region: 'taiwan', kind: 'resident' },
  '81': { region: 'hong_kong', kind: 'hmt_permit', fixedDivision: '810000' },
  '82': { region: 'macao', kind: 'hmt_permit', fixedDivision: '820000' },
  '83': { region: 'taiwan', kind: 'hmt_permit', fixedDivision: '830000' },
};

/** First digit of the foreigner's permanent residence ID (2023 format). */
const FOREIGNER_PREFIX = '9';
const MIN_BIRTH_YEAR = 1900;
/** Birth dates are Chinese calendar dates, so "today" is taken in Beijing time (UTC+8, no DST). */
const CHINA_UTC_OFFSET_MS = 8 * 60 * 60 * 1000;

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const CHECK_CHARS = '10X98765432';

/** Full-width digits and Latin letters (U+FF10–FF19, FF21–FF3A, FF41–FF5A) sit 0xFEE0 above ASCII. */
const toAsciiAlnum = (s: string): string =>
  s.replace(/[\uFF10-\uFF19\uFF21-\uFF3A\uFF41-\uFF5A]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0));

/** Whitespace (incl. U+3000 ideographic space) and hyphen/dash variants people type as separators. */
const SEPARATORS = /[\s\-\u2010-\u2015\u2212\uFF0D]/g;

export function normalizeIdNumber(input: string): string {
  return toAsciiAlnum(input).replace(SEPARATORS, '').toUpperCase();
}

export function computeIdCheckChar(first17: string): string {
  if (!/^\d{17}$/.test(first17)) {
    throw new AppError('id_number.format', 'computeIdCheckChar needs exactly 17 digits');
  }
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * (WEIGHTS[i] ?? 0);
  return CHECK_CHARS[sum % 11] ?? '';
}

function isRealDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  // Day 0 of the next month is the last day of this month (UTC avoids local-time surprises).
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return day <= daysInMonth;
}

function chinaToday(now: Date): string {
  return new Date(now.getTime() + CHINA_UTC_OFFSET_MS).toISOString().slice(0, 10);
}

const fail = (code: IdNumberErrorCode): IdNumberParseResult => ({ ok: false, code });

export function parseIdNumber(input: string, now: Date = new Date()): IdNumberParseResult {
  const normalized = normalizeIdNumber(input);
  if (normalized === '') return fail('id_number.empty');

  let body17: string;
  let givenCheck: string | undefined;
  let convertedFrom15 = false;
  if (/^\d{15}$/.test(normalized)) {
    // Legacy numbers (issued until 1999-2004) hold YYMMDD of a 19xx birth and no check character.
    body17 = `${normalized.slice(0, 6)}19${normalized.slice(6)}`;
    convertedFrom15 = true;
  } else if (/^\d{17}[\dX]$/.test(normalized)) {
    body17 = normalized.slice(0, 17);
    givenCheck = normalized[17];
  } else {
    return fail('id_number.format');
  }

  // Region / kind.
  let kind: IdNumberKind;
  let region: IdNumberRegion;
  let divisionCode: string;
  let nationalityCode: string | undefined;
  if (body17.startsWith(FOREIGNER_PREFIX)) {
    const province = body17.slice(1, 3);
    // The issuing authority is a mainland public-security bureau; 15-digit foreigner numbers never existed.
    if (convertedFrom15 || PREFIX_RULES[province] !== MAINLAND) return fail('id_number.region');
    kind = 'foreigner_permanent';
    region = 'foreign';
    divisionCode = `${province}0000`;
    nationalityCode = body17.slice(3, 6);
  } else {
    const rule = PREFIX_RULES[body17.slice(0, 2)];
    divisionCode = body17.slice(0, 6);
    if (!rule) return fail('id_number.region');
    if (rule.fixedDivision !== undefined && divisionCode !== rule.fixedDivision) return fail('id_number.region');
    if (convertedFrom15 && rule.kind !== 'resident') return fail('id_number.region');
    kind = rule.kind;
    region = rule.region;
  }

  // Birth date.
  const year = Number(body17.slice(6, 10));
  const month = Number(body17.slice(10, 12));
  const day = Number(body17.slice(12, 14));
  if (year < MIN_BIRTH_YEAR || !isRealDate(year, month, day)) return fail('id_number.birth_date');
  const birthDate = `${body17.slice(6, 10)}-${body17.slice(10, 12)}-${body17.slice(12, 14)}`;
  if (birthDate > chinaToday(now)) return fail('id_number.future_birth_date');

  const check = computeIdCheckChar(body17);
  if (givenCheck !== undefined && givenCheck !== check) return fail('id_number.checksum');

  const value: IdNumber = {
    number: body17 + check,
    kind,
    convertedFrom15,
    birthDate,
    // The sequence code's last digit (position 17) is odd for men, even for women.
    sex: Number(body17[16]) % 2 === 1 ? 'male' : 'female',
    divisionCode,
    region,
  };
  if (nationalityCode !== undefined) value.nationalityCode = nationalityCode;
  return { ok: true, value };
}

/** 11010519491231002X → 1101**********002X. Short or odd input is masked entirely, never echoed. */
export function maskIdNumber(n: string): string {
  const s = normalizeIdNumber(n);
  if (s.length <= 8) return '*'.repeat(s.length);
  return `${s.slice(0, 4)}${'*'.repeat(s.length - 8)}${s.slice(-4)}`;
}
