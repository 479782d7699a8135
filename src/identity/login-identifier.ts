/**
 * What a person types in the login box, in one canonical form: the same text finds the account
 * and keys the login throttle, so `+86 138-0013-8000`, `13800138000` and full-width
 * `１３８００１３８０００` are one identifier, and so are an ID number typed with spaces or a
 * lower-case x and its normalised form (a 15-digit number becomes its 18-digit form).
 */
import { parseIdNumber } from './id-number.ts';

export type LoginIdentifier =
  | { kind: 'phone'; value: string }
  | { kind: 'id_number'; value: string }
  /** Neither: never an account, but still one throttle key per canonical text. */
  | { kind: 'other'; value: string };

// Full-width ASCII (U+FF01–FF5E: digits, letters, ＋, －) sits 0xFEE0 above ASCII.
const toAscii = (s: string) => s.replace(/[\uFF01-\uFF5E]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0));
// Spaces (incl. U+3000), hyphens and dashes, brackets people put around an area code.
const SEPARATORS = /[\s\-\u2010-\u2015\u2212()]/g;
// +86 / 0086 / 86 before a mainland mobile number (86 only when 13 digits in all).
const MOBILE = /^(?:\+86|0086|86)?(1[3-9]\d{9})$/;

export function normaliseLoginIdentifier(input: string): LoginIdentifier {
  const text = toAscii(input.normalize('NFC')).replace(SEPARATORS, '').toUpperCase();
  const mobile = MOBILE.exec(text);
  if (mobile) return { kind: 'phone', value: mobile[1]! };
  const id = parseIdNumber(text);
  if (id.ok) return { kind: 'id_number', value: id.value.number };
  return { kind: 'other', value: text };
}

/** The identifier's canonical text, tagged by kind (what the throttle keys an unknown one on). */
export const canonicalIdentifier = (id: LoginIdentifier) => `${id.kind}:${id.value}`;
