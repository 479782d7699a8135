/**
 * The account console at /account (the citizen's own account page): a first-party OIDC client of
 * Yihao itself. Bodies are parsed here only (never in front of the provider); every form is
 * checked for its origin and CSRF token before any handler runs.
 */
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import { verifyCsrf } from '../http/csrf.ts';
import { sameOrigin } from '../http/same-origin.ts';
import { consoleRoutes, type ConsoleDeps } from './console-routes.ts';
import { loginRoutes, requireAccount } from './login-routes.ts';
import { securityRoutes } from './security-routes.ts';
import { passkeyRoutes } from './passkey-routes.ts';
import { rightsRoutes } from './rights-routes.ts';
import { familyRoutes } from './family-routes.ts';

export type { ConsoleDeps as AccountDeps } from './console-routes.ts';

export function accountRouter(deps: ConsoleDeps): Router {
  const router = new Router();
  router.use(async (ctx, next) => {
    ctx.set('Cache-Control', 'no-store');
    await next();
  });
  router.use(sameOrigin(deps.issuer), bodyParser({ enableTypes: ['form'], formLimit: '16kb' }), verifyCsrf);
  loginRoutes(router, deps);
  consoleRoutes(router, deps);
  if (deps.security) securityRoutes(router, deps.security, requireAccount(deps));
  if (deps.rights) rightsRoutes(router, deps.rights, requireAccount(deps));
  if (deps.family) familyRoutes(router, deps.family, requireAccount(deps));
  if (deps.passkeys) passkeyRoutes(router, { passkeys: deps.passkeys, throttle: deps.throttle, reauth: deps.reauth }, requireAccount(deps));
  return router;
}
