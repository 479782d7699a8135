/**
 * The account console's pages: profile (masked), assurance level, authorised platforms, active
 * sessions and the password change. Every form carries the CSRF token; every action is audited
 * by the domain module that performs it.
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { AppError } from '../errors.ts';
import { csrfToken } from '../http/csrf.ts';
import { localeOf, sendPage } from '../http/pages.ts';
import { clientIp, rateLimit } from '../http/rate-limit.ts';
import type { Locale } from '../i18n/messages.ts';
import { maskIdNumber } from '../identity/id-number.ts';
import type { PersonService } from '../identity/persons.ts';
import { maskPhone } from '../identity/phone.ts';
import type { Throttle } from '../authn/throttle.ts';
import type { Consents } from './consents.ts';
import { accountOf, endSessionRedirect, requireAccount, signedOut, LOGGED_OUT_STATE, type LoginDeps } from './login-routes.ts';
import type { PasswordChange } from './password-change.ts';
import { readAccountSession } from './account-cookies.ts';
import { enterpriseRoutes, type EnterpriseConsoleDeps } from './enterprise-console.ts';
import { hasMessage } from '../i18n/messages.ts';
import type { SecurityDeps } from './security-routes.ts';
import type { Passkeys } from '../authn/passkeys.ts';
import { phoneRoutes } from './phone-routes.ts';
import { phoneChangeRoutes } from './phone-change-routes.ts';
import type { PhoneChange } from '../authn/phone-change.ts';
import type { SmsCodes } from '../authn/sms-codes.ts';
import type { RightsDeps } from './rights-routes.ts';
import type { FamilyDeps } from './family-routes.ts';

/** The level held, in the visitor's language; absent until verification is wired in. */
export type LevelOf = (personId: string, locale: Locale) => Promise<string | undefined>;

export interface ConsoleDeps extends LoginDeps {
  persons: PersonService;
  consents: Consents;
  passwords: PasswordChange;
  throttle: Throttle;
  levelOf?: LevelOf;
  /**
   * Issue 3 (lead): "enterprises I represent or act for, and agents I granted". Whatever this
   * returns is passed to views/account/enterprises.eta as `it.enterprises`.
   */
  enterprises?: (personId: string, locale: Locale) => Promise<unknown>;
  /** The enterprise section's forms (src/account/enterprise-console.ts). */
  enterpriseConsole?: EnterpriseConsoleDeps;
  /** The second factors' page, /account/security (src/account/security-routes.ts). */
  security?: SecurityDeps;
  /** The passkey page (src/account/passkey-routes.ts); the home page shows how many. */
  passkeys?: Passkeys;
  /** Codes to the bound mobile ("verify my mobile number", src/account/phone-routes.ts). */
  smsCodes: SmsCodes;
  /** Moving the account to a new mobile number (src/account/phone-change-routes.ts). */
  phoneChange?: PhoneChange;
  /** Download my data, close my account (src/account/rights-routes.ts); home shows a pending closure. */
  rights?: RightsDeps;
  /** The person's in-person checks at service hall counters (src/identity/counter-desk.ts). */
  counterChecks?: (personId: string) => Promise<Array<{ at: Date; hall: string; act: string; reference: string }>>;
  /** Guardians and assisted service (src/account/family-routes.ts); home links to it. */
  family?: FamilyDeps;
}

const NOTICES = new Set(['rights.closure_cancelled', 'account.phone_done', 'account.phone_changed', 'account.consent_withdrawn', 'account.session_ended', 'account.session_gone', 'account.password_changed']);
const field = (ctx: Context, name: string) => {
  const v = (ctx.request as { body?: Record<string, unknown> }).body?.[name];
  return typeof v === 'string' ? v : '';
};

