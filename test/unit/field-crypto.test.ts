import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FieldCrypto } from '../../src/crypto/field-crypto.ts';

describe('field encryption', () => {
  const k1 = randomBytes(32);
  const k2 = randomBytes(32);

  it('round-trips and never returns the plaintext in the sealed form', () => {
    const c = new FieldCrypto([k1]);
    const sealed = c.encrypt('11010519491231002X', 'person.id_number');
    expect(sealed).not.toContain('11010519491231002X');
    expect(c.decrypt(sealed, 'person.id_number')).toBe('11010519491231002X');
    expect(c.encrypt('same', 'x')).not.toBe(c.encrypt('same', 'x')); // random IV
  });

  it('binds a ciphertext to its column and detects tampering', () => {
    const c = new FieldCrypto([k1]);
    const sealed = c.encrypt('13800000000', 'person.phone');
    expect(() => c.decrypt(sealed, 'person.id_number')).toThrow();
    const parts = sealed.split('.');
    parts[3] = Buffer.from('tampered').toString('base64url');
    expect(() => c.decrypt(parts.join('.'), 'person.phone')).toThrow();
  });

  it('decrypts under a retired key after rotation and marks the value stale', () => {
    const old = new FieldCrypto([k1]).encrypt('value', 'ctx');
    const rotated = new FieldCrypto([k2, k1]);
    expect(rotated.decrypt(old, 'ctx')).toBe('value');
    expect(rotated.isStale(old)).toBe(true);
    expect(rotated.isStale(rotated.encrypt('value', 'ctx'))).toBe(false);
    expect(() => new FieldCrypto([k2]).decrypt(old, 'ctx')).toThrow(/unknown key/);
  });

  it('computes deterministic, keyed, context-separated blind indexes', () => {
    const c = new FieldCrypto([k1]);
    expect(c.blindIndex('x', 'a')).toBe(c.blindIndex('x', 'a'));
    expect(c.blindIndex('x', 'a')).not.toBe(c.blindIndex('x', 'b'));
    expect(new FieldCrypto([k2]).blindIndex('x', 'a')).not.toBe(c.blindIndex('x', 'a'));
  });
});
