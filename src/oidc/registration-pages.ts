/**
 * Registration pages inside a login: the form (step 1), the SMS code (step 2), and the outcomes.
 * The rules are in identity/registration.ts; this module adapts them to pages and audits them.
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Audit } from '../audit/audit.ts';
import type { SentCode } from '../authn/sms-codes.ts';
import type { Throttle } from '../authn/throttle.ts';
import { isAppError } from '../errors.ts';
import { csrfToken } from '../http/csrf.ts';
import { sendPage } from '../http/pages.ts';
import { clientIp, rateLimit } from '../http/rate-limit.ts';
import type { RegistrationInput } from '../identity/persons.ts';
import type { Registration } from '../identity/registration.ts';
import type { InteractionTools } from './entity-pages.ts';

export interface RegistrationPageDeps {
  registration: Registration;
  throttle: Throttle;
  audit: Audit;
}

const str = (ctx: Context, name: string, max = 256) => {
  const v = (ctx.request.body as Record<string, unknown> | undefined)?.[name];
  return typeof v === 'string' ? v.slice(0, max) : '';
};

/** Refusals shown on the code page (with the status of their code). */
const CODE_PAGE_ERRORS = new Set(['sms.invalid_code', 'sms.rate_limited', 'sms.send_rate_limited', 'sms.send_failed', 'register.real_name_unavailable', 'verification.rate_limited', 'register.rate_limited']);

