/**
 * The citizen's rights over their data (PIPL arts. 45 and 47) in the account console:
 * /account/data downloads everything held about them, /account/close asks for the account to be
 * closed after a cooling-off period (and cancels that). Downloading and asking need a
 * re-authentication (reauth.ts): a browser left open must not hand over a full ID number, nor
 * start closing the account. Cancelling needs only the console session: it is the safe way back.
 */
import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { csrfToken } from '../http/csrf.ts';
import { localeOf, sendPage } from '../http/pages.ts';
import { clientIp, rateLimit } from '../http/rate-limit.ts';
import type { AccountClosure } from '../identity/account-closure.ts';
import type { Throttle } from '../authn/throttle.ts';
import { formatter } from './console-routes.ts';
import type { DataExport } from './data-export.ts';
import { accountOf } from './login-routes.ts';
import type { Reauth } from './reauth.ts';

export interface RightsDeps {
  dataExport: DataExport;
  closures: AccountClosure;
  coolingOffDays: number;
  reauth: Reauth;
  throttle: Throttle;
}

const NOTICES = new Set(['rights.closure_requested']);

/** A day in China Standard Time for the file name (the service's time zone). */
const DAY = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' });

export function rightsRoutes(router: Router, deps: RightsDeps, admitted: Middleware): void {
  const dataPage = async (ctx: Context, extra: Record<string, unknown> = {}, status = 200) => {
    sendPage(ctx, 'account/data', { csrf: csrfToken(ctx), recentLogin: await deps.reauth.satisfied(accountOf(ctx)), ...extra }, status);
  };
  const closePage = async (ctx: Context, extra: Record<string, unknown> = {}, status = 200) => {
    const { sub } = accountOf(ctx);
    const q = typeof ctx.query.notice === 'string' ? ctx.query.notice : '';
    sendPage(ctx, 'account/close', {
      csrf: csrfToken(ctx),
      notice: NOTICES.has(q) ? q : undefined,
      recentLogin: await deps.reauth.satisfied(accountOf(ctx)),
      pending: await deps.closures.pending(sub),
      days: String(deps.coolingOffDays),
      fmt: formatter(localeOf(ctx)),
      ...extra,
    }, status);
  };

  router.get('/account/data', admitted, (ctx) => dataPage(ctx));

  // Assembling the document reads every table about the person: bounded like other heavy actions.
  router.post('/account/data/export', rateLimit(deps.throttle, 'account-export', { max: 10, windowSeconds: 900 }), admitted, async (ctx) => {
    if (!(await deps.reauth.satisfied(accountOf(ctx)))) return dataPage(ctx, { reauthNeeded: true }, 403);
    const { sub, sid } = accountOf(ctx);
    const document = await deps.dataExport.build(sub, sid, clientIp(ctx));
    ctx.set('Content-Disposition', `attachment; filename="yihao-personal-data-${DAY.format(new Date())}.json"`);
    ctx.set('Cache-Control', 'no-store');
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.type = 'application/json; charset=utf-8';
    ctx.body = JSON.stringify(document, null, 2);
  });

  router.get('/account/close', admitted, (ctx) => closePage(ctx));

  router.post('/account/close', admitted, async (ctx) => {
    if (!(await deps.reauth.satisfied(accountOf(ctx)))) return closePage(ctx, { reauthNeeded: true }, 403);
    const body = (ctx.request as { body?: Record<string, unknown> }).body ?? {};
    if (body.confirm !== 'yes') return closePage(ctx, { error: 'rights.close_confirm_required' }, 400);
    const { sub } = accountOf(ctx);
    await deps.closures.request(sub, { actor: sub, ip: clientIp(ctx) });
    ctx.status = 303;
    ctx.redirect('/account/close?notice=rights.closure_requested');
  });

  router.post('/account/close/cancel', admitted, async (ctx) => {
    const { sub } = accountOf(ctx);
    await deps.closures.cancel(sub, { actor: sub, ip: clientIp(ctx) });
    ctx.status = 303;
    ctx.redirect('/account?notice=rights.closure_cancelled#rights');
  });
}
