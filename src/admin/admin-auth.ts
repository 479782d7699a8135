/**
 * Authentication of the admin API: a Bearer JWT access token that Yihao itself issued for the
 * resource `urn:yihao:admin` (client_credentials; oidc-provider signs it ES256, typ at+jwt,
 * RFC 9068). Verified offline against Yihao's own signing keys, re-read when the key file
 * changes, with issuer, audience, type and expiry checked; then the route's scope is required.
 * 401 when the token is missing or not valid, 403 when it lacks the scope (RFC 6750 headers).
 */
import { createLocalJWKSet, jwtVerify, type JWK, type JWTPayload } from 'jose';
import type { Context, Middleware } from 'koa';
import { keyFileVersion, loadSigningKeys } from '../crypto/signing-keys.ts';
import { AppError } from '../errors.ts';

export interface AdminPrincipal {
  /** The client the token was issued to. */
  clientId: string;
  scopes: Set<string>;
}

export interface AdminAuthOptions {
  issuer: string;
  audience: string;
  keysDir: string;
  retainSeconds: number;
}

const PRIVATE_PARTS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'] as const;

function publicJwks(keysDir: string, retainSeconds: number): { keys: JWK[] } {
  return {
    keys: loadSigningKeys(keysDir, retainSeconds).map(({ jwk }) => {
      const pub: JWK = { ...jwk };
      for (const part of PRIVATE_PARTS) delete (pub as Record<string, unknown>)[part];
      return pub;
    }),
  };
}

export function adminAuthenticator(opts: AdminAuthOptions) {
  let version = -1;
  let jwks: ReturnType<typeof createLocalJWKSet> | undefined;
  const keySet = () => {
    const current = keyFileVersion(opts.keysDir);
    if (!jwks || current !== version) {
      jwks = createLocalJWKSet(publicJwks(opts.keysDir, opts.retainSeconds));
      version = current;
    }
    return jwks;
  };

  const challenge = (ctx: Context, error: string, extra = '') =>
    ctx.set('WWW-Authenticate', `Bearer realm="yihao-admin", error="${error}"${extra}`);

  async function authenticate(ctx: Context): Promise<AdminPrincipal> {
    const header = ctx.get('authorization');
    const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(header);
    if (!match) {
      ctx.set('WWW-Authenticate', 'Bearer realm="yihao-admin"');
      throw new AppError('admin.token_required', 'a Bearer access token for urn:yihao:admin is required');
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(match[1]!, keySet(), {
        issuer: opts.issuer,
        audience: opts.audience,
        algorithms: ['ES256'],
        typ: 'at+jwt',
        requiredClaims: ['exp', 'iat'],
      }));
    } catch {
      challenge(ctx, 'invalid_token');
      throw new AppError('admin.invalid_token', 'the access token is not valid for the admin API');
    }
    const clientId = typeof payload.client_id === 'string' ? payload.client_id : String(payload.sub ?? '');
    const scopes = new Set(typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : []);
    return { clientId, scopes };
  }

  /** Middleware requiring `scope`; the principal is left on ctx.state.admin. */
  return (scope: string): Middleware => async (ctx, next) => {
    const principal = await authenticate(ctx);
    if (!principal.scopes.has(scope)) {
      challenge(ctx, 'insufficient_scope', `, scope="${scope}"`);
      throw new AppError('admin.insufficient_scope', `the access token lacks the ${scope} scope`);
    }
    ctx.state.admin = principal;
    await next();
  };
}
