/**
 * One structured log line per request, with a request id that is also sent back as X-Request-Id:
 * at `info` for failures (status ≥ 400) and slow requests (≥ 1 s), at `debug` for the rest. A
 * line for every request at `info` cost about 15% of userinfo and introspection throughput in
 * the benchmark; the reverse proxy's access log is the place for every request.
 * An incoming X-Request-Id is kept only when the request came straight from a trusted proxy
 * (TRUST_PROXY) and looks like an id; otherwise anyone could plant ids in our logs.
 */
import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import type { Logger } from '../logger.ts';
import { plainAddress, trustedSet, type ProxyTrust } from './client-address.ts';
import { routeLabel } from './request-metrics.ts';

const ID = /^[A-Za-z0-9._:-]{1,128}$/;
const SLOW_MS = 1000;

export function requestLog(logger: Logger, trust: ProxyTrust): Middleware {
  const fromProxy: (peer: string) => boolean = 'addresses' in trust ? trustedSet(trust.addresses) : () => trust.hops > 0;
  return async (ctx, next) => {
    const given = ctx.get('X-Request-Id');
    const id = given && ID.test(given) && fromProxy(plainAddress(ctx.req.socket.remoteAddress ?? '')) ? given : randomUUID();
    ctx.state.requestId = id;
    ctx.set('X-Request-Id', id);
    const start = performance.now();
    try {
      await next();
    } finally {
      const ms = Math.round(performance.now() - start);
      const level = ctx.status >= 400 || ms >= SLOW_MS ? 'info' : 'debug';
      // The route pattern, not the path: paths and queries carry interaction ids, codes and tokens.
      if (logger.isLevelEnabled(level)) logger[level]({ reqId: id, method: ctx.method, route: routeLabel(ctx), status: ctx.status, ms, ip: ctx.ip }, 'request');
    }
  };
}
