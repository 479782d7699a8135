/**
 * Logging in to the account console as an ordinary OIDC relying party of Yihao: authorization
 * code with PKCE, state and nonce; the code redeemed over loopback; the ID token verified; then
 * the console's own short-lived cookie. Logging out is RP-initiated logout at end_session.
 */
import { randomBytes } from 'node:crypto';
import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { sendPage } from '../http/pages.ts';
import {
  clearAccountSession, readAccountSession, takeLoginState, writeAccountSession, writeLoginState, type AccountSession,
} from './account-cookies.ts';
import { ACCOUNT_CLIENT_ID, accountUrls, authorizationUrl, endSessionUrl, type AccountClient } from './account-client.ts';
import { verifyIdToken } from './id-token.ts';
import type { Reauth } from './reauth.ts';
import { AAL_PREFIX } from '../authn/strength.ts';
import { exchangeCode, loopbackOrigin, publishedKeys } from './loopback.ts';
import type { SsoSessions } from './sso-sessions.ts';

export interface LoginDeps {
  issuer: string;
  /** The HOST the server listens on (for the loopback origin). */
  listenHost: string;
  accountClient: AccountClient;
  sessions: SsoSessions;
  /** Re-authentication rules for sensitive actions (reauth.ts). */
  reauth: Reauth;
}

/** The `state` our logout asks end_session to send back, so /account can say "logged out". */
export const LOGGED_OUT_STATE = 'logged_out';

/** Console paths a login may return to; anything else returns to the home page (no open redirect). */
const RETURNABLE = /^\/account(\/[a-z-]+)?$/;
const random = (bytes: number) => randomBytes(bytes).toString('base64url');

/** Shown on every console page: when the SSO session ends without activity, and how to continue. */
export interface SignInEnds { time: string; href: string }
const CLOCK = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hour12: false, timeZone: 'Asia/Shanghai' });

/** The console session admitted by requireAccount. */
export function accountOf(ctx: Context): AccountSession {
  const session = (ctx.state as { account?: AccountSession }).account;
  if (!session) throw new Error('requireAccount must run first');
  return session;
}

/**
 * Sends the browser to the authorization endpoint. `fresh` forces a new login (re-authentication),
 * `strong` one with a second factor as well (the account has one: reauth.ts).
 */
export async function startLogin(ctx: Context, deps: LoginDeps, opts: { to: string; fresh?: boolean; strong?: boolean }): Promise<void> {
  await deps.accountClient.ensure();
  const login = { state: random(24), nonce: random(24), verifier: random(48), to: RETURNABLE.test(opts.to) ? opts.to : '/account' };
  writeLoginState(ctx, login);
  ctx.redirect(authorizationUrl(deps.issuer, {
    clientId: ACCOUNT_CLIENT_ID, redirectUri: accountUrls(deps.issuer).callback, state: login.state, nonce: login.nonce, verifier: login.verifier,
    extra: {
      ...(opts.fresh ? { prompt: 'login', max_age: '0' } : {}),
      ...(opts.strong ? { acr_values: `${AAL_PREFIX}2` } : {}),
    },
  }));
}

/** Sends the browser through the provider's logout, which also tells platforms over the back channel. */
export function endSessionRedirect(ctx: Context, deps: LoginDeps, session: AccountSession | undefined): void {
  clearAccountSession(ctx);
  ctx.status = 303;
  if (!session) return ctx.redirect(`/account?state=${LOGGED_OUT_STATE}`);
  ctx.redirect(endSessionUrl(deps.issuer, { idToken: session.idToken, postLogoutRedirectUri: accountUrls(deps.issuer).home, state: LOGGED_OUT_STATE }));
}

/**
 * Admits a request with a live console session: not idle too long, and its SSO session still
 * exists (ended from another device, by logout or by expiry, it logs the console out at once).
 */
export function requireAccount(deps: LoginDeps): Middleware {
  return async (ctx, next) => {
    const session = readAccountSession(ctx);
    const endsAt = session && (await deps.sessions.liveUntil(session.sub, session.sid));
    if (!session || !endsAt) {
      clearAccountSession(ctx);
      if (ctx.method === 'GET') return startLogin(ctx, deps, { to: ctx.path });
      ctx.status = 303;
      return ctx.redirect('/account');
    }
    const refreshed = { ...session, seen: Date.now() };
    writeAccountSession(ctx, refreshed);
    (ctx.state as { account?: AccountSession }).account = refreshed;
    // The console's own requests do not keep the SSO session alive (only authorizations do):
    // each page says when it ends, and "continue" goes through a (silent) authorization.
    (ctx.state as { signInEnds?: SignInEnds }).signInEnds = {
      time: CLOCK.format(endsAt), href: `/account/login?to=${encodeURIComponent(RETURNABLE.test(ctx.path) ? ctx.path : '/account')}`,
    };
    await next();
  };
}

const signedOut = (ctx: Context, message: string, status = 200) => sendPage(ctx, 'account/signed-out', { message }, status);

export function loginRoutes(router: Router, deps: LoginDeps): void {
  // "Log in again" links: ?fresh=1 asks for the password even inside a live SSO session, and for
  // the second factor too when the account has one.
  router.get('/account/login', async (ctx) => {
    const to = typeof ctx.query.to === 'string' ? ctx.query.to : '/account';
    const fresh = ctx.query.fresh === '1';
    const session = fresh ? readAccountSession(ctx) : undefined;
    const strong = session ? await deps.reauth.needsSecondFactor(session.sub) : false;
    await startLogin(ctx, deps, { to, fresh, strong });
  });

  router.get('/account/callback', async (ctx) => {
    const login = takeLoginState(ctx);
    const q = ctx.query as Record<string, string | string[] | undefined>;
    if (!login || q.state !== login.state) return signedOut(ctx, 'account.login_expired', 400);
    if (typeof q.error === 'string') {
      return signedOut(ctx, q.error === 'access_denied' ? 'account.login_cancelled' : 'account.login_failed', 400);
    }
    // RFC 9207: the response must come from our own issuer.
    if (typeof q.code !== 'string' || (q.iss !== undefined && q.iss !== deps.issuer)) return signedOut(ctx, 'account.login_failed', 400);

    const origin = loopbackOrigin(ctx.req.socket, deps.listenHost);
    const tokens = await exchangeCode(origin, { code: q.code, verifier: login.verifier, redirectUri: accountUrls(deps.issuer).callback, clientId: ACCOUNT_CLIENT_ID });
    const who = await verifyIdToken(tokens.id_token, publishedKeys(origin), { issuer: deps.issuer, audience: ACCOUNT_CLIENT_ID, nonce: login.nonce });
    writeAccountSession(ctx, { ...who, idToken: tokens.id_token, seen: Date.now() });
    ctx.status = 303;
    ctx.redirect(login.to);
  });

  router.post('/account/logout', (ctx) => endSessionRedirect(ctx, deps, readAccountSession(ctx)));
}

export { signedOut };
