/**
 * Resource servers that accept Yihao access tokens for machine-to-machine calls
 * (client_credentials). Tokens for them are JWTs signed with ES256 (fast to sign, verifiable
 * offline); tokens from the login flows stay opaque and are meant for userinfo.
 */
import { errors, type Configuration } from 'oidc-provider';
import { ROLE_SCOPES } from '../admin/roles.ts';

export const ADMIN_RESOURCE = 'urn:yihao:admin';
export const API_RESOURCE = 'urn:yihao:api';

/** One scope per administrative role (admin/roles.ts): the admin API's only scopes. */
export const ADMIN_SCOPES = Object.values(ROLE_SCOPES);

const RESOURCE_SERVERS: Record<string, { scope: string }> = {
  [ADMIN_RESOURCE]: { scope: ADMIN_SCOPES.join(' ') },
  [API_RESOURCE]: { scope: 'api' },
};

/** Scopes clients may be registered with for resource servers. */
export const RESOURCE_SCOPES = [...new Set(Object.values(RESOURCE_SERVERS).flatMap((s) => s.scope.split(' ')))];

export function resourceIndicators(accessTokenTtl: number): NonNullable<Configuration['features']>['resourceIndicators'] {
  return {
    enabled: true,
    // Only client_credentials defaults to a resource; the login flows keep userinfo tokens.
    defaultResource: (ctx, _client, oneOf) => {
      if (oneOf) return oneOf;
      const grantType = (ctx.oidc.params as { grant_type?: string } | undefined)?.grant_type;
      return grantType === 'client_credentials' ? API_RESOURCE : (undefined as unknown as string);
    },
    useGrantedResource: () => false,
    getResourceServerInfo: (_ctx, indicator) => {
      const server = RESOURCE_SERVERS[indicator];
      if (!server) throw new errors.InvalidTarget();
      return { ...server, audience: indicator, accessTokenTTL: accessTokenTtl, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'ES256' } } };
    },
  };
}
