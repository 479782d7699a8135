/** Per-IP rate limiting for our own routes, counted in the database so all processes agree. */
import { createHash } from 'node:crypto';
import type { Context, Middleware } from 'koa';
import { AppError } from '../errors.ts';
import type { RateLimitStore } from '../store/rate-limits.ts';

/** The client address; X-Forwarded-For is honoured only when TRUST_PROXY is set (koa's app.proxy). */
export const clientIp = (ctx: Context) => ctx.ip || 'unknown';

export function rateLimit(store: RateLimitStore, name: string, limit: { max: number; windowSeconds: number }): Middleware {
  return async (ctx, next) => {
    const key = createHash('sha256').update(`${name}\0${clientIp(ctx)}`).digest('base64url');
    if ((await store.hit(key, limit.windowSeconds)) > limit.max) {
      ctx.set('Retry-After', String(limit.windowSeconds));
      throw new AppError('http.rate_limited', 'too many requests');
    }
    await next();
  };
}
