/**
 * Defence in depth next to the CSRF token: a state-changing request to our own pages must come
 * from a page of ours. The browser's `Origin` (or, when it sends none, `Referer`) is compared with
 * the public origin of ISSUER — not with the Host header, which differs behind a proxy and in
 * tests. `Origin: null` (sandboxed frames, data: URLs, cross-origin redirects) is foreign. When a
 * client sends neither header we accept: old clients and privacy tools strip both, and the CSRF
 * token still has to match.
 */
import type { Middleware } from 'koa';
import { AppError } from '../errors.ts';

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

const originOf = (url: string): string | undefined => {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
};

export function sameOrigin(issuer: string): Middleware {
  const expected = new URL(issuer).origin;
  return async (ctx, next) => {
    if (!SAFE.has(ctx.method)) {
      const origin = ctx.get('origin');
      const referer = ctx.get('referer');
      const from = origin ? origin : referer ? (originOf(referer) ?? 'invalid') : undefined;
      if (from !== undefined && from !== expected) {
        throw new AppError('origin.foreign', 'the request did not come from a page of this service');
      }
    }
    await next();
  };
}
