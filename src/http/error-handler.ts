/**
 * The one place where errors become HTTP responses. Known errors keep their stable code; a
 * database that cannot answer now is a 503 with Retry-After (db.unavailable); anything else is
 * logged with its stack and answered with a bare 500 — never a stack trace to the client.
 */
import type { Context, Middleware } from 'koa';
import { isErrorCode } from '../error-codes.ts';
import { isAppError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { isDatabaseUnavailable, RETRY_AFTER_SECONDS } from '../store/unavailable.ts';
import { sendPage } from './pages.ts';

const wantsJson = (ctx: Context) => ctx.path.startsWith('/api/') || ctx.path.startsWith('/admin/api/') || !ctx.accepts('html');

export function errorHandler(logger: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.respond !== false && ctx.status === 404 && ctx.body === undefined) {
        respond(ctx, 404, 'http.not_found', 'not found');
      }
    } catch (err) {
      if (!isAppError(err) && isDatabaseUnavailable(err)) {
        // Expected during an outage and possibly on every request: one line, no stack.
        logger.warn({ path: ctx.path, reason: (err as Error).message }, 'database unavailable');
        respond(ctx, 503, 'db.unavailable', 'the service is temporarily unavailable; retry later');
      } else if (isAppError(err)) {
        if (err.status >= 500) logger.error({ err, path: ctx.path }, 'request failed');
        const retryAfter = err.details?.retryAfterSeconds;
        if (err.status === 429 && typeof retryAfter === 'number') ctx.set('Retry-After', String(retryAfter));
        respond(ctx, err.status, err.code, err.status === 500 ? 'internal error' : err.message, err.details);
      } else {
        const status = (err as { status?: number; expose?: boolean }).expose ? (err as { status: number }).status : 500;
        if (status >= 500) logger.error({ err, path: ctx.path }, 'unhandled error');
        respond(ctx, status, status === 500 ? 'internal' : 'http.error', status === 500 ? 'internal error' : (err as Error).message);
      }
    }
  };
}

function respond(ctx: Context, status: number, code: string, message: string, details?: Record<string, unknown>): void {
  if (status === 503) ctx.set('Retry-After', String(RETRY_AFTER_SECONDS));
  if (wantsJson(ctx)) {
    ctx.status = status;
    ctx.body = { error: code, message, ...(details ? { details } : {}) };
    return;
  }
  // The page shows the table's text for the code (error-codes.ts), in the visitor's language.
  sendPage(ctx, 'error', { message: isErrorCode(code) ? code : 'error.generic', code }, status);
}
