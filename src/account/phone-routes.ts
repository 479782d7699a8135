/**
 * "Verify my mobile number" in the account console: a code to the bound number; entering it
 * records the proof (persons.phone_verified_at), which SMS-code login requires.
 */
import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import type { SmsCodes } from '../authn/sms-codes.ts';
import { AppError, isAppError } from '../errors.ts';
import { csrfToken } from '../http/csrf.ts';
import { sendPage } from '../http/pages.ts';
import { clientIp } from '../http/rate-limit.ts';
import type { PersonService } from '../identity/persons.ts';
import { maskPhone } from '../identity/phone.ts';
import { accountOf } from './login-routes.ts';

export interface PhoneProofDeps {
  persons: PersonService;
  smsCodes: SmsCodes;
}

const SHOWN = new Set(['sms.invalid_code', 'sms.rate_limited', 'sms.send_rate_limited', 'sms.send_failed', 'sms.unavailable']);

const field = (ctx: Context, name: string) => {
  const v = (ctx.request as { body?: Record<string, unknown> }).body?.[name];
  return typeof v === 'string' ? v.slice(0, 64) : '';
};

export function phoneRoutes(router: Router, deps: PhoneProofDeps, admitted: Middleware): void {
  const page = async (ctx: Context, data: Record<string, unknown> = {}, status = 200) => {
    const person = await deps.persons.get(accountOf(ctx).sub);
    if (!person || person.status !== 'active') throw new AppError('account.inactive');
    sendPage(ctx, 'account/phone', {
      csrf: csrfToken(ctx), maskedPhone: maskPhone(person.phone), verified: Boolean(person.phoneVerifiedAt), offered: await deps.smsCodes.offered(), ...data,
    }, status);
  };
  const shown = (ctx: Context, e: unknown): AppError => {
    if (!isAppError(e) || !SHOWN.has(e.code)) throw e;
    if (e.kind === 'rate_limited') ctx.set('Retry-After', String(e.details?.retryAfterSeconds ?? 60));
    return e;
  };

  router.get('/account/phone', admitted, (ctx) => page(ctx));

  router.post('/account/phone/send', admitted, async (ctx) => {
    try {
      const sent = await deps.smsCodes.sendToAccount('phone-proof', accountOf(ctx).sub, clientIp(ctx));
      await page(ctx, { codeId: sent.codeId, logged: sent.mode === 'log' });
    } catch (e) {
      const err = shown(ctx, e);
      await page(ctx, { error: err.code }, err.status);
    }
  });

  router.post('/account/phone/verify', admitted, async (ctx) => {
    const codeId = field(ctx, 'codeId');
    try {
      if (!(await deps.smsCodes.checkForAccount('phone-proof', accountOf(ctx).sub, codeId, field(ctx, 'code'), clientIp(ctx)))) throw new AppError('sms.invalid_code');
      ctx.status = 303;
      ctx.redirect('/account?notice=account.phone_done#profile');
    } catch (e) {
      const err = shown(ctx, e);
      await page(ctx, { codeId, error: err.code }, err.status);
    }
  });
}
