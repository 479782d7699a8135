/**
 * A cap on the requests one process works on at once. Past it, a request is answered 503 with
 * Retry-After straight away: queueing would only make every request slow (and hold sockets and
 * memory) when the process or its database cannot keep up. /healthz is exempt so a busy process
 * is not taken for a dead one.
 */
import type { Middleware } from 'koa';
import { respondUnavailable } from './unavailable-response.ts';

const EXEMPT = new Set(['/healthz']);

export function loadShedding(maxInFlight: number): Middleware {
  let inFlight = 0;
  return async (ctx, next) => {
    if (EXEMPT.has(ctx.path)) return next();
    if (inFlight >= maxInFlight) {
      respondUnavailable(ctx, 'http.overloaded');
      return;
    }
    inFlight++;
    try {
      await next();
    } finally {
      inFlight--;
    }
  };
}
