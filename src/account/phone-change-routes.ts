/**
 * "Change mobile number" in the account console (/account/phone-change): only after a recent,
 * strong enough login (reauth.ts); a code to the new number, a notice to the old one.
 */
import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import type { PhoneChange } from '../authn/phone-change.ts';
import type { SmsCodes } from '../authn/sms-codes.ts';
import { AppError, isAppError } from '../errors.ts';
import { csrfToken } from '../http/csrf.ts';
import { sendPage } from '../http/pages.ts';
import { clientIp } from '../http/rate-limit.ts';
import type { PersonService } from '../identity/persons.ts';
import { maskPhone } from '../identity/phone.ts';
import { accountOf } from './login-routes.ts';
import type { Reauth } from './reauth.ts';

export interface PhoneChangeRouteDeps {
  persons: PersonService;
  smsCodes: SmsCodes;
  phoneChange: PhoneChange;
  reauth: Reauth;
}

const SHOWN = new Set(['sms.invalid_code', 'sms.invalid_phone', 'sms.rate_limited', 'sms.send_rate_limited', 'sms.send_failed', 'sms.unavailable', 'phone.same', 'phone.taken']);
const PATH = '/account/phone-change';

const field = (ctx: Context, name: string) => {
  const v = (ctx.request as { body?: Record<string, unknown> }).body?.[name];
  return typeof v === 'string' ? v.slice(0, 64) : '';
};

export function phoneChangeRoutes(router: Router, deps: PhoneChangeRouteDeps, admitted: Middleware): void {
  const page = async (ctx: Context, data: Record<string, unknown> = {}, status = 200) => {
    const person = await deps.persons.get(accountOf(ctx).sub);
    if (!person || person.status !== 'active') throw new AppError('account.inactive');
    sendPage(ctx, 'account/phone-change', {
      csrf: csrfToken(ctx), maskedPhone: maskPhone(person.phone), offered: await deps.smsCodes.offered(),
      recentLogin: await deps.reauth.satisfied(accountOf(ctx)), ...data,
    }, status);
  };
  /** Refuses (403, with the "log in again" link) unless the console login is recent and strong enough. */
  const recent = async (ctx: Context) => {
    if (await deps.reauth.satisfied(accountOf(ctx))) return true;
    await page(ctx, {}, 403);
    return false;
  };
  const shown = (ctx: Context, e: unknown): AppError => {
    if (!isAppError(e) || !SHOWN.has(e.code)) throw e;
    if (e.kind === 'rate_limited') ctx.set('Retry-After', String(e.details?.retryAfterSeconds ?? 60));
    return e;
  };

  router.get(PATH, admitted, (ctx) => page(ctx));

  router.post(`${PATH}/send`, admitted, async (ctx) => {
    if (!(await recent(ctx))) return;
    try {
      const sent = await deps.phoneChange.send(accountOf(ctx).sub, field(ctx, 'phone'), clientIp(ctx));
      await page(ctx, { codeId: sent.codeId, newPhone: sent.phone, newMasked: sent.maskedPhone, logged: sent.mode === 'log' });
    } catch (e) {
      const err = shown(ctx, e);
      await page(ctx, { error: err.code, typed: field(ctx, 'phone') }, err.status);
    }
  });

  router.post(`${PATH}/verify`, admitted, async (ctx) => {
    if (!(await recent(ctx))) return;
    const newPhone = field(ctx, 'phone');
    const codeId = field(ctx, 'codeId');
    try {
      await deps.phoneChange.confirm(accountOf(ctx).sub, newPhone, codeId, field(ctx, 'code'), clientIp(ctx));
      ctx.status = 303;
      ctx.redirect('/account?notice=account.phone_changed#profile');
    } catch (e) {
      const err = shown(ctx, e);
      const retry = err.code === 'sms.invalid_code' || err.code === 'sms.rate_limited';
      await page(ctx, { error: err.code, ...(retry ? { codeId, newPhone, newMasked: maskPhone(newPhone) } : {}) }, err.status);
    }
  });
}
