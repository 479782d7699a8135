/**
 * Unified social credit code (统一社会信用代码, GB 32100-2015) of legal persons and other
 * organisations. Credit codes are public, so unlike ID numbers they need no masking.
 */
import { AppError } from '../errors.ts';

export type LocalizedName = { 'zh-CN': string; en: string };

export interface CreditCode {
  /** Normalised 18-character code. */
  code: string;
  /** Registration authority slug, e.g. 'industry_commerce'. */
  authority: string;
  /** Entity category slug within the authority, e.g. 'enterprise'. */
  category: string;
  authorityName: LocalizedName;
  categoryName: LocalizedName;
  /** Division code of the registering authority (positions 3-8). */
  divisionCode: string;
  /** GB 11714 organisation code incl. its check character (positions 9-17). */
  organisationCode: string;
}

export const CREDIT_CODE_ERROR_CODES = [
  'credit_code.empty',
  'credit_code.format',
  'credit_code.category',
  'credit_code.org_code_checksum',
  'credit_code.checksum',
] as const;
export type CreditCodeErrorCode = (typeof CREDIT_CODE_ERROR_CODES)[number];

export type CreditCodeParseResult = { ok: true; value: CreditCode } | { ok: false; code: CreditCodeErrorCode };

interface CategoryEntry {
  slug: string;
  name: LocalizedName;
}
interface AuthorityEntry extends CategoryEntry {
  categories: Readonly<Record<string, CategoryEntry>>;
}

const cat = (slug: string, zh: string, en: string): CategoryEntry => ({ slug, name: { 'zh-CN': zh, en } });
const OTHER = cat('other', '其他', 'Other');

/**
 * Registration authorities (position 1) and their entity categories (position 2), as published
 * with GB 32100-2015 by the national code centre. 工商 has no "9 other" category.
 */
const AUTHORITIES: Readonly<Record<string, AuthorityEntry>> = {
  '1': {
    ...cat('establishment', '机构编制', 'Public sector establishment administration'),
    categories: {
      '1': cat('government_agency', '机关', 'Government agency'),
      '2': cat('public_institution', '事业单位', 'Public institution'),
      '3': cat('mass_organisation', '中央编办直接管理机构编制的群众团体', 'Mass organisation under the central establishment office'),
      '9': OTHER,
    },
  },
  '2': {
    ...cat('foreign_affairs', '外交', 'Foreign affairs'),
    categories: { '1': cat('foreign_news_agency', '外国常驻新闻机构', 'Resident foreign news agency'), '9': OTHER },
  },
  '3': {
    ...cat('justice', '司法行政', 'Judicial administration'),
    categories: {
      '1': cat('law_firm', '律师执业机构', 'Law firm'),
      '2': cat('notary_office', '公证处', 'Notary office'),
      '3': cat('grassroots_legal_service', '基层法律服务所', 'Grassroots legal service office'),
      '4': cat('forensic_appraisal', '司法鉴定机构', 'Forensic appraisal institution'),
      '5': cat('arbitration_commission', '仲裁委员会', 'Arbitration commission'),
      '9': OTHER,
    },
  },
  '4': {
    ...cat('culture', '文化', 'Culture'),
    categories: { '1': cat('foreign_cultural_centre', '外国在华文化中心', 'Foreign cultural centre in China'), '9': OTHER },
  },
  '5': {
    ...cat('civil_affairs', '民政', 'Civil affairs'),
    categories: {
      '1': cat('social_organisation', '社会团体', 'Social organisation'),
      '2': cat('private_non_enterprise', '民办非企业单位', 'Private non-enterprise unit'),
      '3': cat('foundation', '基金会', 'Foundation'),
      '9': OTHER,
    },
  },
  '6': {
    ...cat('tourism', '旅游', 'Tourism'),
    categories: {
      '1': cat('foreign_tourism_office', '外国旅游部门常驻代表机构', 'Representative office of a foreign tourism authority'),
      '2': cat('hmt_tourism_office', '港澳台地区旅游部门常驻内地（大陆）代表机构', 'Representative office of a Hong Kong, Macao or Taiwan tourism authority'),
      '9': OTHER,
    },
  },
  '7': {
    ...cat('religious_affairs', '宗教', 'Religious affairs'),
    categories: {
      '1': cat('religious_venue', '宗教活动场所', 'Venue for religious activities'),
      '2': cat('religious_school', '宗教院校', 'Religious school'),
      '9': OTHER,
    },
  },
  '8': {
    ...cat('trade_union', '工会', 'Trade unions'),
    categories: { '1': cat('grassroots_trade_union', '基层工会', 'Grassroots trade union'), '9': OTHER },
  },
  '9': {
    ...cat('industry_commerce', '工商', 'Industry and commerce (market regulation)'),
    categories: {
      '1': cat('enterprise', '企业', 'Enterprise'),
      '2': cat('individual_business', '个体工商户', 'Individual business'),
      '3': cat('farmer_cooperative', '农民专业合作社', "Farmers' specialised cooperative"),
    },
  },
  A: {
    ...cat('military_establishment', '中央军委改革和编制办公室', 'Reform and Establishment Office of the Central Military Commission'),
    categories: { '1': cat('military_public_institution', '军队事业单位', 'Military public institution'), '9': OTHER },
  },
  N: {
    ...cat('agriculture', '农业', 'Agriculture'),
    categories: {
      '1': cat('group_collective', '组级集体经济组织', 'Group-level collective economic organisation'),
      '2': cat('village_collective', '村级集体经济组织', 'Village-level collective economic organisation'),
      '3': cat('township_collective', '乡镇级集体经济组织', 'Township-level collective economic organisation'),
      '9': OTHER,
    },
  },
  // "Other" authorities are not subdivided: the standard fixes their category at 1.
  Y: { ...cat('other', '其他', 'Other'), categories: { '1': OTHER } },
};

