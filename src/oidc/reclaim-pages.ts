/**
 * Reclaim pages inside a login (/interaction/:uid/reclaim): reached only from the "this ID number
 * already has an account" page of a registration whose visitor proved the phone and passed the
 * real-name check, with the ticket it opened (hidden field, bound to this login page). The
 * checks (a selfie upload or a bank card), then the new password. The rules are in
 * identity/reclaim.ts; this module adapts them to pages.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { errors as oidcErrors } from 'oidc-provider';
import { AppError, isAppError } from '../errors.ts';
import { csrfToken, verifyCsrf } from '../http/csrf.ts';
import { formBody, type UploadedFile } from '../http/form-body.ts';
import { localeOf, sendPage } from '../http/pages.ts';
import { clientIp } from '../http/rate-limit.ts';
import { sameOrigin } from '../http/same-origin.ts';
import type { Reclaim } from '../identity/reclaim.ts';
import { MAX_SELFIE_BYTES, type PersonCheck } from '../verification/verification-service.ts';

export interface ReclaimPageDeps {
  issuer: string;
  provider: () => Provider;
  reclaim: Reclaim;
}

type Message = { key: string; ok: boolean };

const raw = (ctx: Context, name: string, max = 256) => {
  const v = (ctx.request as { body?: Record<string, unknown> }).body?.[name];
  return typeof v === 'string' ? v.slice(0, max) : '';
};
const field = (ctx: Context, name: string, max = 256) => raw(ctx, name, max).trim();

/** The submitted check; only the kinds a reclaim can use online. */
function checkFromForm(ctx: Context): PersonCheck {
  const kind = String(ctx.params.kind);
  if (kind === 'face') {
    const file = ((ctx.state.files ?? {}) as Record<string, UploadedFile>).image;
    if (!file || !/^image\//.test(file.type || 'image/')) throw new AppError('verification.image_invalid');
    return { kind, image: file.bytes.toString('base64') };
  }
  if (kind === 'bank_card') return { kind, cardNumber: field(ctx, 'cardNumber', 40), mobile: field(ctx, 'mobile', 20) || undefined };
  throw new AppError('reclaim.check_not_offered');
}

/** Refusals a person can act on, shown on the check page with their status. */
function messageOf(ctx: Context, e: unknown): { message: Message; status: number } {
  if (!isAppError(e) || e.code === 'reclaim.expired' || e.code === 'http.body_too_large') throw e;
  if (e.kind === 'unavailable') return { message: { key: 'verify.unavailable', ok: false }, status: 503 };
  if (e.kind === 'rate_limited') {
    ctx.set('Retry-After', String((e.details?.retryAfterSeconds as number | undefined) ?? 3600));
    return { message: { key: e.code, ok: false }, status: 429 };
  }
  if (e.kind === 'invalid_input' || e.kind === 'forbidden') return { message: { key: e.code, ok: false }, status: e.status };
  throw e;
}

export function reclaimRouter(deps: ReclaimPageDeps): Router {
  const router = new Router({ prefix: '/interaction/:uid/reclaim' });
  router.use(async (ctx, next) => {
    ctx.set('Cache-Control', 'no-store');
    await next();
  });
  // A selfie plus the form fields, from our own pages only.
  router.use(sameOrigin(deps.issuer), formBody({ maxBytes: MAX_SELFIE_BYTES + 64 * 1024 }), verifyCsrf);

  /** The login page this reclaim belongs to, still open in this browser. */
  async function uid(ctx: Context): Promise<string> {
    try {
      const d = await deps.provider().interactionDetails(ctx.req, ctx.res);
      if (d.uid !== ctx.params.uid || d.prompt.name !== 'login') throw new AppError('interaction.expired');
      return d.uid;
    } catch (e) {
      if (e instanceof oidcErrors.SessionNotFound || isAppError(e)) throw new AppError('interaction.expired');
      throw e;
    }
  }

  async function checkPage(ctx: Context, interactionUid: string, ticket: string, message?: Message, status = 200) {
    const view = await deps.reclaim.view(ticket, interactionUid);
    if (view.proven) return passwordPage(ctx, interactionUid, ticket, message, status);
    const level = deps.reclaim.ladderLevel(view.required);
    sendPage(ctx, 'reclaim', {
      uid: interactionUid, csrf: csrfToken(ctx), ticket, steps: view.steps, maskedPhone: view.maskedPhone, message,
      requiredName: level ? level.name[localeOf(ctx)] : undefined,
    }, status);
  }

  function passwordPage(ctx: Context, interactionUid: string, ticket: string, message?: Message, status = 200) {
    sendPage(ctx, 'reclaim-password', { uid: interactionUid, csrf: csrfToken(ctx), ticket, message }, status);
  }

  // From the "already registered" page: the ticket comes in a form, never in a URL.
  router.post('/', async (ctx) => {
    const interactionUid = await uid(ctx);
    await checkPage(ctx, interactionUid, field(ctx, 'ticket', 64));
  });

  router.post('/check/:kind', async (ctx) => {
    const interactionUid = await uid(ctx);
    const ticket = field(ctx, 'ticket', 64);
    try {
      const out = await deps.reclaim.prove(ticket, interactionUid, checkFromForm(ctx), clientIp(ctx));
      if (out.proven) return passwordPage(ctx, interactionUid, ticket, { key: 'reclaim.proven', ok: true });
      const key = out.reason === 'face_mismatch' || out.reason === 'liveness_failed' ? `verify.mismatch.${out.reason}` : out.reason === undefined ? 'verify.passed' : 'verify.mismatch';
      await checkPage(ctx, interactionUid, ticket, { key, ok: out.reason === undefined });
    } catch (e) {
      const { message, status } = messageOf(ctx, e);
      await checkPage(ctx, interactionUid, ticket, message, status);
    }
  });

  router.post('/complete', async (ctx) => {
    const interactionUid = await uid(ctx);
    const ticket = field(ctx, 'ticket', 64);
    const password = raw(ctx, 'password');
    if (password !== raw(ctx, 'passwordConfirm')) return passwordPage(ctx, interactionUid, ticket, { key: 'register.mismatch', ok: false }, 400);
    try {
      await deps.reclaim.complete(ticket, interactionUid, password, clientIp(ctx));
    } catch (e) {
      if (isAppError(e) && (e.code.startsWith('password.') || e.code === 'reclaim.not_proven')) {
        return e.code === 'reclaim.not_proven' ? checkPage(ctx, interactionUid, ticket, { key: e.code, ok: false }, e.status)
          : passwordPage(ctx, interactionUid, ticket, { key: e.code, ok: false }, e.status);
      }
      throw e;
    }
    sendPage(ctx, 'reclaim-done', { uid: interactionUid });
  });

  return router;
}
