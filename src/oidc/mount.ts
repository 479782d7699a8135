/**
 * The provider is a koa app: its middleware runs on the enclosing app's own request context, as
 * koa-mount mounts it, rather than through its callback, which would build a second context per
 * request. One composition per provider instance (the instance changes when keys rotate).
 *
 * The provider answers any failure of ours (the adapter's database calls) as a 500 server_error.
 * Its 'server_error' event carries the original error: when that says the database cannot answer
 * now, the response becomes 503 temporarily_unavailable with Retry-After, which clients retry.
 */
import type { Middleware } from 'koa';
import compose from 'koa-compose';
import type Provider from 'oidc-provider';
import { respondUnavailable } from '../http/unavailable-response.ts';
import { isDatabaseUnavailable } from '../store/unavailable.ts';

const unavailable = new WeakSet<object>();

export function mountProvider(current: () => Provider): Middleware {
  const mounted = new WeakMap<Provider, Middleware>();
  return (ctx, next) => {
    const p = current();
    let m = mounted.get(p);
    if (!m) {
      mounted.set(p, (m = compose(p.middleware) as Middleware));
      p.on('server_error', (errCtx: object, err: unknown) => { if (isDatabaseUnavailable(err)) unavailable.add(errCtx); });
    }
    return m(ctx, next).then(() => {
      if (unavailable.has(ctx)) respondUnavailable(ctx, 'db.unavailable');
    }).finally(() => {
      // The provider's route name (token, authorization, userinfo…) labels the request's metrics.
      const route = (ctx as { oidc?: { route?: string } }).oidc?.route;
      if (route && ctx.state.route === undefined) ctx.state.route = `oidc:${route}`;
    });
  };
}