/** Dates in China Standard Time: the service's users and its operators are all in it. */
export function formatter(locale: Locale) {
  const tag = locale === 'en' ? 'en-GB' : 'zh-CN';
  const dateTime = new Intl.DateTimeFormat(tag, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Asia/Shanghai' });
  const date = new Intl.DateTimeFormat(tag, { dateStyle: 'long', timeZone: 'Asia/Shanghai' });
  return { dateTime: (d?: Date) => (d ? dateTime.format(d) : '—'), date: (d?: Date) => (d ? date.format(d) : '—') };
}

function redirectHome(ctx: Context, notice: string, anchor: string): void {
  ctx.status = 303;
  ctx.redirect(`/account?notice=${notice}#${anchor}`);
}

export function consoleRoutes(router: Router, deps: ConsoleDeps): void {
  const admitted = requireAccount(deps);
  if (deps.enterpriseConsole) enterpriseRoutes(router, deps.enterpriseConsole, admitted);
  phoneRoutes(router, deps, admitted);
  if (deps.phoneChange) phoneChangeRoutes(router, { ...deps, phoneChange: deps.phoneChange }, admitted);

  router.get('/account', async (ctx, next) => {
    // Back from our own logout: say so rather than starting a new login straight away.
    if (ctx.query.state === LOGGED_OUT_STATE && !readAccountSession(ctx)) return signedOut(ctx, 'account.signed_out');
    await next();
  }, admitted, async (ctx) => {
    const { sub, sid, authTime } = accountOf(ctx);
    const person = await deps.persons.get(sub);
    if (!person || person.status !== 'active') throw new AppError('account.inactive');
    const locale = localeOf(ctx);
    const [consents, sessions, level, enterprises, passkeys, closure, counterChecks] = await Promise.all([
      deps.consents.list(sub),
      deps.sessions.list(sub, sid),
      deps.levelOf?.(sub, locale),
      deps.enterprises?.(sub, locale),
      deps.passkeys?.list(sub),
      deps.rights?.closures.pending(sub),
      deps.counterChecks?.(sub),
    ]);
    const q = typeof ctx.query.notice === 'string' ? ctx.query.notice : '';
    // Enterprise and agent outcomes report through their own (known) message codes.
    const notice = NOTICES.has(q) || (/^(enterprise|delegation|credit_code|id_number|name)\./.test(q) && hasMessage(q)) ? q : undefined;
    sendPage(ctx, 'account/home', {
      csrf: csrfToken(ctx),
      notice,
      profile: { name: person.name, idNumber: maskIdNumber(person.idNumber), phone: maskPhone(person.phone), phoneVerified: Boolean(person.phoneVerifiedAt), createdAt: person.createdAt },
      level,
      consents,
      sessions,
      enterprises,
      passkeyCount: passkeys?.length,
      rights: Boolean(deps.rights),
      family: Boolean(deps.family),
      closure,
      counterChecks,
      recentLogin: await deps.reauth.satisfied(accountOf(ctx)),
      fmt: formatter(locale),
    });
  });

  router.post('/account/consents/withdraw', admitted, async (ctx) => {
    const { sub } = accountOf(ctx);
    await deps.consents.withdraw(sub, field(ctx, 'client'), clientIp(ctx));
    redirectHome(ctx, 'account.consent_withdrawn', 'consents');
  });

  // Ending this browser's own session too leaves the console signed out: the SSO session is
  // already gone (with its back-channel logouts), so there is nothing for end_session to do.
  router.post('/account/sessions/end', admitted, async (ctx) => {
    const { sub, sid } = accountOf(ctx);
    const outcome = await deps.sessions.endOne(sub, field(ctx, 'session'), clientIp(ctx));
    if (outcome === 'ended' && !(await deps.sessions.isLive(sub, sid))) return endSessionRedirect(ctx, deps, undefined);
    redirectHome(ctx, outcome === 'ended' ? 'account.session_ended' : 'account.session_gone', 'sessions');
  });

  router.post('/account/sessions/end-all', admitted, async (ctx) => {
    await deps.sessions.endAll(accountOf(ctx).sub, clientIp(ctx));
    endSessionRedirect(ctx, deps, undefined);
  });

  const passwordPage = async (ctx: Context, data: Record<string, unknown> = {}, status = 200) => {
    sendPage(ctx, 'account/password', { csrf: csrfToken(ctx), recentLogin: await deps.reauth.satisfied(accountOf(ctx)), errors: {}, ...data }, status);
  };

  router.get('/account/password', admitted, (ctx) => passwordPage(ctx));

  // argon2 costs ~30 ms a hash: bounded per address like every other credential operation.
  router.post('/account/password', rateLimit(deps.throttle, 'account-password', { max: 10, windowSeconds: 900 }), admitted, async (ctx) => {
    const { sub, sid, authTime } = accountOf(ctx);
    if (!(await deps.reauth.satisfied(accountOf(ctx)))) return passwordPage(ctx, {}, 403);
    const result = await deps.passwords.change({ accountId: sub, sid, authTime }, { password: field(ctx, 'password'), confirm: field(ctx, 'passwordConfirm') }, clientIp(ctx));
    if (!result.ok) return passwordPage(ctx, { errors: { [result.field]: result.problem } }, 400);
    redirectHome(ctx, 'account.password_changed', 'password');
  });
}
