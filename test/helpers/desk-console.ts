/**
 * The desk's page modules mounted the way the console shell mounts them (sameOrigin, form body,
 * CSRF, then the principal): the principal comes from `signedIn`, which the test sets. That is the
 * console's authentication seam, standing in for its sign-in (built elsewhere), not a mock of the
 * pages or of the services behind them.
 */
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import Koa from 'koa';
import type { Server } from 'node:http';
import { counterRoutes } from '../../src/admin/console/counter-pages.ts';
import { dashboardRoutes } from '../../src/admin/console/dashboard-pages.ts';
import type { AdminPrincipal, AdminRole } from '../../src/admin/roles.ts';
import type { Container } from '../../src/container.ts';
import { assetsRouter } from '../../src/http/assets.ts';
import { verifyCsrf } from '../../src/http/csrf.ts';
import { errorHandler } from '../../src/http/error-handler.ts';
import { sameOrigin } from '../../src/http/same-origin.ts';
import { freePort } from './env.ts';

export interface DeskConsole {
  url: string;
  /** Who the next requests are signed in as (undefined: nobody). */
  signedIn: AdminPrincipal | undefined;
  close(): Promise<void>;
}

export const principal = (personId: string, ...roles: AdminRole[]): AdminPrincipal => ({
  kind: 'person', id: personId, actor: `person:${personId}`, roles: new Set(roles), platforms: [],
});

export async function startDeskConsole(c: Container): Promise<DeskConsole> {
  // Its own origin plays the issuer's part for the same-origin check (a browser sends it).
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const app = new Koa();
  app.keys = c.config.cookieKeys;
  app.silent = true;
  const state: DeskConsole = { url: '', signedIn: undefined, close: async () => {} };
  const router = new Router({ prefix: '/admin/console' });
  router.use(async (ctx, next) => { ctx.set('Cache-Control', 'no-store'); await next(); });
  router.use(sameOrigin(origin), bodyParser({ enableTypes: ['form'], formLimit: '32kb' }), verifyCsrf);
  router.use(async (ctx, next) => {
    if (state.signedIn) (ctx.state as { admin?: AdminPrincipal }).admin = state.signedIn;
    await next();
  });
  counterRoutes(router, { desk: c.desk.counter });
  dashboardRoutes(router, { stats: c.desk.dashboard });
  app.use(errorHandler(c.logger));
  app.use(assetsRouter().routes());
  app.use(router.routes());
  const server: Server = await new Promise((resolve) => { const s = app.listen(port, '127.0.0.1', () => resolve(s)); });
  state.url = origin;
  state.close = () => new Promise((resolve) => server.close(() => resolve()));
  return state;
}
