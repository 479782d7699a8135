/**
 * "Raise my level" (/account/verify): a logged-in citizen runs, outside any authorization
 * request, the checks that reach the next assurance level. The account page links here.
 * Platforms see the new level at the person's next login to them (acr and assurance_level).
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { csrfToken, verifyCsrf } from '../http/csrf.ts';
import { sameOrigin } from '../http/same-origin.ts';
import { formBody } from '../http/form-body.ts';
import { localeOf, sendPage } from '../http/pages.ts';
import { MAX_SELFIE_BYTES } from '../verification/verification-service.ts';
import { sessionAccountId } from './session-account.ts';
import { attemptCheck, verifyPageData, type VerifyPageDeps } from './verify-pages.ts';

export interface AccountVerifyDeps extends VerifyPageDeps {
  provider: () => Provider;
}

const PATH = '/account/verify';
const LOGIN = `/account/login?to=${encodeURIComponent(PATH)}`;

export function accountVerifyRouter(deps: AccountVerifyDeps): Router {
  const router = new Router({ prefix: PATH });
  router.use(async (ctx, next) => {
    ctx.set('Cache-Control', 'no-store');
    await next();
  });
  router.use(sameOrigin(deps.issuer), formBody({ maxBytes: MAX_SELFIE_BYTES + 64 * 1024 }), verifyCsrf);

  async function show(ctx: Context, accountId: string, message?: { key: string; ok: boolean; params?: Record<string, string> }, status = 200) {
    const { index } = await deps.verification.levelOf(accountId);
    // The next level up, or (at the top) the top itself, which renders as "nothing more online".
    const ladder = deps.verification.assurance.ladder;
    const top = index >= ladder.levels.length - 1;
    const page = await verifyPageData(deps, ctx, { personId: accountId, minimum: Math.min(index + 1, ladder.levels.length - 1), action: PATH, csrf: csrfToken(ctx), message });
    sendPage(ctx, 'verify', {
      ...page.data,
      titleKey: 'verify.account_title',
      top: top || (page.reached && !page.data.steps.length),
      exit: { href: '/account', label: 'verify.back_account' },
    }, status);
  }

  async function loggedIn(ctx: Context): Promise<string | undefined> {
    const accountId = await sessionAccountId(deps.provider(), ctx);
    if (!accountId) sendPage(ctx, 'verify-login', { login: LOGIN }, 401);
    return accountId;
  }

  router.get('/', async (ctx) => {
    const accountId = await sessionAccountId(deps.provider(), ctx);
    if (accountId) return show(ctx, accountId);
    // Not logged in: the account console logs the person in and brings them back here.
    ctx.status = 303;
    ctx.redirect(LOGIN);
  });

  router.post('/check/:kind', async (ctx) => {
    const accountId = await loggedIn(ctx);
    if (!accountId) return;
    const before = (await deps.verification.levelOf(accountId)).index;
    const attempt = await attemptCheck(deps, ctx, accountId);
    const after = attempt.outcome?.status;
    const message = after && after.index > before
      ? { key: 'verify.reached', ok: true, params: { level: after.level.name[localeOf(ctx)] } }
      : { key: attempt.message, ok: attempt.ok };
    await show(ctx, accountId, message, attempt.status);
  });

  return router;
}
