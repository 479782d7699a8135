/** Bank card numbers (ISO/IEC 7812): 12–19 digits with a Luhn check digit, typed with spaces or not. */
export type BankCardResult = { ok: true; value: string } | { ok: false; code: 'bank_card.invalid' };

export function luhnValid(digits: string): boolean {
  if (!/^\d{12,19}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

export function parseBankCardNumber(input: string): BankCardResult {
  const digits = input
    .replace(/[\uFF10-\uFF19]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/[\s-]/g, '');
  return luhnValid(digits) ? { ok: true, value: digits } : { ok: false, code: 'bank_card.invalid' };
}

/** 6222021500000000016 → 622202*********0016. */
export const maskBankCard = (n: string) => (n.length <= 10 ? '*'.repeat(n.length) : `${n.slice(0, 6)}${'*'.repeat(n.length - 10)}${n.slice(-4)}`);
