/** buildApp(container) → the koa app: our routers first, oidc-provider for everything else. */
import Router from '@koa/router';
import Koa from 'koa';
import { accountDeps } from './account/account-deps.ts';
import { accountRouter } from './account/account-router.ts';
import { consoleOptions } from './admin/console/console-deps.ts';
import { consoleRouter } from './admin/console/console-router.ts';
import type { Container } from './container.ts';
import { pendingMigrations } from './store/db.ts';
import { withRequestScope } from './store/request-memo.ts';
import { assetsRouter } from './http/assets.ts';
import { clientAddressMiddleware } from './http/client-address.ts';
import { errorHandler } from './http/error-handler.ts';
import { loadShedding } from './http/load-shedding.ts';
import { metricsEndpoint } from './http/metrics-endpoint.ts';
import { requestLog } from './http/request-log.ts';
import { requestMetrics } from './http/request-metrics.ts';
import { renderMetrics } from './metrics/cluster.ts';
import { ourRoutes } from './http/route-index.ts';
import { securityHeaders } from './http/security-headers.ts';
import { interactionRouter } from './oidc/interactions.ts';
import { mountProvider, type OnLogin } from './oidc/mount.ts';
import { deviceIdOf } from './http/device-cookie.ts';
import { clientIp } from './http/rate-limit.ts';
import { secondFactors } from './oidc/mfa/factors.ts';
import { mfaRouter } from './oidc/mfa/mfa-pages.ts';
import { verificationRouters } from './app-verification.ts';
import { reclaimRouter } from './oidc/reclaim-pages.ts';
import { adminApiRouters } from './admin/api/admin-api.ts';

function healthRouter(c: Container): Router {
  const router = new Router();
  router.get('/healthz', (ctx) => { ctx.body = { status: 'ok' }; });
  router.get('/readyz', async (ctx) => {
    try {
      const pending = await pendingMigrations(c.db.knex);
      ctx.status = pending.length ? 503 : 200;
      ctx.body = pending.length ? { status: 'migrations_pending', pending } : { status: 'ready' };
    } catch {
      ctx.status = 503;
      ctx.body = { status: 'database_unreachable' };
    }
  });
  return router;
}

/** Every router of ours, in the order they are tried before the provider. */
export function ourRouters(c: Container): Router[] {
  const mfa = mfaRouter({ issuer: c.config.issuer, provider: () => c.provider.current, audit: c.audit, factors: secondFactors(c) });
  return [healthRouter(c), assetsRouter(), accountRouter(accountDeps(c)), consoleRouter(consoleOptions(c)), ...verificationRouters(c), ...adminApiRouters(c).routers, mfa,
    reclaimRouter({ issuer: c.config.issuer, provider: () => c.provider.current, reclaim: c.reclaim }), interactionRouter({
    issuer: c.config.issuer, provider: () => c.provider.current, persons: c.persons, login: c.login, throttle: c.throttle, audit: c.audit,
    actingRoles: c.actingRoles, personRoles: c.personRoles, recovery: c.recovery, sessionTtl: c.config.ttl.session, smsCodes: c.smsCodes, registration: c.registration,
    passkeys: { assertions: c.passkeyAssertions, audit: c.audit },
  })];
}

/** Each login's device: the session list's device, the known browsers, the new-device notice. */
function recordLoginDevice(c: Container): OnLogin {
  return async (ctx, login) => {
    try {
      await c.loginDevices.loggedIn({
        personId: login.accountId, sessionUid: login.sessionUid, deviceId: deviceIdOf(ctx), userAgent: ctx.get('user-agent') || undefined, ip: clientIp(ctx),
      });
    } catch (err) {
      // The login itself succeeded; a missing device record must not undo it.
      c.logger.warn({ err }, 'login device not recorded');
    }
  };
}

export function buildApp(c: Container): Koa {
  const trust = c.config.trustProxy;
  // X-Forwarded-Proto/Host are believed only with a trusted proxy; the client address is always
  // resolved by clientAddressMiddleware (right-most untrusted X-Forwarded-For entry).
  const app = new Koa({ proxy: !('hops' in trust && trust.hops === 0) });
  app.keys = c.config.cookieKeys;
  app.silent = true; // errors are logged by errorHandler, once

  app.use(clientAddressMiddleware(trust));
  app.use(requestLog(c.logger, trust));
  app.use(requestMetrics(c.metrics));
  // Before load shedding: an overloaded process is exactly when its metrics are wanted.
  app.use(metricsEndpoint(c.config.metrics, () => renderMetrics(c.metrics.registry)));
  // First: an overloaded process refuses before doing any work for the request.
  app.use(loadShedding(c.config.maxInFlight));
  app.use(securityHeaders(c.config.issuer.startsWith('https:')));
  app.use(errorHandler(c.logger));
  app.use(ourRoutes(ourRouters(c)));
  const provider = mountProvider(() => c.provider.current, recordLoginDevice(c));
  app.use((ctx, next) => withRequestScope(() => provider(ctx, next)));
  return app;
}
