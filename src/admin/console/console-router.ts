/**
 * The admin console at /admin/console: server-rendered pages for administrators signed in through
 * Yihao with a second factor (admin-session.ts). Bodies are parsed here only; every form is checked
 * for its origin and CSRF token before any handler runs. Page modules are mounted after the
 * session check, so each of their routes sees ctx.state.admin (an AdminPrincipal, kind 'person',
 * actor `person:<id>`) and guards itself with requireRole(...).
 *
 * A page module is `(router) => void`, already bound to its own dependencies; its paths are
 * relative to /admin/console (e.g. `router.get('/desk', requireRole('counter_operator'), …)`).
 */
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { AppError, isAppError } from '../../errors.ts';
import { csrfToken, verifyCsrf } from '../../http/csrf.ts';
import { hasMessage } from '../../i18n/messages.ts';
import { sendPage } from '../../http/pages.ts';
import { clientIp } from '../../http/rate-limit.ts';
import { sameOrigin } from '../../http/same-origin.ts';
import { principalOf, type AdminPrincipal, type AdminRole } from '../roles.ts';
import { CONSOLE_PATH } from './admin-client.ts';
import { adminSessionRoutes, requireAdmin, type AdminSessionDeps } from './admin-session.ts';

export type ConsolePage = (router: Router) => void;

/** A menu entry of a page module: shown to holders of any of `roles`. */
export interface ConsoleNavEntry { href: string; key: string; roles: AdminRole[] }

export interface ConsoleRouterOptions extends AdminSessionDeps {
  /** Page modules, mounted after authentication, in this order. */
  pages: ConsolePage[];
  /** Menu entries of those pages beyond the built-in ones (roles, platforms, accounts, audit). */
  nav?: ConsoleNavEntry[];
}

/** The signed-in administrator (requireAdmin ran). */
export function adminOf(ctx: Context): AdminPrincipal {
  const admin = principalOf(ctx.state);
  if (!admin) throw new Error('requireAdmin must run first');
  return admin;
}

/** What every console action's audit event carries besides the actor: where it came from. */
export const consoleDetail = (ctx: Context) => ({ ip: clientIp(ctx), userAgent: ctx.get('user-agent').slice(0, 200) || undefined });

/** Renders an admin page with what every one needs: the principal (for the nav) and the CSRF token. */
export function sendAdminPage(ctx: Context, name: string, data: Record<string, unknown> = {}, status = 200): void {
  const extraNav = ((ctx.state as { adminNav?: ConsoleNavEntry[] }).adminNav ?? []).map((e) => [e.href, e.key, e.roles]);
  sendPage(ctx, `admin/${name}`, { ...data, admin: adminOf(ctx), csrf: csrfToken(ctx), extraNav }, status);
}

export function consoleRouter(opts: ConsoleRouterOptions): Router {
  const router = new Router({ prefix: CONSOLE_PATH });
  router.use(async (ctx, next) => {
    ctx.set('Cache-Control', 'no-store');
    (ctx.state as { adminNav?: ConsoleNavEntry[] }).adminNav = opts.nav ?? [];
    await next();
  });
  router.use(sameOrigin(opts.issuer), bodyParser({ enableTypes: ['form'], formLimit: '16kb' }), verifyCsrf);
  // Before the session check: the sign-in round trip itself.
  adminSessionRoutes(router, opts);
  router.use(requireAdmin(opts));
  router.get('/', (ctx) => sendAdminPage(ctx, 'home'));
  for (const page of opts.pages) page(router);
  return router;
}

/**
 * Runs a console form's action and answers 303 to `back` with a notice, or with the error's code
 * when the domain refused (AppError): the page then shows it (post/redirect/get).
 */
export async function act(ctx: Context, back: string, action: () => Promise<string>): Promise<void> {
  let query: string;
  try {
    query = `notice=${encodeURIComponent(await action())}`;
  } catch (e) {
    if (!isAppError(e)) throw e;
    query = `error=${encodeURIComponent(e.code)}`;
  }
  ctx.status = 303;
  ctx.redirect(`${CONSOLE_PATH}${back}${back.includes('?') ? '&' : '?'}${query}`);
}

/** The notice or error a redirect asked the page to show (known message keys only). */
export function flash(ctx: Context): { notice?: string; error?: string } {
  const pick = (v: unknown) => (typeof v === 'string' && hasMessage(v) ? v : undefined);
  return { notice: pick(ctx.query.notice), error: pick(ctx.query.error) };
}

/**
 * A form's fields through its zod schema (trimmed text; empty fields count as absent). A
 * destructive form's `confirm` checkbox (no script needed) missing: admin.confirm_required.
 */
export function parseForm<T extends z.ZodType>(ctx: Context, schema: T): z.infer<T> {
  const body = (ctx.request as { body?: Record<string, unknown> }).body ?? {};
  const fields = Object.fromEntries(Object.entries(body).filter(([k]) => k !== '_csrf')
    .map(([k, v]) => [k, typeof v === 'string' ? v.trim() || undefined : v]));
  const parsed = schema.safeParse(fields);
  if (parsed.success) return parsed.data;
  if (parsed.error.issues.some((i) => i.path[0] === 'confirm')) throw new AppError('admin.confirm_required', 'confirm the action first');
  throw new AppError('admin.invalid_form', parsed.error.issues.map((i) => i.path.join('.')).join(', '));
}

/** The `confirm` checkbox of a destructive form. */
export const CONFIRM = z.literal('yes');
