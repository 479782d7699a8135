/**
 * The SMS second factor: a code texted to the account's bound mobile (/interaction/:uid/mfa/sms:
 * send, then the code form). Offered whenever the account has a mobile number and codes can be
 * sent; using the code proves the number as well (authn/sms-codes.ts marks it verified).
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { SmsCodes } from '../../authn/sms-codes.ts';
import { AMR } from '../../authn/strength.ts';
import { AppError, isAppError } from '../../errors.ts';
import { csrfToken } from '../../http/csrf.ts';
import { sendPage } from '../../http/pages.ts';
import { clientIp } from '../../http/rate-limit.ts';
import type { PersonService } from '../../identity/persons.ts';
import { maskPhone } from '../../identity/phone.ts';
import type { MfaTools, SecondFactor } from './second-factor.ts';

const SHOWN = new Set(['sms.invalid_code', 'sms.rate_limited', 'sms.send_rate_limited', 'sms.send_failed', 'sms.unavailable']);

const str = (ctx: Context, name: string) => {
  const v = (ctx.request.body as Record<string, unknown> | undefined)?.[name];
  return typeof v === 'string' ? v.slice(0, 64) : '';
};

export function smsFactor(persons: PersonService, sms: SmsCodes): SecondFactor {
  return {
    kind: 'sms',
    labelKey: 'mfa.sms.label',
    hintKey: 'mfa.sms.hint',
    phishingResistant: false,
    async available(accountId) {
      const person = await persons.get(accountId);
      return Boolean(person?.phone) && person?.status === 'active' && (await sms.offered());
    },
    mount(router: Router, tools: MfaTools) {
      const page = async (ctx: Context, data: Record<string, unknown>, status = 200) => {
        const i = await tools.interaction(ctx);
        const person = await persons.get(i.accountId);
        if (!person) throw new AppError('interaction.expired');
        sendPage(ctx, 'mfa-sms', { uid: i.uid, csrf: csrfToken(ctx), maskedPhone: maskPhone(person.phone), ...data }, status);
      };
      const shown = (ctx: Context, e: unknown): AppError => {
        if (!isAppError(e) || !SHOWN.has(e.code)) throw e;
        if (e.kind === 'rate_limited') ctx.set('Retry-After', String(e.details?.retryAfterSeconds ?? 60));
        return e;
      };

      router.get('/sms', (ctx) => page(ctx, {}));

      router.post('/sms/send', async (ctx) => {
        const i = await tools.interaction(ctx);
        try {
          const sent = await sms.sendToAccount('sms-mfa', i.accountId, clientIp(ctx));
          await page(ctx, { codeId: sent.codeId, logged: sent.mode === 'log' });
        } catch (e) {
          const err = shown(ctx, e);
          await page(ctx, { error: err.code }, err.status);
        }
      });

      router.post('/sms/verify', async (ctx) => {
        const i = await tools.interaction(ctx);
        const codeId = str(ctx, 'codeId');
        try {
          if (await sms.checkForAccount('sms-mfa', i.accountId, codeId, str(ctx, 'code'), clientIp(ctx))) return tools.complete(ctx, AMR.sms);
          throw new AppError('sms.invalid_code');
        } catch (e) {
          const err = shown(ctx, e);
          await page(ctx, { codeId, error: err.code }, err.status);
        }
      });
    },
  };
}
