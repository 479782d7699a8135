/** Mainland China mobile numbers: 11 digits starting 13-19, with an optional +86 / 0086 prefix. */
export type PhoneResult = { ok: true; value: string } | { ok: false; code: 'phone.invalid' };

export function parsePhone(input: string): PhoneResult {
  const digits = input
    .replace(/[\uFF10-\uFF19]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/[\s\-()]/g, '')
    .replace(/^(\+86|0086)/, '');
  return /^1[3-9]\d{9}$/.test(digits) ? { ok: true, value: digits } : { ok: false, code: 'phone.invalid' };
}

export const maskPhone = (phone: string) => `${phone.slice(0, 3)}****${phone.slice(-4)}`;
