/**
 * A second factor checked by a typed code (authenticator app, recovery code): GET shows the code
 * form, POST checks the code (the factor's own check goes through the factor throttle) and
 * continues the login with `amr`, or shows the form again with the error.
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { csrfToken } from '../../http/csrf.ts';
import { sendPage } from '../../http/pages.ts';
import { clientIp } from '../../http/rate-limit.ts';
import { isAppError } from '../../errors.ts';
import type { MfaTools, SecondFactor } from './second-factor.ts';

export interface CodeFactorSpec {
  kind: string;
  labelKey: string;
  hintKey?: string;
  /** Texts of the form: what to type, and the field's label. */
  promptKey: string;
  fieldKey: string;
  /** numeric (six digits) or text (recovery codes). */
  inputMode: 'numeric' | 'text';
  amr: string;
  available(accountId: string): Promise<boolean>;
  check(accountId: string, code: string, ip: string): Promise<boolean>;
}

export function codeFactor(spec: CodeFactorSpec): SecondFactor {
  const form = async (ctx: Context, tools: MfaTools, error?: string, status = 200) => {
    const i = await tools.interaction(ctx);
    sendPage(ctx, 'mfa-code', {
      uid: i.uid, csrf: csrfToken(ctx), clientName: await tools.clientName(i.clientId), kind: spec.kind,
      labelKey: spec.labelKey, promptKey: spec.promptKey, fieldKey: spec.fieldKey, inputMode: spec.inputMode, error,
    }, status);
  };
  return {
    kind: spec.kind,
    labelKey: spec.labelKey,
    ...(spec.hintKey ? { hintKey: spec.hintKey } : {}),
    phishingResistant: false,
    available: spec.available,
    mount(router: Router, tools: MfaTools) {
      router.get(`/${spec.kind}`, async (ctx) => {
        const i = await tools.interaction(ctx);
        // Reached by URL although not enrolled: back to the chooser, which says what is possible.
        if (!(await spec.available(i.accountId))) return ctx.redirect(`/interaction/${i.uid}/mfa`);
        await form(ctx, tools);
      });
      router.post(`/${spec.kind}`, async (ctx) => {
        const i = await tools.interaction(ctx);
        const body = (ctx.request as { body?: Record<string, unknown> }).body;
        const code = typeof body?.code === 'string' ? body.code.slice(0, 64) : '';
        try {
          if (await spec.check(i.accountId, code, clientIp(ctx))) return await tools.complete(ctx, spec.amr);
        } catch (e) {
          if (!isAppError(e) || e.code !== 'factor.rate_limited') throw e;
          const retry = e.details?.retryAfterSeconds;
          if (typeof retry === 'number') ctx.set('Retry-After', String(retry));
          return form(ctx, tools, e.code, 429);
        }
        await form(ctx, tools, 'factor.invalid_code', 400);
      });
    },
  };
}
