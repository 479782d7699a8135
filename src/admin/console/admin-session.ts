/**
 * Signing in to the admin console through Yihao's own OIDC flow (as the account console does:
 * code + PKCE, code redeemed over loopback, ID token verified), then a console cookie of its own.
 * The client's `minimum_aal: 2` makes the provider demand a second factor; the callback checks the
 * ID token's `amr` says so as well. Roles are not in the cookie: every request re-reads the
 * approved grants, so a revoked role stops working at once.
 */
import { randomBytes } from 'node:crypto';
import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { authorizationUrl, endSessionUrl } from '../../account/account-client.ts';
import { verifyIdToken } from '../../account/id-token.ts';
import { exchangeCode, loopbackOrigin, publishedKeys } from '../../account/loopback.ts';
import { aalOf } from '../../authn/strength.ts';
import { consoleCookies, type ConsoleSession } from '../../http/console-cookies.ts';
import { csrfToken } from '../../http/csrf.ts';
import { sendPage } from '../../http/pages.ts';
import type { RoleGrants } from '../role-grants.ts';
import { ADMIN_CLIENT_ID, adminUrls, CONSOLE_PATH, type AdminConsoleClient } from './admin-client.ts';

export interface AdminSessionDeps {
  issuer: string;
  /** The HOST the server listens on (for the loopback origin). */
  listenHost: string;
  adminClient: AdminConsoleClient;
  roleGrants: RoleGrants;
  /** When the SSO session the console was signed in through ends; undefined once it has. */
  liveUntil(accountId: string, sid: string): Promise<Date | undefined>;
}

export const ADMIN_IDLE_SECONDS = 15 * 60;
const cookies = consoleCookies({ session: 'yihao.admin', login: 'yihao.admin.login', path: CONSOLE_PATH, idleSeconds: ADMIN_IDLE_SECONDS });
const RETURNABLE = /^\/admin\/console(\/[a-z0-9-]+)*$/;
const random = (bytes: number) => randomBytes(bytes).toString('base64url');

async function startLogin(ctx: Context, deps: AdminSessionDeps, to: string): Promise<void> {
  await deps.adminClient.ensure();
  const login = { state: random(24), nonce: random(24), verifier: random(48), to: RETURNABLE.test(to) ? to : CONSOLE_PATH };
  cookies.writeLoginState(ctx, login);
  ctx.redirect(authorizationUrl(deps.issuer, {
    clientId: ADMIN_CLIENT_ID, redirectUri: adminUrls(deps.issuer).callback, state: login.state, nonce: login.nonce, verifier: login.verifier,
  }));
}

const signedOut = (ctx: Context, message: string, status = 200) => sendPage(ctx, 'admin/signed-out', { message }, status);

/** The sign-in routes; they need no session (mounted before `requireAdmin`). */
export function adminSessionRoutes(router: Router, deps: AdminSessionDeps): void {
  router.get('/login', async (ctx) => startLogin(ctx, deps, typeof ctx.query.to === 'string' ? ctx.query.to : CONSOLE_PATH));

  router.get('/callback', async (ctx) => {
    const login = cookies.takeLoginState(ctx);
    const q = ctx.query as Record<string, string | string[] | undefined>;
    if (!login || q.state !== login.state) return signedOut(ctx, 'account.login_expired', 400);
    if (typeof q.error === 'string') {
      // unmet_authentication_requirements: the account has no second factor to offer.
      const message = q.error === 'access_denied' ? 'account.login_cancelled' : q.error === 'unmet_authentication_requirements' ? 'admin.console_needs_factor' : 'account.login_failed';
      return signedOut(ctx, message, 400);
    }
    if (typeof q.code !== 'string' || (q.iss !== undefined && q.iss !== deps.issuer)) return signedOut(ctx, 'account.login_failed', 400);
    const origin = loopbackOrigin(ctx.req.socket, deps.listenHost);
    const tokens = await exchangeCode(origin, { code: q.code, verifier: login.verifier, redirectUri: adminUrls(deps.issuer).callback, clientId: ADMIN_CLIENT_ID });
    const who = await verifyIdToken(tokens.id_token, publishedKeys(origin), { issuer: deps.issuer, audience: ADMIN_CLIENT_ID, nonce: login.nonce });
    if (aalOf(who.amr) < 2) return signedOut(ctx, 'admin.console_needs_factor', 403);
    cookies.writeSession(ctx, { ...who, idToken: tokens.id_token, seen: Date.now() });
    ctx.status = 303;
    ctx.redirect(login.to);
  });

  router.get('/signed-out', (ctx) => signedOut(ctx, 'account.signed_out'));

  router.post('/logout', (ctx) => {
    const session = cookies.readSession(ctx);
    cookies.clearSession(ctx);
    ctx.status = 303;
    if (!session) return ctx.redirect(`${CONSOLE_PATH}/signed-out`);
    ctx.redirect(endSessionUrl(deps.issuer, { idToken: session.idToken, postLogoutRedirectUri: adminUrls(deps.issuer).signedOut, state: 'logged_out' }));
  });
}

/** The signed-in administrator's console session (set by requireAdmin). */
export const adminSessionOf = (ctx: Context): ConsoleSession | undefined => (ctx.state as { adminSession?: ConsoleSession }).adminSession;

/**
 * Admits a request with a live console session whose SSO session still exists, and sets
 * ctx.state.admin to the person's roles now. No role: a 403 page (the person may sign out).
 */
export function requireAdmin(deps: AdminSessionDeps): Middleware {
  return async (ctx, next) => {
    const session = cookies.readSession(ctx);
    const live = session && (await deps.liveUntil(session.sub, session.sid));
    if (!session || !live) {
      cookies.clearSession(ctx);
      if (ctx.method === 'GET') return startLogin(ctx, deps, ctx.path);
      ctx.status = 303;
      return ctx.redirect(CONSOLE_PATH);
    }
    cookies.writeSession(ctx, { ...session, seen: Date.now() });
    const principal = await deps.roleGrants.principal(session.sub);
    if (principal.roles.size === 0) return sendPage(ctx, 'admin/forbidden', { csrf: csrfToken(ctx) }, 403);
    Object.assign(ctx.state as object, { admin: principal, adminSession: session });
    await next();
  };
}
