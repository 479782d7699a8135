/**
 * The account console's passkey page (/account/passkeys): add passkeys (discoverable, user
 * verification required), name and rename them, remove one. Removing needs a recent login
 * (password-change.ts isRecentLogin), like a password change: a browser left open must not be
 * able to take away the owner's way in or leave only a passkey someone else added. A ceremony's
 * challenge is bound to the console session (account and SSO session).
 */
import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import type { Passkeys } from '../authn/passkeys.ts';
import { MAX_PASSKEYS } from '../authn/passkeys.ts';
import { AppError, isAppError } from '../errors.ts';
import { csrfToken } from '../http/csrf.ts';
import { localeOf, sendPage } from '../http/pages.ts';
import { clientIp, rateLimit } from '../http/rate-limit.ts';
import type { Throttle } from '../authn/throttle.ts';
import { accountOf } from './login-routes.ts';
import type { Reauth } from './reauth.ts';

export interface PasskeyRouteDeps { passkeys: Passkeys; throttle: Throttle; reauth: Reauth }

const NOTICES = new Set(['passkeys.added', 'passkeys.renamed', 'passkeys.removed']);
const PAGE = '/account/passkeys';
const field = (ctx: Context, name: string, max = 200) => {
  const v = (ctx.request as { body?: Record<string, unknown> }).body?.[name];
  return typeof v === 'string' ? v.slice(0, max) : '';
};
const bindingOf = (ctx: Context) => {
  const { sub, sid } = accountOf(ctx);
  return `${sub}:${sid}`;
};

function dates(ctx: Context) {
  const f = new Intl.DateTimeFormat(localeOf(ctx) === 'en' ? 'en-GB' : 'zh-CN', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Asia/Shanghai' });
  return (d?: Date) => (d ? f.format(d) : '—');
}

export function passkeyRoutes(router: Router, deps: PasskeyRouteDeps, admitted: Middleware): void {
  const page = async (ctx: Context, data: Record<string, unknown> = {}, status = 200) => {
    const { sub } = accountOf(ctx);
    const passkeys = await deps.passkeys.list(sub);
    const q = typeof ctx.query.notice === 'string' ? ctx.query.notice : '';
    sendPage(ctx, 'account/passkeys', {
      csrf: csrfToken(ctx), passkeys, full: passkeys.length >= MAX_PASSKEYS, recentLogin: await deps.reauth.satisfied(accountOf(ctx)),
      notice: NOTICES.has(q) ? q : undefined, date: dates(ctx), ...data,
    }, status, { script: true });
  };
  const done = (ctx: Context, notice: string) => {
    ctx.status = 303;
    ctx.redirect(`${PAGE}?notice=${notice}`);
  };
  /** Known refusals become the page with their message; anything else is an error. */
  const orPage = (handler: (ctx: Context) => Promise<void>): Middleware => async (ctx) => {
    try {
      await handler(ctx);
    } catch (e) {
      if (!isAppError(e) || !e.code.startsWith('passkey.')) throw e;
      await page(ctx, { error: e.code }, e.status);
    }
  };
  // Verifying an attestation costs a little CPU: bounded per address, like the password change.
  const limited = rateLimit(deps.throttle, 'account-passkey', { max: 30, windowSeconds: 900 });

  router.get(PAGE, admitted, (ctx) => page(ctx));

  router.post(`${PAGE}/options`, limited, admitted, async (ctx) => {
    if (!(await deps.reauth.mayAddFactor(accountOf(ctx)))) throw new AppError('account.reauth_required');
    ctx.body = await deps.passkeys.registrationOptions(accountOf(ctx).sub, bindingOf(ctx));
  });

  router.post(PAGE, limited, admitted, orPage(async (ctx) => {
    if (!(await deps.reauth.mayAddFactor(accountOf(ctx)))) return page(ctx, { error: 'account.reauth_required' }, 403);
    await deps.passkeys.register(accountOf(ctx).sub, bindingOf(ctx), field(ctx, 'credential', 12_000), field(ctx, 'name'), clientIp(ctx));
    done(ctx, 'passkeys.added');
  }));

  router.post(`${PAGE}/rename`, admitted, orPage(async (ctx) => {
    await deps.passkeys.rename(accountOf(ctx).sub, field(ctx, 'id'), field(ctx, 'name'), clientIp(ctx));
    done(ctx, 'passkeys.renamed');
  }));

  router.post(`${PAGE}/remove`, admitted, orPage(async (ctx) => {
    const { sub } = accountOf(ctx);
    if (!(await deps.reauth.satisfied(accountOf(ctx)))) return page(ctx, { error: 'account.reauth_required' }, 403);
    await deps.passkeys.remove(sub, field(ctx, 'id'), clientIp(ctx));
    done(ctx, 'passkeys.removed');
  }));
}
