import { describe, expect, it } from 'vitest';
import { ensureSigningKeys, loadSigningKeys, providerJwks, rotateSigningKeys } from '../../src/crypto/signing-keys.ts';
import { statSync } from 'node:fs';
import path from 'node:path';
import { tmpDir } from '../helpers/env.ts';

describe('signing keys', () => {
  it('creates ES256 and RS256 keys once, private file mode 0600', async () => {
    const dir = tmpDir();
    expect(await ensureSigningKeys(dir)).toBe(true);
    expect(await ensureSigningKeys(dir)).toBe(false);
    const keys = loadSigningKeys(dir, 3600);
    expect(keys.map((k) => k.jwk.alg).sort()).toEqual(['ES256', 'RS256']);
    expect(keys.every((k) => k.jwk.d)).toBe(true);
    expect(statSync(path.join(dir, 'signing-keys.json')).mode & 0o777).toBe(0o600);
  });

  it('puts the new key first and keeps the retired one until its tokens expire', async () => {
    const dir = tmpDir();
    await ensureSigningKeys(dir);
    const before = loadSigningKeys(dir, 3600).find((k) => k.jwk.alg === 'ES256')!;
    const [fresh] = await rotateSigningKeys(dir, 3600, ['ES256']);
    const after = loadSigningKeys(dir, 3600);
    const es = after.filter((k) => k.jwk.alg === 'ES256');
    expect(es[0]!.jwk.kid).toBe(fresh!.jwk.kid);
    expect(es.find((k) => k.jwk.kid === before.jwk.kid)?.retiredAt).toBeTruthy();
    expect(providerJwks(after).keys).toHaveLength(3);
    // With no retention left, the retired key is dropped.
    expect(loadSigningKeys(dir, 0).filter((k) => k.jwk.alg === 'ES256')).toHaveLength(1);
  });
});
