/**
 * Logging in with a code texted to the mobile number (短信验证码登录), the first factor most
 * government portals offer: number → code page → the login finishes with amr ['sms']. Routes
 * live under /interaction/:uid/sms (the interaction cookie's path). What may log in, and the
 * same answer for every number, are decided in authn/sms-codes.ts.
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Audit } from '../audit/audit.ts';
import type { SmsCodes } from '../authn/sms-codes.ts';
import { AppError, isAppError } from '../errors.ts';
import { csrfToken } from '../http/csrf.ts';
import { sendPage } from '../http/pages.ts';
import { clientIp } from '../http/rate-limit.ts';
import { maskPhone } from '../identity/phone.ts';
import type { InteractionTools } from './entity-pages.ts';

const str = (ctx: Context, name: string) => {
  const v = (ctx.request.body as Record<string, unknown> | undefined)?.[name];
  return typeof v === 'string' ? v.slice(0, 64) : '';
};

/** The answers a person may see here; anything else is an error page. */
const SHOWN = new Set(['sms.invalid_phone', 'sms.invalid_code', 'sms.rate_limited', 'sms.send_rate_limited', 'sms.unavailable']);

export function mountSmsLoginRoutes(router: Router, tools: InteractionTools, sms: SmsCodes, audit: Audit): void {
  async function loginDetails(ctx: Context) {
    const d = await tools.details(ctx);
    if (d.prompt.name !== 'login') throw new AppError('interaction.expired');
    return d;
  }

  const numberPage = async (ctx: Context, uid: string, extra: Record<string, unknown> = {}, status = 200) =>
    sendPage(ctx, 'sms-login', { uid, csrf: csrfToken(ctx), offered: await sms.offered(), ...extra }, status);

  function refused(ctx: Context, e: unknown): AppError {
    if (!isAppError(e) || !SHOWN.has(e.code)) throw e;
    if (e.kind === 'rate_limited') ctx.set('Retry-After', String(e.details?.retryAfterSeconds ?? 60));
    return e;
  }

  router.get('/sms', async (ctx) => {
    const d = await loginDetails(ctx);
    await numberPage(ctx, d.uid);
  });

  router.post('/sms', async (ctx) => {
    const d = await loginDetails(ctx);
    const phone = str(ctx, 'phone');
    try {
      const sent = await sms.sendLoginCode(phone, clientIp(ctx));
      sendPage(ctx, 'sms-login-code', { uid: d.uid, csrf: csrfToken(ctx), phone: sms.number(phone), codeId: sent.codeId, maskedPhone: sent.maskedPhone, logged: sent.mode === 'log' });
    } catch (e) {
      const err = refused(ctx, e);
      await numberPage(ctx, d.uid, { error: err.code, phone }, err.status);
    }
  });

  router.post('/sms/verify', async (ctx) => {
    const d = await loginDetails(ctx);
    const ip = clientIp(ctx);
    try {
      const accountId = await sms.login(str(ctx, 'phone'), str(ctx, 'codeId'), str(ctx, 'code'), ip);
      await audit.record({ actor: accountId, action: 'login.success', target: String(d.params.client_id), detail: { method: 'sms', ip } });
      await tools.finish(ctx, { login: { accountId, amr: ['sms'], remember: false } });
    } catch (e) {
      const err = refused(ctx, e);
      await audit.record({ actor: 'anonymous', action: 'login.failure', detail: { method: 'sms', reason: err.code, ip } });
      // Back to the code page: the person may try again (the code counts its own tries).
      let phone = '';
      try { phone = sms.number(str(ctx, 'phone')); } catch { /* a tampered form: ask for the number again */ }
      if (!phone) return numberPage(ctx, d.uid, { error: err.code }, err.status);
      sendPage(ctx, 'sms-login-code', {
        uid: d.uid, csrf: csrfToken(ctx), phone, codeId: str(ctx, 'codeId'), maskedPhone: maskPhone(phone), error: err.code,
      }, err.status);
    }
  });
}
