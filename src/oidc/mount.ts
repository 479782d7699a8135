/**
 * The provider is a koa app: its middleware runs on the enclosing app's own request context, as
 * koa-mount mounts it, rather than through its callback, which would build a second context per
 * request. One composition per provider instance (the instance changes when keys rotate).
 *
 * The provider answers any failure of ours (the adapter's database calls) as a 500 server_error.
 * Its 'server_error' event carries the original error: when that says the database cannot answer
 * now, the response becomes 503 temporarily_unavailable with Retry-After, which clients retry.
 */
import type { Context, Middleware } from 'koa';
import compose from 'koa-compose';
import type Provider from 'oidc-provider';
import { respondUnavailable } from '../http/unavailable-response.ts';
import { isDatabaseUnavailable } from '../store/unavailable.ts';

const unavailable = new WeakSet<object>();

/** A login just completed in this request (the interaction's resume): who, and in which SSO session. */
export type OnLogin = (ctx: Context, login: { accountId: string; sessionUid: string }) => Promise<void>;

interface OidcState { result?: { login?: unknown }; session?: { accountId?: string; uid?: string; destroyed?: boolean } }

export function mountProvider(current: () => Provider, onLogin?: OnLogin): Middleware {
  const mounted = new WeakMap<Provider, Middleware>();
  return (ctx, next) => {
    const p = current();
    let m = mounted.get(p);
    if (!m) {
      mounted.set(p, (m = compose(p.middleware) as Middleware));
      p.on('server_error', (errCtx: object, err: unknown) => { if (isDatabaseUnavailable(err)) unavailable.add(errCtx); });
    }
    return m(ctx, next).then(async () => {
      if (unavailable.has(ctx)) return respondUnavailable(ctx, 'db.unavailable');
      // After the provider saved the session: its uid is known now, even for a brand-new browser.
      const oidc = (ctx as { oidc?: OidcState }).oidc;
      const session = oidc?.session;
      if (onLogin && oidc?.result?.login && session?.accountId && session.uid && !session.destroyed && ctx.status < 400) {
        await onLogin(ctx, { accountId: session.accountId, sessionUid: session.uid });
      }
    }).finally(() => {
      // The provider's route name (token, authorization, userinfo…) labels the request's metrics.
      const route = (ctx as { oidc?: { route?: string } }).oidc?.route;
      if (route && ctx.state.route === undefined) ctx.state.route = `oidc:${route}`;
    });
  };
}
