/** "Forgot password" pages inside a login: details → SMS code → new password → back to login. */
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Audit } from '../audit/audit.ts';
import type { PasswordRecovery } from '../authn/password-recovery.ts';
import { isAppError } from '../errors.ts';
import { csrfToken } from '../http/csrf.ts';
import { sendPage } from '../http/pages.ts';
import { clientIp } from '../http/rate-limit.ts';
import type { InteractionTools } from './entity-pages.ts';

const str = (ctx: Context, name: string) => {
  const v = (ctx.request.body as Record<string, unknown> | undefined)?.[name];
  return typeof v === 'string' ? v.slice(0, 256) : '';
};

export function mountRecoveryRoutes(router: Router, tools: InteractionTools, recovery: PasswordRecovery, audit: Audit): void {
  const codePage = (ctx: Context, uid: string, recoveryId: string, error?: string, status = 200) =>
    sendPage(ctx, 'recover-code', { uid, csrf: csrfToken(ctx), recoveryId, error }, status);

  router.get('/recover', async (ctx) => {
    const d = await tools.details(ctx);
    sendPage(ctx, 'recover', { uid: d.uid, csrf: csrfToken(ctx) });
  });

  router.post('/recover', async (ctx) => {
    const d = await tools.details(ctx);
    try {
      const { recoveryId, sent } = await recovery.start(str(ctx, 'idNumber'), str(ctx, 'phone'), clientIp(ctx));
      await audit.record({ actor: 'anonymous', action: sent ? 'recovery.code_sent' : 'recovery.no_match', detail: { ip: clientIp(ctx) } });
      codePage(ctx, d.uid, recoveryId);
    } catch (e) {
      if (!isAppError(e) || e.code !== 'recovery.rate_limited') throw e;
      ctx.set('Retry-After', String(e.details?.retryAfterSeconds ?? 3600));
      sendPage(ctx, 'recover', { uid: d.uid, csrf: csrfToken(ctx), error: e.code }, 429);
    }
  });

  router.post('/recover/complete', async (ctx) => {
    const d = await tools.details(ctx);
    const recoveryId = str(ctx, 'recoveryId');
    if (str(ctx, 'password') !== str(ctx, 'passwordConfirm')) return codePage(ctx, d.uid, recoveryId, 'register.mismatch', 400);
    try {
      const personId = await recovery.complete(recoveryId, str(ctx, 'code'), str(ctx, 'password'), clientIp(ctx));
      await audit.record({ actor: personId, action: 'recovery.password_reset', detail: { ip: clientIp(ctx) } });
      ctx.status = 303;
      ctx.redirect(`/interaction/${d.uid}?notice=login.password_reset`);
    } catch (e) {
      if (!isAppError(e) || (e.kind !== 'invalid_input' && e.code !== 'recovery.rate_limited')) throw e;
      if (e.kind === 'rate_limited') ctx.set('Retry-After', String(e.details?.retryAfterSeconds ?? 3600));
      codePage(ctx, d.uid, recoveryId, e.code, e.kind === 'rate_limited' ? 429 : 400);
    }
  });
}
