/**
 * oidc-provider configuration: every option chosen deliberately, nothing left to quick-start
 * defaults (no devInteractions, PKCE S256 for every client, code flow only, short lifetimes).
 */
import type { Context } from 'koa';
import Provider, { interactionPolicy, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { createHmac } from 'node:crypto';
import type { ActingRoles } from '../identity/acting-roles.ts';
import { withEntityPrompt } from './entity-prompt.ts';
import type { Config } from '../config.ts';
import { sendPage } from '../http/pages.ts';
import { SCOPE_CLAIMS } from './account.ts';
import { assurancePolicy, VERIFY_PROMPT, type AssuranceLookup } from './assurance-policy.ts';
import { RESOURCE_SCOPES, resourceIndicators } from './resources.ts';

const epochSeconds = () => Math.floor(Date.now() / 1000);

export interface ProviderDeps {
  config: Config;
  jwks: { keys: Record<string, unknown>[] };
  adapter: Configuration['adapter'];
  findAccount: Configuration['findAccount'];
  actingRoles: ActingRoles;
  /** Identity assurance: acr values from the ladder and the step-up (`verify`) prompt. */
  assurance?: AssuranceLookup;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * oidc-provider destroys sockets to special-use addresses (its SSRF guard). Development and test
 * may reach loopback platforms (back-channel logout, jwks_uri); production never may (config.ts).
 */
function fetchWith(allowLoopback: boolean): Configuration['fetch'] {
  return (url, options) => {
    if (allowLoopback && LOOPBACK.has(new URL(String(url)).hostname)) {
      const { dispatcher: _guard, ...rest } = options as RequestInit & { dispatcher?: unknown };
      return fetch(url, rest);
    }
    return fetch(url, options);
  };
}

const isFirstParty = (ctx: KoaContextWithOIDC) => ctx.oidc.client?.metadata().first_party === true;

export function buildProvider(deps: ProviderDeps): Provider {
  const { config } = deps;
  const secureCookies = config.issuer.startsWith('https:');
  const ttl = config.ttl;

  const configuration: Configuration = {
    adapter: deps.adapter,
    findAccount: deps.findAccount,
    jwks: deps.jwks as Configuration['jwks'],
    clients: [],
    // ID tokens carry the claims of the granted scopes too (the entity a person acts for must be
    // in the ID token, not only at userinfo).
    conformIdTokenClaims: false,
    claims: { ...SCOPE_CLAIMS, offline_access: [] } as unknown as Configuration['claims'],
    scopes: ['openid', 'offline_access', 'profile', 'phone', 'entity', 'id_number', ...RESOURCE_SCOPES],
    // `id_number` is absent from the default: only platforms registered with it in their `scope`
    // metadata (explicitly permitted) may ask for the full ID number, and only with consent.
    clientDefaults: {
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'RS256',
      scope: 'openid offline_access profile phone entity',
      subject_type: 'pairwise',
    },
    subjectTypes: ['pairwise', 'public'],
    // Pairwise by default: platforms in different sectors cannot correlate a person by `sub`.
    async pairwiseIdentifier(_ctx, accountId, client) {
      return createHmac('sha256', config.subjectSalt).update(`${client.sectorIdentifier}\0${accountId}`).digest('base64url');
    },
    responseTypes: ['code'],
    pkce: { required: () => true },
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'],
    enabledJWA: {
      clientAuthSigningAlgValues: ['ES256', 'RS256', 'PS256', 'EdDSA'],
      idTokenSigningAlgValues: ['ES256', 'RS256'],
      userinfoSigningAlgValues: ['ES256', 'RS256'],
      introspectionSigningAlgValues: ['ES256', 'RS256'],
      authorizationSigningAlgValues: ['ES256', 'RS256'],
    },
    cookies: {
      keys: config.cookieKeys,
      long: { signed: true, httpOnly: true, sameSite: 'lax', secure: secureCookies },
      short: { signed: true, httpOnly: true, sameSite: 'lax', secure: secureCookies },
    },
    extraClientMetadata: {
      properties: ['first_party', 'resource_server'],
      validator(_ctx, key, value) {
        if (value !== undefined && typeof value !== 'boolean') throw new Error(`${key} must be a boolean`);
      },
    },
    features: {
      devInteractions: { enabled: false },
      claimsParameter: { enabled: true },
      // A platform may introspect the tokens issued to it; only a client registered as a resource
      // server (`resource_server: true`) may introspect other platforms' tokens.
      introspection: {
        enabled: true,
        allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId || client.metadata().resource_server === true,
      },
      revocation: { enabled: true },
      userinfo: { enabled: true },
      backchannelLogout: { enabled: true },
      clientCredentials: { enabled: true },
      resourceIndicators: resourceIndicators(config.ttl.accessToken),
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => sendPage(ctx as unknown as Context, 'logout', { form }),
        postLogoutSuccessSource: async (ctx) => sendPage(ctx as unknown as Context, 'logout-success'),
      },
    },
    fetch: fetchWith(config.allowLoopbackFetch),
    // acr values are the assurance ladder's levels (urn:yihao:loa:1…), advertised in discovery.
    acrValues: deps.assurance?.ladder.levels.map((l) => l.acr) ?? [],
    interactions: {
      policy: withEntityPrompt(deps.assurance ? assurancePolicy(deps.assurance) : interactionPolicy.base(), deps.actingRoles),
      // The step-up pages live under /interaction/:uid/verify (the interaction cookie's path).
      url: (_ctx, interaction) => `/interaction/${interaction.uid}${interaction.prompt.name === VERIFY_PROMPT ? '/verify' : ''}`,
    },
    // First-party platforms (the province's own portal and app) skip the consent screen.
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session!.grantIdFor(ctx.oidc.client!.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      if (!isFirstParty(ctx)) return undefined;
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client!.clientId, accountId: ctx.oidc.session!.accountId! });
      // The full ID number is sensitive personal information: always asked for explicitly.
      grant.addOIDCScope([...ctx.oidc.requestParamScopes].filter((s) => s !== 'id_number').join(' '));
      grant.addOIDCClaims([...ctx.oidc.requestParamClaims].filter((c) => c !== 'id_number'));
      await grant.save();
      return grant;
    },
    rotateRefreshToken: true,
    ttl: {
      // Absolute from the last login, not sliding: a working day, then sign in again.
      Session: (_ctx, session) => Math.max(1, (session.loginTs ?? epochSeconds()) + ttl.session - epochSeconds()),
      Interaction: ttl.interaction,
      AuthorizationCode: ttl.authorizationCode,
      AccessToken: ttl.accessToken,
      ClientCredentials: ttl.accessToken,
      IdToken: ttl.idToken,
      RefreshToken: ttl.refreshToken,
      Grant: ttl.grant,
    },
    async renderError(ctx, out, error) {
      const code = typeof out.error === 'string' ? out.error : 'server_error';
      const status = (error as { status?: number }).status ?? 400;
      // error_description is the provider's own safe text (never a stack); show it for operators.
      sendPage(ctx as unknown as Context, 'error', { message: 'error.generic', code, description: out.error_description }, status);
    },
  };

  const provider = new Provider(config.issuer, configuration);
  provider.proxy = !('hops' in config.trustProxy && config.trustProxy.hops === 0);
  return provider;
}
