/** Page texts, Chinese first. Keys are stable; error codes from the domain map to texts here. */
import { ERROR_CODES } from '../error-codes.ts';
import { accountMessages } from './account.ts';
import { adminMessages } from './admin.ts';
import { factorMessages } from './factors.ts';
import { guardianMessages } from './guardians.ts';
import { legalPersonMessages } from './legal-persons.ts';
import { mfaMessages } from './mfa.ts';
import { passkeyMessages } from './passkeys.ts';
import { proofingMessages } from './proofing.ts';
import { reclaimMessages } from './reclaim.ts';
import { recoveryMessages } from './recovery.ts';
import { rightsMessages } from './rights.ts';
import { adminDeskMessages } from './admin-desk.ts';
import { adminOpsMessages } from './admin-ops.ts';
import { smsMessages } from './sms.ts';
import { verificationMessages } from './verification.ts';

export const LOCALES = ['zh-CN', 'en'] as const;
export type Locale = (typeof LOCALES)[number];

const zh: Record<string, string> = {
  'app.name': '一号 · 统一身份认证',
  'app.tagline': '一次认证，全网通办',
  'lang.switch': 'English',
  'login.title': '登录',
  'login.for': '登录后继续访问 {client}',
  'login.identifier': '身份证号码或手机号',
  'login.password': '密码',
  'login.submit': '登录',
  'login.register': '没有账号？注册',
  'login.cancel': '取消并返回',
  'login.registered': '注册申请已受理。若该证件号码此前未注册，账号已创建，请登录；若已注册，请直接登录，或通过“忘记密码”找回。',
  'register.title': '注册个人账号',
  'register.name': '真实姓名',
  'register.id_number': '居民身份证号码',
  'register.phone': '手机号码',
  'register.password': '设置密码',
  'register.password_confirm': '确认密码',
  'register.password_hint': '至少 8 位，包含大写字母、小写字母、数字、符号中的三种（16 位以上不限）',
  'register.submit': '注册',
  'register.back': '已有账号？返回登录',
  'register.mismatch': '两次输入的密码不一致',
  'register.privacy': '您的证件号码将加密保存，仅在您同意后提供给获准的平台。',
  'consent.title': '授权',
  'consent.intro': '{client} 请求获取您的以下信息：',
  'consent.allow': '同意并继续',
  'consent.deny': '拒绝',
  'scope.openid': '您的账号标识',
  'scope.profile': '姓名',
  'scope.phone': '手机号码',
  'scope.offline_access': '在您离开后保持访问（刷新令牌）',
  'logout.title': '退出登录',
  'logout.question': '是否退出一号登录？退出后，所有通过一号登录的平台都需要重新登录。',
  'logout.yes': '退出',
  'logout.no': '保持登录',
  'logout.done': '您已安全退出。',
  'error.title': '出错了',
  'error.generic': '请求无法完成，请返回重新开始。',
  'error.code': '错误代码',
};

const en: Record<string, string> = {
  'app.name': 'Yihao · Unified Identity',
  'app.tagline': 'Verify once, use every government service',
  'lang.switch': '中文',
  'login.title': 'Log in',
  'login.for': 'Log in to continue to {client}',
  'login.identifier': 'ID number or mobile number',
  'login.password': 'Password',
  'login.submit': 'Log in',
  'login.register': 'No account? Register',
  'login.cancel': 'Cancel and go back',
  'login.registered': 'Your registration has been received. If this ID number was not registered before, your account now exists: log in. If it was, log in with it or reset your password.',
  'register.title': 'Register a personal account',
  'register.name': 'Real name',
  'register.id_number': 'Resident ID number',
  'register.phone': 'Mobile number',
  'register.password': 'Password',
  'register.password_confirm': 'Confirm password',
  'register.password_hint': 'At least 8 characters with three of: upper case, lower case, digits, symbols (any mix from 16 characters)',
  'register.submit': 'Register',
  'register.back': 'Have an account? Log in',
  'register.mismatch': 'The two passwords differ',
  'register.privacy': 'Your ID number is stored encrypted and released only to permitted platforms with your consent.',
  'consent.title': 'Authorise',
  'consent.intro': '{client} asks for the following:',
  'consent.allow': 'Allow and continue',
  'consent.deny': 'Deny',
  'scope.openid': 'Your account identifier',
  'scope.profile': 'Your name',
  'scope.phone': 'Your mobile number',
  'scope.offline_access': 'Access while you are away (refresh token)',
  'logout.title': 'Log out',
  'logout.question': 'Log out of Yihao? Every platform you entered through Yihao will ask you to log in again.',
  'logout.yes': 'Log out',
  'logout.no': 'Stay logged in',
  'logout.done': 'You have been logged out.',
  'error.title': 'Something went wrong',
  'error.generic': 'The request could not be completed; please go back and start again.',
  'error.code': 'Error code',
};

/** Error texts live with their codes (error-codes.ts); pages show them like any other text. */
const errorTexts = (i: 1 | 2) => Object.fromEntries(Object.entries(ERROR_CODES).map(([code, spec]) => [code, spec[i]]));

/** Each area's texts; the page-specific ones below win over them. */
const areas = [legalPersonMessages, recoveryMessages, smsMessages, mfaMessages, factorMessages, passkeyMessages, verificationMessages, accountMessages, adminMessages, proofingMessages, reclaimMessages, rightsMessages, adminDeskMessages, adminOpsMessages, guardianMessages];
const merged = (locale: Locale, base: Record<string, string>, own: Record<string, string>) => Object.assign({}, base, ...areas.map((a) => a[locale]), own) as Record<string, string>;

const dictionaries: Record<Locale, Record<string, string>> = {
  'zh-CN': merged('zh-CN', errorTexts(1), zh),
  en: merged('en', errorTexts(2), en),
};

export const hasMessage = (key: string) => key in dictionaries['zh-CN'];

export type Translate = (key: string, params?: Record<string, string>) => string;

export function translator(locale: Locale): Translate {
  const dict = dictionaries[locale];
  return (key, params) => {
    const text = dict[key] ?? dictionaries['zh-CN'][key] ?? key;
    return params ? text.replace(/\{(\w+)\}/g, (_, p: string) => params[p] ?? '') : text;
  };
}

/** Picks the locale from an explicit choice, then Accept-Language; Chinese by default. */
export function pickLocale(explicit: string | undefined, acceptLanguage: string | undefined): Locale {
  if (explicit && (LOCALES as readonly string[]).includes(explicit)) return explicit as Locale;
  const first = acceptLanguage?.split(',')[0]?.trim().toLowerCase() ?? '';
  return first.startsWith('en') ? 'en' : 'zh-CN';
}
