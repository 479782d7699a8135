/**
 * oidc-provider configuration: every option chosen deliberately, nothing left to quick-start
 * defaults (no devInteractions, PKCE S256 for every client, code flow only, short lifetimes).
 */
import type { Context } from 'koa';
import Provider, { interactionPolicy, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { ActingRoles } from '../identity/acting-roles.ts';
import type { PersonRoles } from '../identity/person-roles.ts';
import { pairwiseSubject } from './subjects.ts';
import { withEntityPrompt } from './entity-prompt.ts';
import type { Config } from '../config.ts';
import { sendPage } from '../http/pages.ts';
import { respondUnavailable } from '../http/unavailable-response.ts';
import { isDatabaseUnavailable } from '../store/unavailable.ts';
import { SCOPE_CLAIMS } from './account.ts';
import { assurancePolicy, MFA_PROMPT, MINIMUM_AAL, MINIMUM_ACR, VERIFY_PROMPT, type AssuranceLookup } from './assurance-policy.ts';
import { supportedAcrValues } from '../authn/strength.ts';
import { RESOURCE_SCOPES, resourceIndicators } from './resources.ts';
import { sessionTtl } from './session-ttl.ts';

const epochSeconds = () => Math.floor(Date.now() / 1000);

export interface ProviderDeps {
  config: Config;
  jwks: { keys: Record<string, unknown>[] };
  adapter: Configuration['adapter'];
  findAccount: Configuration['findAccount'];
  actingRoles: ActingRoles;
  /** Natural persons a person may act for (guardians, assisted service). */
  personRoles: PersonRoles;
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

const STEP_UP_PATHS: Record<string, string> = { [VERIFY_PROMPT]: '/verify', [MFA_PROMPT]: '/mfa' };

const isFirstParty = (ctx: KoaContextWithOIDC) => ctx.oidc.client?.metadata().first_party === true;

export function buildProvider(deps: ProviderDeps): Provider {
  const { config } = deps;
  const secureCookies = config.issuer.startsWith('https:');
  const ttl = config.ttl;
  // Identity levels, strengths and both together (authn/strength.ts), advertised in discovery.
  const acrValues = supportedAcrValues(deps.assurance?.ladder.levels.map((l) => l.acr) ?? []);

  const configuration: Configuration = {
    adapter: deps.adapter,
    findAccount: deps.findAccount,
    jwks: deps.jwks as Configuration['jwks'],
    clients: [],
    // ID tokens carry the claims of the granted scopes too (the entity a person acts for must be
    // in the ID token, not only at userinfo).
    conformIdTokenClaims: false,
    claims: { ...SCOPE_CLAIMS, offline_access: [] } as unknown as Configuration['claims'],
    scopes: ['openid', 'offline_access', 'profile', 'phone', 'entity', 'represented_person', 'id_number', ...RESOURCE_SCOPES],
    // `id_number` is absent from the default: only platforms registered with it in their `scope`
    // metadata (explicitly permitted) may ask for the full ID number, and only with consent.
    clientDefaults: {
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'RS256',
      scope: 'openid offline_access profile phone entity represented_person',
      subject_type: 'pairwise',
    },
    subjectTypes: ['pairwise', 'public'],
    // Pairwise by default: platforms in different sectors cannot correlate a person by `sub`.
    async pairwiseIdentifier(_ctx, accountId, client) {
      return pairwiseSubject(config.subjectSalt, String(client.sectorIdentifier), accountId);
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
      // minor_own_consent: the platform relies on a 14–17-year-old's own consent (identity/age-rules.ts).
      // managed_platforms: the platforms a platform-manager client (scope admin:platforms) manages.
      properties: ['first_party', 'resource_server', 'minor_own_consent', MINIMUM_ACR, MINIMUM_AAL, 'managed_platforms'],
      validator(_ctx, key, value) {
        if (value === undefined) return;
        if (key === 'managed_platforms') {
          if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw new Error('managed_platforms must be a list of client ids');
          return;
        }
        if (key === MINIMUM_AAL) {
          if (value !== 1 && value !== 2 && value !== 3) throw new Error(`${MINIMUM_AAL} must be 1, 2 or 3`);
          return;
        }
        if (key === MINIMUM_ACR) {
          // A floor naming no level of ours would silently be no floor at all.
          if (!acrValues.includes(value as string)) throw new Error(`${MINIMUM_ACR} must be one of ${acrValues.join(', ') || '(no acr values configured)'}`);
          return;
        }
        if (typeof value !== 'boolean') throw new Error(`${key} must be a boolean`);
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
    acrValues,
    interactions: {
      policy: withEntityPrompt(deps.assurance ? assurancePolicy(deps.assurance) : interactionPolicy.base(), deps.actingRoles, deps.personRoles),
      // Step-up pages live under /interaction/:uid/verify and …/mfa (the interaction cookie's path).
      url: (_ctx, interaction) => `/interaction/${interaction.uid}${STEP_UP_PATHS[interaction.prompt.name] ?? ''}`,
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
      // Idle time since the last authorization, within an absolute limit from the login.
      Session: (_ctx, session) => sessionTtl({ now: epochSeconds(), loginTs: session.loginTs, exp: session.exp }, ttl.sessionIdle, ttl.session),
      Interaction: ttl.interaction,
      AuthorizationCode: ttl.authorizationCode,
      AccessToken: ttl.accessToken,
      ClientCredentials: ttl.accessToken,
      IdToken: ttl.idToken,
      RefreshToken: ttl.refreshToken,
      Grant: ttl.grant,
    },
    async renderError(ctx, out, error) {
      // The database cannot answer now: "try again shortly" (503), not "something went wrong".
      if (isDatabaseUnavailable(error)) return respondUnavailable(ctx as unknown as Context, 'db.unavailable');
      const code = typeof out.error === 'string' ? out.error : 'server_error';
      const status = (error as { status?: number }).status ?? (code === 'server_error' ? 500 : 400);
      // error_description is the provider's own safe text (never a stack); show it for operators.
      sendPage(ctx as unknown as Context, 'error', { message: 'error.generic', code, description: out.error_description }, status);
    },
  };

  const provider = new Provider(config.issuer, configuration);
  provider.proxy = !('hops' in config.trustProxy && config.trustProxy.hops === 0);
  return provider;
}
