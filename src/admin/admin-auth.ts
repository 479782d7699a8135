/**
 * Authentication of the admin API: a Bearer JWT access token that Yihao itself issued for the
 * resource `urn:yihao:admin` (client_credentials; oidc-provider signs it ES256, typ at+jwt,
 * RFC 9068). Verified offline against Yihao's own signing keys, re-read when the key file
 * changes, with issuer, audience, type and expiry checked. The token's scopes are the client's
 * roles (roles.ts ROLE_SCOPES, one scope per duty); the principal left on ctx.state.admin is
 * what requireRole checks and what the audit trail names (`client:<id>`).
 *
 * The client must still be registered and enabled: a removed or disabled client's tokens stop at
 * once (the registry read goes through no cache of ours). A platform manager's platforms are its
 * registration's `managed_platforms` metadata, read at each request so a change applies at once.
 * A token holding the auditor's scope with an acting one is refused (separated duties; the
 * registry refuses such a registration too).
 */
import { createLocalJWKSet, jwtVerify, type JWK, type JWTPayload } from 'jose';
import type { Context, Middleware } from 'koa';
import { keyFileVersion, loadSigningKeys } from '../crypto/signing-keys.ts';
import { AppError } from '../errors.ts';
import { conflictsWith, rolesFromScopes, type AdminPrincipal } from './roles.ts';

export interface AdminAuthOptions {
  issuer: string;
  audience: string;
  keysDir: string;
  retainSeconds: number;
  /** The client's registration, undefined when it is removed or disabled. */
  clientMetadata(clientId: string): Promise<Record<string, unknown> | undefined>;
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

const challenge = (ctx: Context, error: string) => ctx.set('WWW-Authenticate', `Bearer realm="yihao-admin", error="${error}"`);

/** Middleware authenticating the caller; the principal is left on ctx.state.admin. */
export function adminAuthenticator(opts: AdminAuthOptions): Middleware {
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

  const invalid = (ctx: Context, why: string) => {
    challenge(ctx, 'invalid_token');
    return new AppError('admin.invalid_token', why);
  };

  async function authenticate(ctx: Context): Promise<AdminPrincipal> {
    const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(ctx.get('authorization'));
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
      throw invalid(ctx, 'the access token is not valid for the admin API');
    }
    const clientId = typeof payload.client_id === 'string' ? payload.client_id : '';
    const metadata = clientId ? await opts.clientMetadata(clientId) : undefined;
    if (!metadata) throw invalid(ctx, 'the client of this access token is removed or disabled');
    const roles = rolesFromScopes(typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : []);
    if (roles.has('auditor') && conflictsWith(roles, 'auditor')) {
      throw new AppError('admin.conflicting_roles', 'a token may not carry the auditor scope with an acting scope');
    }
    const managed = metadata.managed_platforms;
    return {
      kind: 'client',
      id: clientId,
      actor: `client:${clientId}`,
      roles,
      platforms: roles.has('platform_manager') && Array.isArray(managed) ? managed.filter((p): p is string => typeof p === 'string') : [],
    };
  }

  return async (ctx, next) => {
    ctx.state.admin = await authenticate(ctx);
    await next();
  };
}
