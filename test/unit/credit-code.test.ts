import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.ts';
import { ERROR_CODES } from '../../src/error-codes.ts';
import {
  CREDIT_CODE_ERROR_CODES,
  computeCreditCheckChar,
  computeOrgCodeCheckChar,
  normalizeCreditCode,
  parseCreditCode,
  type CreditCodeErrorCode,
} from '../../src/identity/credit-code.ts';

/** Independent reference implementations, so fixtures are not verified by the code under test. */
const SYMBOLS = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const CW = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const refCredit = (s: string) =>
  SYMBOLS[(31 - ([...s].reduce((a, c, i) => a + SYMBOLS.indexOf(c) * (CW[i] ?? 0), 0) % 31)) % 31];
const OW = [3, 7, 9, 10, 5, 8, 4, 2];
const refOrg = (s: string) => {
  const c = 11 - ([...s].reduce((a, ch, i) => a + parseInt(ch, 36) * (OW[i] ?? 0), 0) % 11);
  return c === 10 ? 'X' : c === 11 ? '0' : String(c);
};

// [code, authority, category, authority zh-CN, category zh-CN]
const VALID: [string, string, string, string, string][] = [
  // Example from the design document / GB 32100 explanations.
  ['91350100M000100Y43', 'industry_commerce', 'enterprise', '工商', '企业'],
  // Published codes of well-known companies.
  ['914403001922038216', 'industry_commerce', 'enterprise', '工商', '企业'],
  ['91330100716105852F', 'industry_commerce', 'enterprise', '工商', '企业'],
  ['9144030071526726XG', 'industry_commerce', 'enterprise', '工商', '企业'],
  ['91110108551385082Q', 'industry_commerce', 'enterprise', '工商', '企业'],
  // Real codes collected online (python-stdnum's test list), incl. individual businesses whose
  // generated MA… organisation codes still satisfy GB 11714, and an L… organisation code.
  ['121200004013590816', 'establishment', 'public_institution', '机构编制', '事业单位'],
  ['91620105L015101280', 'industry_commerce', 'enterprise', '工商', '企业'],
  ['92340602MA2PBMEM24', 'industry_commerce', 'individual_business', '工商', '个体工商户'],
  ['92340603MA2PBMQL04', 'industry_commerce', 'individual_business', '工商', '个体工商户'],
  ['92340621MA2UK3PJXE', 'industry_commerce', 'individual_business', '工商', '个体工商户'],
  ['92340604MA2PBNQNXM', 'industry_commerce', 'individual_business', '工商', '个体工商户'],
  // Constructed with the algorithm (checked against the references below).
  ['51110000500001237N', 'civil_affairs', 'social_organisation', '民政', '社会团体'],
  ['5310000050001234X6', 'civil_affairs', 'foundation', '民政', '基金会'],
  ['313100004250000140', 'justice', 'law_firm', '司法行政', '律师执业机构'],
  ['71530100MA6K000305', 'religious_affairs', 'religious_venue', '宗教', '宗教活动场所'],
  ['93370000MA3C0002XY', 'industry_commerce', 'farmer_cooperative', '工商', '农民专业合作社'],
  ['A1100000MA0000015W', 'military_establishment', 'military_public_institution', '中央军委改革和编制办公室', '军队事业单位'],
  ['N2330106MA2B3C4D1G', 'agriculture', 'village_collective', '农业', '村级集体经济组织'],
  ['Y1440300MA5F00018B', 'other', 'other', '其他', '其他'],
  ['61110000MA01234X27', 'tourism', 'foreign_tourism_office', '旅游', '外国旅游部门常驻代表机构'],
];

describe('parseCreditCode: valid codes', () => {
  it('fixtures satisfy both check characters (independent reference)', () => {
    for (const [code] of VALID) {
      expect(code[16], code).toBe(refOrg(code.slice(8, 16)));
      expect(code[17], code).toBe(refCredit(code.slice(0, 17)));
    }
  });

  it.each(VALID)('%s → %s / %s', (code, authority, category, authorityZh, categoryZh) => {
    const r = parseCreditCode(code);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value).toMatchObject({
      code,
      authority,
      category,
      divisionCode: code.slice(2, 8),
      organisationCode: code.slice(8, 17),
    });
    expect(r.value.authorityName['zh-CN']).toBe(authorityZh);
    expect(r.value.categoryName['zh-CN']).toBe(categoryZh);
    expect(r.value.authorityName.en).not.toBe('');
  });

  it('decodes the known example fully', () => {
    expect(parseCreditCode('91350100M000100Y43')).toEqual({
      ok: true,
      value: {
        code: '91350100M000100Y43',
        authority: 'industry_commerce',
        category: 'enterprise',
        authorityName: { 'zh-CN': '工商', en: 'Industry and commerce (market regulation)' },
        categoryName: { 'zh-CN': '企业', en: 'Enterprise' },
        divisionCode: '350100',
        organisationCode: 'M000100Y4',
      },
    });
  });

  it('returns copies of the names, not the lookup table', () => {
    const a = parseCreditCode('91350100M000100Y43');
    if (a.ok) a.value.authorityName['zh-CN'] = 'changed';
    const b = parseCreditCode('91350100M000100Y43');
    expect(b.ok && b.value.authorityName['zh-CN']).toBe('工商');
  });
});

