import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { Context } from 'koa';
import { describe, expect, it } from 'vitest';
import { IDLE_TIMEOUT_SECONDS, readAccountSession } from '../../src/account/account-cookies.ts';
import { verifyIdToken } from '../../src/account/id-token.ts';
import { loopbackOrigin } from '../../src/account/loopback.ts';
import { isRecentLogin, REAUTH_WINDOW_SECONDS } from '../../src/account/password-change.ts';

const ISSUER = 'https://id.example.gov.cn';

describe('loopbackOrigin', () => {
  it('calls this process on the port the request arrived on, never on the public issuer', () => {
    expect(loopbackOrigin({ localPort: 3000 }, '0.0.0.0')).toBe('http://127.0.0.1:3000');
    expect(loopbackOrigin({ localPort: 3000 }, '::')).toBe('http://127.0.0.1:3000');
    expect(loopbackOrigin({ localPort: 41234 }, '127.0.0.1')).toBe('http://127.0.0.1:41234');
    expect(loopbackOrigin({ localPort: 8080 }, '10.1.2.3')).toBe('http://10.1.2.3:8080');
    expect(loopbackOrigin({ localPort: 8080 }, '::1')).toBe('http://[::1]:8080');
  });
});

describe('the console session cookie', () => {
  const fakeCtx = (value: unknown) => ({
    cookies: { get: () => (value === undefined ? undefined : Buffer.from(JSON.stringify(value)).toString('base64url')) },
  }) as unknown as Context;
  const session = { sub: 'a', sid: 's', authTime: 1, amr: ['pwd'], idToken: 'x.y.z', seen: 1_000_000 };

  it('expires after 15 idle minutes', () => {
    expect(readAccountSession(fakeCtx(session), session.seen + IDLE_TIMEOUT_SECONDS * 1000)).toEqual(session);
    expect(readAccountSession(fakeCtx(session), session.seen + IDLE_TIMEOUT_SECONDS * 1000 + 1)).toBeUndefined();
  });

  it('ignores malformed contents', () => {
    expect(readAccountSession(fakeCtx({ ...session, sub: 5 }), session.seen)).toBeUndefined();
    expect(readAccountSession(fakeCtx(undefined), session.seen)).toBeUndefined();
    expect(readAccountSession({ cookies: { get: () => '%%%' } } as unknown as Context, session.seen)).toBeUndefined();
  });
});

describe('re-authentication window', () => {
  it('accepts a login up to 5 minutes old', () => {
    const now = 1_800_000_000_000;
    expect(isRecentLogin(now / 1000 - REAUTH_WINDOW_SECONDS, now)).toBe(true);
    expect(isRecentLogin(now / 1000 - REAUTH_WINDOW_SECONDS - 1, now)).toBe(false);
  });
});

describe('verifyIdToken', async () => {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const other = await generateKeyPair('ES256');
  const keys = createLocalJWKSet({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' }] });
  const expected = { issuer: ISSUER, audience: 'yihao-account', nonce: 'n-123' };
  const token = (claims: Record<string, unknown> = {}, key = privateKey) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      iss: ISSUER, aud: 'yihao-account', sub: 'person-1', iat: now, exp: now + 600,
      nonce: 'n-123', sid: 'sid-1', auth_time: 1_700_000_000, ...claims,
    }).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).sign(key);
  };

  it('accepts a token from our issuer for the console with the nonce of this login', async () => {
    await expect(verifyIdToken(await token(), keys, expected)).resolves.toEqual({ sub: 'person-1', sid: 'sid-1', authTime: 1_700_000_000, amr: [] });
    await expect(verifyIdToken(await token({ amr: ['pwd', 'otp', 'mfa'] }), keys, expected)).resolves.toMatchObject({ amr: ['pwd', 'otp', 'mfa'] });
  });

  it.each([
    ['another nonce', { nonce: 'n-999' }],
    ['another audience', { aud: 'someone-else' }],
    ['another issuer', { iss: 'https://evil.example' }],
    ['no sid', { sid: undefined }],
    ['no auth_time', { auth_time: undefined }],
    ['an expired token', { exp: Math.floor(Date.now() / 1000) - 60 }],
  ])('rejects %s', async (_what, claims) => {
    await expect(verifyIdToken(await token(claims), keys, expected)).rejects.toMatchObject({ code: 'account.id_token_invalid' });
  });

  it('rejects a token signed by another key', async () => {
    await expect(verifyIdToken(await token({}, other.privateKey), keys, expected)).rejects.toMatchObject({ code: 'account.id_token_invalid' });
  });
});
