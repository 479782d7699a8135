/**
 * Counts every request and its latency by route pattern — our routers' matched route, the
 * provider's route name (set by oidc/mount.ts), or "unmatched" — never by raw path, so a scan of
 * random URLs cannot grow the label set.
 */
import type { Context, Middleware } from 'koa';
import type { Metrics } from '../metrics/metrics.ts';

export const routeLabel = (ctx: Context): string =>
  (ctx.state.route as string | undefined) ?? (ctx as Context & { _matchedRoute?: unknown })._matchedRoute?.toString() ?? 'unmatched';

export function requestMetrics(metrics: Metrics): Middleware {
  return async (ctx, next) => {
    const start = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const route = routeLabel(ctx);
      const method = ctx.method;
      metrics.httpRequests.inc({ route, method, status: String(ctx.status) });
      metrics.httpDuration.observe({ route, method }, Number(process.hrtime.bigint() - start) / 1e9);
    }
  };
}
