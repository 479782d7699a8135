/**
 * The "temporarily unavailable" answer (503 + Retry-After) for load shedding and database
 * outages on the provider's endpoints: OAuth-style JSON (`temporarily_unavailable`, RFC 6749's
 * code for exactly this) for clients, a page in the visitor's language for people.
 */
import type { Context } from 'koa';
import type { ErrorCode } from '../error-codes.ts';
import { RETRY_AFTER_SECONDS } from '../store/unavailable.ts';
import { sendPage } from './pages.ts';

/** Writes the "temporarily unavailable" answer: OAuth-style JSON for APIs, a page for people. */
export function respondUnavailable(ctx: Context, code: ErrorCode): void {
  ctx.set('Retry-After', String(RETRY_AFTER_SECONDS));
  if (ctx.accepts('json', 'html') === 'html') {
    sendPage(ctx, 'error', { message: code, code }, 503);
    return;
  }
  ctx.status = 503;
  ctx.set('Cache-Control', 'no-store');
  ctx.body = { error: 'temporarily_unavailable', error_description: 'the service is temporarily unavailable; retry later' };
}
