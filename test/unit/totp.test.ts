/** TOTP as authenticator apps compute it: RFC 6238 vectors, the ±1 step window, code shapes. */
import { describe, expect, it } from 'vitest';
import { groupKey, matchingStep, newTotpSecret, normaliseTotpCode, totpCode, totpUri } from '../../src/authn/totp.ts';
import { formatRecoveryCode, normaliseRecoveryCode, RECOVERY_ALPHABET } from '../../src/authn/mfa-recovery-codes.ts';

// RFC 6238 appendix B, SHA-1 seed "12345678901234567890" in base32; the 6-digit codes are the
// last six digits of the RFC's 8-digit values.
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

describe('TOTP', () => {
  it('matches the RFC 6238 test vectors (SHA-1, 30 s)', () => {
    expect(totpCode(RFC_SECRET, 59_000)).toBe('287082');
    expect(totpCode(RFC_SECRET, 1_111_111_109_000)).toBe('081804');
    expect(totpCode(RFC_SECRET, 1_234_567_890_000)).toBe('005924');
    expect(matchingStep(RFC_SECRET, '287082', 59_000)).toBe(1);
  });

  it('accepts the previous and the next step, and nothing further', () => {
    const secret = newTotpSecret();
    const now = 1_800_000_015_000; // 15 s into a step
    const step = Math.floor(now / 30_000);
    expect(matchingStep(secret, totpCode(secret, now), now)).toBe(step);
    expect(matchingStep(secret, totpCode(secret, now - 30_000), now)).toBe(step - 1);
    expect(matchingStep(secret, totpCode(secret, now + 30_000), now)).toBe(step + 1);
    expect(matchingStep(secret, totpCode(secret, now - 60_000), now)).toBeUndefined();
    expect(matchingStep(secret, totpCode(secret, now + 60_000), now)).toBeUndefined();
    // At the very edges of the current step too.
    const start = step * 30_000;
    expect(matchingStep(secret, totpCode(secret, start - 1), start)).toBe(step - 1);
    expect(matchingStep(secret, totpCode(secret, start - 30_001), start)).toBeUndefined();
  });

  it('refuses another secret\'s code and malformed input', () => {
    const a = newTotpSecret();
    const b = newTotpSecret();
    const now = Date.now();
    // A code of b could equal a's by chance (1 in a million per step): pick steps where it does not.
    const code = totpCode(b, now);
    if (![-1, 0, 1].some((d) => totpCode(a, now + d * 30_000) === code)) expect(matchingStep(a, code, now)).toBeUndefined();
    for (const bad of ['', '12345', '1234567', 'abcdef', '12 34 5x']) expect(matchingStep(a, bad, now)).toBeUndefined();
    expect(normaliseTotpCode(' 123 456 ')).toBe('123456');
    expect(matchingStep(a, totpCode(a, now).replace(/^(...)/, '$1 '), now)).toBeDefined();
  });

  it('makes 160-bit secrets, a grouped key and a standard otpauth URI', () => {
    const secret = newTotpSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(groupKey(secret)).toMatch(/^([A-Z2-7]{4} ){7}[A-Z2-7]{4}$/);
    expect(groupKey(secret).replace(/ /g, '')).toBe(secret);
    const uri = new URL(totpUri(secret, '一号', '138****8000'));
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(uri.searchParams.get('secret')).toBe(secret);
    expect(uri.searchParams.get('issuer')).toBe('一号');
  });
});

describe('recovery code shapes', () => {
  it('uses an alphabet without look-alikes and reads codes however they are typed', () => {
    for (const c of '01ILO') expect(RECOVERY_ALPHABET).not.toContain(c);
    expect(formatRecoveryCode('ABCDE23456')).toBe('ABCDE-23456');
    expect(normaliseRecoveryCode(' abcde-23456 ')).toBe('ABCDE23456');
  });
});
