/** The desk's page modules, bound to the container: what the console shell mounts (`pages`). */
import type Router from '@koa/router';
import type { Container } from '../../container.ts';
import { counterRoutes } from './counter-pages.ts';
import { dashboardRoutes } from './dashboard-pages.ts';

export function deskPages(c: Container): Array<(router: Router) => void> {
  return [
    (router) => counterRoutes(router, { desk: c.desk.counter }),
    (router) => dashboardRoutes(router, { stats: c.desk.dashboard }),
  ];
}
