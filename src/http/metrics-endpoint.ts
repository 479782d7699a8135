/**
 * GET /metrics for Prometheus, only for addresses in METRICS_ALLOW (the client address as
 * resolved behind TRUST_PROXY) or with the bearer token METRICS_TOKEN. Anyone else gets the
 * same 404 as an unknown path: the endpoint does not show that it exists.
 */
import { timingSafeEqual } from 'node:crypto';
import type { Middleware } from 'koa';
import { prometheusContentType } from 'prom-client';
import { trustedSet } from './client-address.ts';

export interface MetricsAccess { allow: string[]; token: string | undefined }

function tokenMatches(header: string, token: string | undefined): boolean {
  if (!token || !header.startsWith('Bearer ')) return false;
  const given = Buffer.from(header.slice('Bearer '.length));
  const wanted = Buffer.from(token);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

export function metricsEndpoint(access: MetricsAccess, render: () => Promise<string>): Middleware {
  const allowed = trustedSet(access.allow);
  return async (ctx, next) => {
    if (ctx.path !== '/metrics' || ctx.method !== 'GET') return next();
    if (!allowed(ctx.ip) && !tokenMatches(ctx.get('Authorization'), access.token)) return next();
    ctx.state.route = '/metrics';
    ctx.set('Cache-Control', 'no-store');
    ctx.type = prometheusContentType;
    ctx.body = await render();
  };
}
