import { describe, expect, it } from 'vitest';
import { checkPasswordStrength, PasswordHasher } from '../../src/authn/password.ts';

describe('password rules', () => {
  it.each([
    ['Ab1!', 'password.too_short'],
    ['abcdefgh', 'password.too_simple'],
    ['abcdefg1', 'password.too_simple'],
    ['aaaaaaaaaaaaaaaaaa', 'password.too_simple'],
    ['Password123', 'password.common'],
    ['Zz11010519491231002X', 'password.contains_personal'],
    ['x'.repeat(129), 'password.too_long'],
  ])('refuses %s (%s)', (pw, code) => {
    expect(checkPasswordStrength(pw, ['11010519491231002X', '13800000000'])).toBe(code);
  });

  it.each(['Correct-Horse-9', 'correct horse battery staple', '政务服务Ab1!'])('accepts %s', (pw) => {
    expect(checkPasswordStrength(pw)).toBeUndefined();
  });

  it('hashes with argon2id at the configured parameters and verifies', async () => {
    const hasher = new PasswordHasher({ memoryCost: 19456, timeCost: 2, parallelism: 1 });
    const hash = await hasher.hash('Correct-Horse-9');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    expect(await hasher.verify(hash, 'Correct-Horse-9')).toBe(true);
    expect(await hasher.verify(hash, 'wrong')).toBe(false);
    expect(hasher.needsRehash(hash)).toBe(false);
    expect(new PasswordHasher({ memoryCost: 65536, timeCost: 3, parallelism: 1 }).needsRehash(hash)).toBe(true);
  });
});