/** The 31 symbols, valued 0..30 by position (I, O, Z, S, V are excluded as easily misread). */
const SYMBOLS = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28] as const;
const ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2] as const;
const FORMAT = /^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/;

const toAsciiAlnum = (s: string): string =>
  s.replace(/[\uFF10-\uFF19\uFF21-\uFF3A\uFF41-\uFF5A]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0));
const SEPARATORS = /[\s\-\u2010-\u2015\u2212\uFF0D]/g;

export function normalizeCreditCode(input: string): string {
  return toAsciiAlnum(input).replace(SEPARATORS, '').toUpperCase();
}

export function computeCreditCheckChar(first17: string): string {
  if (first17.length !== 17 || [...first17].some((c) => !SYMBOLS.includes(c))) {
    throw new AppError('credit_code.format', 'computeCreditCheckChar needs 17 code symbols');
  }
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += SYMBOLS.indexOf(first17[i] ?? '') * (CREDIT_WEIGHTS[i] ?? 0);
  return SYMBOLS[(31 - (sum % 31)) % 31] ?? '';
}

/** GB 11714 check character for the 8-character body of an organisation code. */
export function computeOrgCodeCheckChar(body8: string): string {
  if (!/^[0-9A-Z]{8}$/.test(body8)) {
    throw new AppError('credit_code.format', 'computeOrgCodeCheckChar needs 8 digits/letters');
  }
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += parseInt(body8[i] ?? '', 36) * (ORG_WEIGHTS[i] ?? 0); // A=10..Z=35
  const c = 11 - (sum % 11);
  return c === 10 ? 'X' : c === 11 ? '0' : String(c);
}

const fail = (code: CreditCodeErrorCode): CreditCodeParseResult => ({ ok: false, code });

/** Checks run structure first (format, category, organisation code), then the overall check. */
export function parseCreditCode(input: string): CreditCodeParseResult {
  const code = normalizeCreditCode(input);
  if (code === '') return fail('credit_code.empty');
  if (!FORMAT.test(code)) return fail('credit_code.format');

  const authority = AUTHORITIES[code.slice(0, 1)];
  const category = authority?.categories[code.slice(1, 2)];
  if (!authority || !category) return fail('credit_code.category');

  const organisationCode = code.slice(8, 17);
  if (computeOrgCodeCheckChar(organisationCode.slice(0, 8)) !== organisationCode[8]) {
    return fail('credit_code.org_code_checksum');
  }
  if (computeCreditCheckChar(code.slice(0, 17)) !== code[17]) return fail('credit_code.checksum');

  return {
    ok: true,
    value: {
      code,
      authority: authority.slug,
      category: category.slug,
      authorityName: { ...authority.name }, // copies, so callers cannot alter the table
      categoryName: { ...category.name },
      divisionCode: code.slice(2, 8),
      organisationCode,
    },
  };
}
