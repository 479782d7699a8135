/**
 * The provider is a koa app: its middleware runs on the enclosing app's own request context, as
 * koa-mount mounts it, rather than through its callback, which would build a second context per
 * request. One composition per provider instance (the instance changes when keys rotate).
 */
import type { Middleware } from 'koa';
import compose from 'koa-compose';
import type Provider from 'oidc-provider';

export function mountProvider(current: () => Provider): Middleware {
  const mounted = new WeakMap<Provider, Middleware>();
  return (ctx, next) => {
    const p = current();
    let m = mounted.get(p);
    if (!m) mounted.set(p, (m = compose(p.middleware) as Middleware));
    return m(ctx, next);
  };
}
