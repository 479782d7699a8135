/** Per-IP rate limiting for our own routes, through the shared throttle (src/authn/throttle.ts). */
import type { Context, Middleware } from 'koa';
import { throttled, type Throttle } from '../authn/throttle.ts';

/**
 * The client address: the right-most X-Forwarded-For entry not added by a trusted proxy
 * (client-address.ts sets it for every request from TRUST_PROXY), else the peer's address.
 */
export const clientIp = (ctx: Context) => ctx.ip || 'unknown';

/** Counts each request per address before the route runs; refuses beyond `max` per window. */
export function rateLimit(throttle: Throttle, name: string, limit: { max: number; windowSeconds: number }): Middleware {
  const l = { name, ...limit };
  return async (ctx, next) => {
    const reservation = await throttle.reserve([throttle.key(l, clientIp(ctx))]);
    if (!reservation.ok) throw throttled('http.rate_limited', reservation);
    // Every request counts whatever its outcome (this limit neither locks nor resets).
    await next();
    await reservation.release();
  };
}
