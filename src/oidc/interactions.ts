/**
 * Our interaction pages (login, consent; registration in registration-pages.ts) — the round trip of oidc-provider's
 * example/routes/koa.js, with CSRF on every form and rate limits on every credential check.
 */
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { errors as oidcErrors } from 'oidc-provider';
import type { PasswordLogin } from '../authn/password-login.ts';
import type { Throttle } from '../authn/throttle.ts';
import { AppError, isAppError } from '../errors.ts';
import { csrfToken, verifyCsrf } from '../http/csrf.ts';
import { sameOrigin } from '../http/same-origin.ts';
import { sendPage } from '../http/pages.ts';
import { clientIp, rateLimit } from '../http/rate-limit.ts';
import type { PersonService } from '../identity/persons.ts';
import type { Registration } from '../identity/registration.ts';
import { mountRegistrationRoutes } from './registration-pages.ts';
import type { Audit } from '../audit/audit.ts';
import type { ActingRoles } from '../identity/acting-roles.ts';
import type { PersonRoles, PlatformTerms } from '../identity/person-roles.ts';
import { entityPage, mountEntityRoutes } from './entity-pages.ts';
import { mountRecoveryRoutes } from './recovery-pages.ts';
import type { PasswordRecovery } from '../authn/password-recovery.ts';
import { ENTITY_PROMPT } from './entity-prompt.ts';
import { mountPasskeyLogin, type PasskeyLoginDeps } from './passkey-login.ts';
import type { SmsCodes } from '../authn/sms-codes.ts';
import { mountSmsLoginRoutes } from './sms-login.ts';

export interface InteractionDeps {
  /** ISSUER: its origin is the only one our forms may be posted from. */
  issuer: string;
  provider: () => Provider;
  persons: PersonService;
  login: PasswordLogin;
  throttle: Throttle;
  audit: Audit;
  actingRoles: ActingRoles;
  personRoles: PersonRoles;
  recovery: PasswordRecovery;
  sessionTtl: number;
  /** Usernameless login with a passkey (passkey-login.ts). */
  passkeys: PasskeyLoginDeps;
  smsCodes: SmsCodes;
  registration: Registration;
}

const NOTICES = new Set(['login.registered', 'login.password_reset']);
const str = (v: unknown) => (typeof v === 'string' ? v : '');

