/**
 * Verifies the console's ID token as any careful relying party would: signature against Yihao's
 * published keys, issuer, audience, expiry, and the nonce bound to this browser's login.
 */
import { errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { AppError } from '../errors.ts';

export interface ConsoleIdentity {
  sub: string;
  /** The SSO session's id for this client (requested through the claims parameter). */
  sid: string;
  /** Seconds since the epoch. */
  authTime: number;
  /** How the person authenticated (RFC 8176), for re-authentication rules (reauth.ts). */
  amr: string[];
}

export async function verifyIdToken(
  idToken: string,
  keys: JWTVerifyGetKey,
  expected: { issuer: string; audience: string; nonce: string },
): Promise<ConsoleIdentity> {
  try {
    const { payload } = await jwtVerify(idToken, keys, {
      issuer: expected.issuer,
      audience: expected.audience,
      algorithms: ['RS256', 'ES256'],
      requiredClaims: ['sub', 'sid', 'auth_time', 'nonce', 'exp', 'iat'],
      clockTolerance: 5,
    });
    if (payload.nonce !== expected.nonce) throw new AppError('account.id_token_invalid', 'nonce mismatch');
    if (typeof payload.sid !== 'string' || typeof payload.auth_time !== 'number' || !payload.sub) {
      throw new AppError('account.id_token_invalid', 'malformed claims');
    }
    const amr = Array.isArray(payload.amr) ? payload.amr.filter((m): m is string => typeof m === 'string') : [];
    return { sub: payload.sub, sid: payload.sid, authTime: payload.auth_time, amr };
  } catch (e) {
    if (e instanceof AppError) throw e;
    if (e instanceof joseErrors.JOSEError) throw new AppError('account.id_token_invalid', e.code);
    throw e;
  }
}
