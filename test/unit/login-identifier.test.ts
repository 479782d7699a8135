import { describe, expect, it } from 'vitest';
import { canonicalIdentifier, normaliseLoginIdentifier } from '../../src/identity/login-identifier.ts';

describe('login identifier', () => {
  it('turns every spelling of a mobile number into its 11 digits', () => {
    for (const typed of ['13800138000', '+8613800138000', '8613800138000', '008613800138000', '138 0013 8000', '138-0013-8000',
      '+86 138 0013 8000', '１３８００１３８０００', '＋８６１３８００１３８０００', '\u3000138\u30000013 8000 ']) {
      expect(normaliseLoginIdentifier(typed), typed).toEqual({ kind: 'phone', value: '13800138000' });
    }
  });

  it('turns every spelling of an ID number into its normalised 18 characters', () => {
    for (const typed of ['11010519491231002X', '11010519491231002x', '110105 19491231 002x', '110105-19491231-002X', '１１０１０５１９４９１２３１００２ｘ']) {
      expect(normaliseLoginIdentifier(typed), typed).toEqual({ kind: 'id_number', value: '11010519491231002X' });
    }
    // A legacy 15-digit number is the same person as its 18-digit form.
    expect(normaliseLoginIdentifier('110105491231002')).toEqual({ kind: 'id_number', value: '11010519491231002X' });
  });

  it('keeps other text as one canonical form, distinct from phones and ID numbers', () => {
    expect(normaliseLoginIdentifier(' ab-c ')).toEqual({ kind: 'other', value: 'ABC' });
    // Not a mobile number: 86 + 11 digits only, and only mobile prefixes.
    expect(normaliseLoginIdentifier('12800138000').kind).toBe('other');
    expect(normaliseLoginIdentifier('11010519491231002Y').kind).toBe('other');
    expect(canonicalIdentifier(normaliseLoginIdentifier('+86 13800138000'))).toBe('phone:13800138000');
    expect(canonicalIdentifier(normaliseLoginIdentifier('13800138000'))).not.toBe(canonicalIdentifier(normaliseLoginIdentifier('1380013800')));
  });
});