export function interactionRouter(deps: InteractionDeps): Router {
  const router = new Router({ prefix: '/interaction/:uid' });
  router.use(async (ctx, next) => {
    ctx.set('Cache-Control', 'no-store');
    await next();
  });
  router.use(sameOrigin(deps.issuer), bodyParser({ enableTypes: ['form'], formLimit: '16kb' }), verifyCsrf);

  /** Loads the interaction; a stale or foreign uid becomes a friendly "start again" page. */
  async function details(ctx: Context) {
    try {
      const d = await deps.provider().interactionDetails(ctx.req, ctx.res);
      if (d.uid !== ctx.params.uid) throw new AppError('interaction.expired');
      return d;
    } catch (e) {
      if (e instanceof oidcErrors.SessionNotFound || isAppError(e)) throw new AppError('interaction.expired');
      throw e;
    }
  }

  async function clientName(clientId: unknown): Promise<string> {
    const client = await deps.provider().Client.find(String(clientId));
    return client?.clientName ?? String(clientId);
  }

  async function platform(clientId: unknown): Promise<PlatformTerms> {
    const client = await deps.provider().Client.find(String(clientId));
    return { clientId: String(clientId), minorOwnConsent: client?.metadata().minor_own_consent === true };
  }

  async function finish(ctx: Context, result: Record<string, unknown>) {
    const to = await deps.provider().interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
    ctx.status = 303;
    ctx.redirect(to);
  }

  const loginPage = async (ctx: Context, extra: Record<string, unknown> = {}, status = 200) => {
    const d = await details(ctx);
    const smsLogin = await deps.smsCodes.offered();
    // Registration needs an SMS code too: without a way to send one, no link to it.
    sendPage(ctx, 'login', { uid: d.uid, csrf: csrfToken(ctx), clientName: await clientName(d.params.client_id), smsLogin, registration: smsLogin, ...extra }, status, { script: true });
  };

  const tools = { details: details as never, clientName, platform, finish };
  const showEntityPage = entityPage(tools, deps.actingRoles, deps.personRoles);
  mountEntityRoutes(router, tools, deps.actingRoles, deps.personRoles, deps.audit, deps.sessionTtl);
  mountRecoveryRoutes(router, tools, deps.recovery, deps.audit);
  mountPasskeyLogin(router, { details: details as never, finish, loginPage }, deps.passkeys);
  mountSmsLoginRoutes(router, tools, deps.smsCodes, deps.audit);
  mountRegistrationRoutes(router, tools, { registration: deps.registration, throttle: deps.throttle, audit: deps.audit });

  router.get('/', async (ctx) => {
    const d = await details(ctx);
    if (d.prompt.name === ENTITY_PROMPT) return showEntityPage(ctx, d as never);
    if (d.prompt.name === 'login') {
      const notice = str(ctx.query.notice);
      return loginPage(ctx, { notice: NOTICES.has(notice) ? notice : undefined });
    }
    if (d.prompt.name === 'consent') {
      const missing = (d.prompt.details.missingOIDCScope as string[] | undefined) ?? [];
      // A bare claims-parameter request for the ID number is shown like the scope that releases it.
      const claims = (d.prompt.details.missingOIDCClaims as string[] | undefined) ?? [];
      const scopes = [...new Set([...missing.filter((s) => s !== 'openid'), ...(claims.includes('id_number') ? ['id_number'] : [])])];
      return sendPage(ctx, 'consent', { uid: d.uid, csrf: csrfToken(ctx), clientName: await clientName(d.params.client_id), scopes: scopes.length ? scopes : ['openid'] });
    }
    throw new AppError('interaction.unknown_prompt');
  });

  router.post('/login', async (ctx) => {
    const d = await details(ctx);
    if (d.prompt.name !== 'login') throw new AppError('interaction.expired');
    const body = ctx.request.body as Record<string, unknown>;
    const identifier = str(body.identifier).slice(0, 64);
    try {
      const accountId = await deps.login.authenticate(identifier, str(body.password).slice(0, 256), clientIp(ctx));
      await deps.audit.record({ actor: accountId, action: 'login.success', target: String(d.params.client_id), detail: { method: 'password', ip: clientIp(ctx) } });
      await finish(ctx, { login: { accountId, amr: ['pwd'], remember: false } });
    } catch (e) {
      if (!isAppError(e) || (e.code !== 'login.invalid_credentials' && e.code !== 'login.rate_limited')) throw e;
      // The account tried, by its id (pseudonymous), when the identifier finds one: never the identifier.
      const subject = await deps.login.subjectOf(identifier);
      const target = subject.startsWith('account:') ? subject.slice('account:'.length) : undefined;
      await deps.audit.record({ actor: 'anonymous', action: 'login.failure', target, detail: { method: 'password', reason: e.code, ip: clientIp(ctx) } });
      // The identifier is echoed back only when it is not an ID number (never render one we did not need to).
      const echo = /^\+?\d{11,13}$/.test(identifier) ? identifier : '';
      if (e.code === 'login.rate_limited') ctx.set('Retry-After', String(e.details?.retryAfterSeconds ?? 60));
      await loginPage(ctx, { error: e.code, identifier: echo }, e.code === 'login.rate_limited' ? 429 : 401);
    }
  });

  router.post('/confirm', async (ctx) => {
    const d = await details(ctx);
    if (d.prompt.name !== 'consent') throw new AppError('interaction.expired');
    const provider = deps.provider();
    const accountId = d.session!.accountId;
    const grant = d.grantId
      ? (await provider.Grant.find(d.grantId))!
      : new provider.Grant({ accountId, clientId: String(d.params.client_id) });
    const missing = d.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> };
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '));
    const grantId = await grant.save();
    await deps.audit.record({ actor: accountId, action: 'consent.granted', target: String(d.params.client_id), detail: { scopes: missing.missingOIDCScope ?? [] } });
    await finish(ctx, { consent: d.grantId ? {} : { grantId } });
  });

  router.post('/abort', async (ctx) => {
    await details(ctx);
    await finish(ctx, { error: 'access_denied', error_description: 'End-User aborted interaction' });
  });

  return router;
}
