/**
 * Check characters used to validate the sandbox fixtures. The identity module owns the
 * production validators; these stay here so that the sandbox does not depend on it.
 */
const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';

/** GB 11643-1999 check character of the first 17 digits. */
export function idNumberCheckChar(first17: string): string {
  const sum = ID_WEIGHTS.reduce((acc, w, i) => acc + Number(first17[i]) * w, 0);
  return ID_CHECK[sum % 11] ?? '';
}

export function isValidIdNumber(id: string): boolean {
  return /^\d{17}[\dX]$/.test(id) && idNumberCheckChar(id.slice(0, 17)) === id[17];
}

const CODE_SYMBOLS = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const CODE_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/** GB 32100-2015 check character of the first 17 symbols. */
export function creditCodeCheckChar(first17: string): string {
  const sum = CODE_WEIGHTS.reduce((acc, w, i) => acc + CODE_SYMBOLS.indexOf(first17[i] ?? '') * w, 0);
  return CODE_SYMBOLS[(31 - (sum % 31)) % 31] ?? '';
}

const ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2];
/** GB 11714 values: digits as themselves, letters A=10 … Z=35. */
const orgValue = (c: string) => (/\d/.test(c) ? Number(c) : c.charCodeAt(0) - 55);

export function orgCodeCheckChar(first8: string): string {
  const r = 11 - (ORG_WEIGHTS.reduce((acc, w, i) => acc + orgValue(first8[i] ?? '0') * w, 0) % 11);
  return r === 10 ? 'X' : r === 11 ? '0' : String(r);
}

export function isValidCreditCode(code: string): boolean {
  if (!/^[0-9A-HJ-NPQRTUWXY]{18}$/.test(code)) return false;
  if (creditCodeCheckChar(code.slice(0, 17)) !== code[17]) return false;
  return orgCodeCheckChar(code.slice(8, 16)) === code[16]; // positions 9-17: organisation code
}

/** Luhn (ISO/IEC 7812) check over a bank card number. */
export function luhnValid(digits: string): boolean {
  if (!/^\d{12,19}$/.test(digits)) return false;
  let sum = 0;
  [...digits].reverse().forEach((ch, i) => {
    let d = Number(ch);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  });
  return sum % 10 === 0;
}
