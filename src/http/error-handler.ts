/**
 * The one place where errors become HTTP responses. Known errors keep their stable code; anything
 * else is logged with its stack and answered with a bare 500 — never a stack trace to the client.
 */
import type { Context, Middleware } from 'koa';
import { isAppError, type ErrorKind } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { hasMessage } from '../i18n/messages.ts';
import { sendPage } from './pages.ts';

const STATUS: Record<ErrorKind, number> = {
  invalid_input: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
};

const wantsJson = (ctx: Context) => ctx.path.startsWith('/api/') || ctx.path.startsWith('/admin/api/') || !ctx.accepts('html');

/** Page text for an error code: domain codes that have a text, otherwise a generic one. */
const PAGE_MESSAGES: Record<string, string> = {
  'csrf.invalid': 'error.csrf',
  'interaction.expired': 'error.session_expired',
  'http.not_found': 'error.not_found',
};

export function errorHandler(logger: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.respond !== false && ctx.status === 404 && ctx.body === undefined) {
        respond(ctx, 404, 'http.not_found', 'not found');
      }
    } catch (err) {
      if (isAppError(err)) {
        const status = STATUS[err.kind];
        if (status >= 500) logger.error({ err, path: ctx.path }, 'request failed');
        const retryAfter = err.details?.retryAfterSeconds;
        if (status === 429 && typeof retryAfter === 'number') ctx.set('Retry-After', String(retryAfter));
        respond(ctx, status, err.code, err.kind === 'internal' ? 'internal error' : err.message, err.details);
      } else {
        const status = (err as { status?: number; expose?: boolean }).expose ? (err as { status: number }).status : 500;
        if (status >= 500) logger.error({ err, path: ctx.path }, 'unhandled error');
        respond(ctx, status, status === 500 ? 'internal' : 'http.error', status === 500 ? 'internal error' : (err as Error).message);
      }
    }
  };
}

function respond(ctx: Context, status: number, code: string, message: string, details?: Record<string, unknown>): void {
  if (wantsJson(ctx)) {
    ctx.status = status;
    ctx.body = { error: code, message, ...(details ? { details } : {}) };
    return;
  }
  sendPage(ctx, 'error', { message: PAGE_MESSAGES[code] ?? (hasMessage(code) ? code : 'error.generic'), code }, status);
}