const INVALID: [input: string, code: CreditCodeErrorCode, why: string][] = [
  ['', 'credit_code.empty', 'empty'],
  ['  \t ', 'credit_code.empty', 'whitespace'],
  ['--', 'credit_code.empty', 'separators only'],
  ['91350100M000100Y4', 'credit_code.format', '17 chars'],
  ['91350100M000100Y433', 'credit_code.format', '19 chars'],
  ['91350100M000100I43', 'credit_code.format', 'I is not a code symbol'],
  ['91350100M000100O43', 'credit_code.format', 'O is not a code symbol'],
  ['91350100M000100S43', 'credit_code.format', 'S is not a code symbol'],
  ['91350100M000100V43', 'credit_code.format', 'V is not a code symbol'],
  ['91350100M000100Y4Z', 'credit_code.format', 'Z is not a code symbol'],
  ['913501A0M000100Y43', 'credit_code.format', 'letter in the division code'],
  ['91350100M000100Y4.', 'credit_code.format', 'punctuation'],
  ['M000100Y4', 'credit_code.format', 'bare organisation code'],
  ['99110000MA00000234', 'credit_code.category', '工商 has no category 9'],
  ['94110000MA0000023K', 'credit_code.category', '工商 category 4'],
  ['Y2110000MA00000234', 'credit_code.category', '其他 only has category 1'],
  ['B1110000MA0000023T', 'credit_code.category', 'unknown authority B'],
  ['01350100M000100Y43', 'credit_code.category', 'authority 0'],
  ['90350100M000100Y43', 'credit_code.category', 'category 0'],
  ['91350100M000100Y56', 'credit_code.org_code_checksum', 'org check 5 instead of 4, overall check valid'],
  ['91110000MA000010X1', 'credit_code.org_code_checksum', 'org check X instead of 3, overall check valid'],
  ['91350100M000200Y43', 'credit_code.org_code_checksum', 'typo in the organisation code'],
  ['91350100M000100Y44', 'credit_code.checksum', 'last char off by one'],
  ['91350100M000100Y40', 'credit_code.checksum', 'last char 0'],
  ['91350101M000100Y43', 'credit_code.checksum', 'typo in the division code'],
  ['92350100M000100Y43', 'credit_code.checksum', 'typo in the category'],
  ['914403001922038217', 'credit_code.checksum', 'published code off by one'],
];

describe('parseCreditCode: invalid codes', () => {
  it('org-checksum fixtures really have a valid overall check', () => {
    for (const [code, err] of INVALID) {
      if (err === 'credit_code.org_code_checksum' && !code.includes('M000200')) {
        expect(code[17], code).toBe(refCredit(code.slice(0, 17)));
      }
      if (err === 'credit_code.category') expect(code[16], code).toBe(refOrg(code.slice(8, 16)));
    }
  });

  it.each(INVALID)('%s → %s (%s)', (input, code) => {
    expect(parseCreditCode(input)).toEqual({ ok: false, code });
  });

  it('hits every error code', () => {
    expect(new Set(INVALID.map(([, c]) => c))).toEqual(new Set(CREDIT_CODE_ERROR_CODES));
  });
});

describe('normalizeCreditCode', () => {
  it.each([
    ['91350100M000100Y43', '91350100M000100Y43'],
    ['91350100m000100y43', '91350100M000100Y43'],
    ['  91350100M000100Y43\n', '91350100M000100Y43'],
    ['91 350100 M000100Y4 3', '91350100M000100Y43'],
    ['91-350100-M000100Y4-3', '91350100M000100Y43'],
    ['９１３５０１００Ｍ０００１００Ｙ４３', '91350100M000100Y43'],
    ['９１３５０１００ｍ０００１００ｙ４３', '91350100M000100Y43'],
    ['91350100\u3000M000100Y43', '91350100M000100Y43'],
  ])('%j → %s', (input, expected) => {
    expect(normalizeCreditCode(input)).toBe(expected);
    expect(parseCreditCode(input).ok).toBe(true);
  });
});

describe('check characters', () => {
  it.each([
    ['91350100M000100Y4', '3'],
    ['91440300192203821', '6'],
    ['9144030071526726X', 'G'],
    ['12120000401359081', '6'],
    ['91620105L01510128', '0'],
  ])('computeCreditCheckChar(%s) → %s', (first17, check) => {
    expect(computeCreditCheckChar(first17)).toBe(check);
    expect(refCredit(first17)).toBe(check);
  });

  it.each([
    ['M000100Y', '4'],
    ['19220382', '1'],
    ['71526726', 'X'],
    ['L0151012', '8'],
    ['MA2PBMEM', '2'],
    ['00000000', '0'], // 11 - 0 = 11 → '0'
    ['10000000', '8'],
  ])('computeOrgCodeCheckChar(%s) → %s', (body, check) => {
    expect(computeOrgCodeCheckChar(body)).toBe(check);
    expect(refOrg(body)).toBe(check);
  });

  it.each(['', '91350100M000100Y', '91350100M000100Y43', '91350100M000100I4', '91350100m000100Y4'])(
    'computeCreditCheckChar rejects %j',
    (bad) => expect(() => computeCreditCheckChar(bad)).toThrow(AppError),
  );

  it.each(['', 'M000100', 'M000100Y4', 'm000100y'])('computeOrgCodeCheckChar rejects %j', (bad) => {
    expect(() => computeOrgCodeCheckChar(bad)).toThrow(AppError);
  });
});

describe('identity messages', () => {
  it.each(CREDIT_CODE_ERROR_CODES)('%s has zh-CN and en messages', (code) => {
    expect(ERROR_CODES[code][1]).toMatch(/\p{Script=Han}/u);
    expect(ERROR_CODES[code][2]).toMatch(/^[A-Z].*\.$/);
  });
});