export function mountRegistrationRoutes(router: Router, tools: InteractionTools, deps: RegistrationPageDeps): void {
  const formPage = async (ctx: Context, values: Partial<RegistrationInput>, errors: Record<string, string>, status = 200, error?: string) => {
    const d = await tools.details(ctx);
    // Production without an SMS channel: no registration (the code cannot be sent), said plainly.
    if (!(await deps.registration.offered())) return sendPage(ctx, 'register', { uid: d.uid, csrf: csrfToken(ctx), unavailable: true, values: {}, errors: {} }, 503);
    const realName = (await deps.registration.realNameMode()) !== 'off';
    sendPage(ctx, 'register', { uid: d.uid, csrf: csrfToken(ctx), values: { name: values.name, phone: values.phone }, errors, error, realName }, status);
  };
  const codePage = (ctx: Context, uid: string, pendingId: string, data: { sent?: SentCode; error?: string; proven?: boolean }, status = 200) =>
    sendPage(ctx, 'register-code', {
      uid, csrf: csrfToken(ctx), pendingId, codeId: data.sent?.codeId ?? str(ctx, 'codeId', 64), maskedPhone: data.sent?.maskedPhone,
      logged: data.sent?.mode === 'log', error: data.error, proven: data.proven ?? false,
    }, status);
  /** The error's code page, or rethrows what a page cannot show. */
  const refused = async (ctx: Context, uid: string, pendingId: string, e: unknown, proven = false) => {
    if (!isAppError(e) || !CODE_PAGE_ERRORS.has(e.code)) throw e;
    if (e.kind === 'rate_limited') ctx.set('Retry-After', String(e.details?.retryAfterSeconds ?? 60));
    if (e.code === 'register.real_name_unavailable') ctx.set('Retry-After', '60');
    // Wrong codes concern no account yet and are counted by the SMS throttles; outcomes are audited.
    if (!e.code.startsWith('sms.')) await deps.audit.record({ actor: 'anonymous', action: 'registration.refused', detail: { reason: e.code, ip: clientIp(ctx) } });
    codePage(ctx, uid, pendingId, { error: e.code, proven: proven || e.code === 'register.real_name_unavailable' }, e.status);
  };

  router.get('/register', (ctx) => formPage(ctx, {}, {}));

  // Step 1: hashing a password and texting a code cost something: bounded per address.
  router.post('/register', rateLimit(deps.throttle, 'register', { max: 10, windowSeconds: 3600 }), async (ctx) => {
    const d = await tools.details(ctx);
    const input: RegistrationInput = { name: str(ctx, 'name'), idNumber: str(ctx, 'idNumber'), phone: str(ctx, 'phone'), password: str(ctx, 'password') };
    if (input.password !== str(ctx, 'passwordConfirm')) {
      return formPage(ctx, input, { ...deps.registration.validate(input), passwordConfirm: 'register.mismatch' }, 400);
    }
    try {
      const started = await deps.registration.start(input, d.uid, clientIp(ctx));
      if (!started.ok) return formPage(ctx, input, started.errors as Record<string, string>, 400);
      // No lookup has happened: the same page whether or not the number has an account.
      codePage(ctx, d.uid, started.pendingId, { sent: started.sent });
    } catch (e) {
      if (!isAppError(e) || !['sms.send_rate_limited', 'sms.send_failed', 'sms.unavailable'].includes(e.code)) throw e;
      if (e.kind === 'rate_limited') ctx.set('Retry-After', String(e.details?.retryAfterSeconds ?? 60));
      await formPage(ctx, input, {}, e.status, e.code);
    }
  });

  router.post('/register/resend', async (ctx) => {
    const d = await tools.details(ctx);
    const pendingId = str(ctx, 'pendingId', 64);
    try {
      codePage(ctx, d.uid, pendingId, { sent: await deps.registration.resend(pendingId, d.uid, clientIp(ctx)) });
    } catch (e) {
      if (isAppError(e) && e.code === 'register.expired') return formPage(ctx, {}, {}, 400, e.code);
      await refused(ctx, d.uid, pendingId, e);
    }
  });

  // Step 2: the code proves the phone, then the registration completes.
  router.post('/register/verify', async (ctx) => {
    const d = await tools.details(ctx);
    const pendingId = str(ctx, 'pendingId', 64);
    try {
      await deps.registration.prove(pendingId, d.uid, str(ctx, 'codeId', 64), str(ctx, 'code', 16), clientIp(ctx));
    } catch (e) {
      if (isAppError(e) && e.code === 'register.expired') return formPage(ctx, {}, {}, 400, e.code);
      return refused(ctx, d.uid, pendingId, e);
    }
    await complete(ctx, d.uid, pendingId);
  });

  // After an outage of the real-name check: the phone is proven already, no new code needed.
  router.post('/register/complete', async (ctx) => {
    const d = await tools.details(ctx);
    await complete(ctx, d.uid, str(ctx, 'pendingId', 64));
  });

  async function complete(ctx: Context, uid: string, pendingId: string) {
    const ip = clientIp(ctx);
    try {
      const done = await deps.registration.complete(pendingId, uid, ip);
      if (done.outcome === 'already_registered') {
        await deps.audit.record({ actor: 'anonymous', action: 'person.registration_duplicate', detail: { disclosed: true, ip } });
        // The visitor may go on to reclaim it (reclaim-pages.ts), with the ticket registration opened.
        return sendPage(ctx, 'register-done', { uid, csrf: csrfToken(ctx), alreadyRegistered: true, reclaimTicket: done.reclaimTicket }, 409);
      }
      await deps.audit.record({
        actor: done.personId ?? 'anonymous', action: done.created ? 'person.registered' : 'person.registration_duplicate',
        detail: { ip, realName: done.realName, phoneProven: true, ...(done.fromWard ? { fromWard: true } : {}) },
      });
      // Same answer whether or not the number was already registered (unless told above).
      ctx.status = 303;
      ctx.redirect(`/interaction/${uid}?notice=login.registered`);
    } catch (e) {
      if (isAppError(e) && (e.code === 'register.real_name_mismatch' || e.code === 'register.expired')) {
        await deps.audit.record({ actor: 'anonymous', action: 'registration.refused', detail: { reason: e.code, ip } });
        return formPage(ctx, {}, {}, e.status, e.code);
      }
      await refused(ctx, uid, pendingId, e, true);
    }
  }
}

