/**
 * Our routers run before oidc-provider, yet most requests are the provider's (token, userinfo,
 * introspection). Walking every router's route table costs each of them ~15 µs, so a request
 * whose first path segment starts none of our routes goes straight on. The index is built from
 * the routers' own route tables, so new routes need no listing here; a route whose first
 * segment is a parameter or a pattern turns the shortcut off.
 */
import type Router from '@koa/router';
import type { Middleware } from 'koa';

const firstSegment = (path: string) => {
  const end = path.indexOf('/', 1);
  return (end < 0 ? path.slice(1) : path.slice(1, end)).toLowerCase();
};

/**
 * First path segments that can reach one of the routers' routes, or undefined when that cannot
 * be told from the paths. Middleware layers (`router.use`) are left out: a router runs them only
 * for a request one of its routes matches, so they never take a request of their own.
 */
export function routeIndex(routers: Router[]): Set<string> | undefined {
  const firsts = new Set<string>();
  for (const layer of routers.flatMap((r) => r.stack)) {
    if (layer.methods.length === 0) continue;
    if (typeof layer.path !== 'string') return undefined;
    const first = firstSegment(layer.path);
    if (/[:*(){}?+]/.test(first)) return undefined;
    firsts.add(first);
  }
  return firsts;
}

export function ourRoutes(routers: Router[]): Middleware {
  const chain: Middleware[] = routers.flatMap((r) => [r.routes() as unknown as Middleware, r.allowedMethods() as unknown as Middleware]);
  const run: Middleware = (ctx, next) => {
    const step = (i: number): Promise<unknown> => (i === chain.length ? next() : Promise.resolve(chain[i]!(ctx, () => step(i + 1))));
    return step(0) as Promise<void>;
  };
  const firsts = routeIndex(routers);
  if (!firsts) return run;
  return (ctx, next) => (firsts.has(firstSegment(ctx.path)) ? run(ctx, next) : next());
}
