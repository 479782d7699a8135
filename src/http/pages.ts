/**
 * Server-rendered pages: Eta templates in views/, auto-escaped, in the visitor's language, with a
 * strict Content-Security-Policy (no inline script, no external font or script anywhere).
 */
import { Eta } from 'eta';
import type { Context } from 'koa';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pickLocale, translator, type Locale } from '../i18n/messages.ts';

const VIEWS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../views');
const eta = new Eta({ views: VIEWS, autoEscape: true, cache: true, useWith: false });

export const PAGE_CSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self' http: https:; frame-ancestors 'none'; base-uri 'none'";

/**
 * For the few pages that run a passkey ceremony (WebAuthn has no form-only form): our own script
 * files, and fetch to our own origin for the ceremony's options. Still no inline script.
 */
export const SCRIPT_PAGE_CSP = `${PAGE_CSP}; script-src 'self'; connect-src 'self'`;

export interface PageOptions {
  /** The page loads our own scripts (/assets/…): sent with SCRIPT_PAGE_CSP. */
  script?: boolean;
}

/** The locale a request asks for: ?lang=, then the lang cookie, then Accept-Language. */
export function localeOf(ctx: Pick<Context, 'query' | 'get' | 'cookies'>): Locale {
  const q = typeof ctx.query?.lang === 'string' ? ctx.query.lang : undefined;
  return pickLocale(q ?? ctx.cookies.get('lang') ?? undefined, ctx.get('accept-language'));
}

export function renderPage(template: string, locale: Locale, data: Record<string, unknown> = {}): string {
  const t = translator(locale);
  return eta.render(template, { ...data, t, locale, otherLocale: locale === 'en' ? 'zh-CN' : 'en' });
}

/** Renders into the response with page headers. Works on our routers' and the provider's ctx. */
export function sendPage(ctx: Context, template: string, data: Record<string, unknown> = {}, status = 200, opts: PageOptions = {}): void {
  const locale = localeOf(ctx);
  if (typeof ctx.query?.lang === 'string' && locale === ctx.query.lang) {
    ctx.cookies.set('lang', locale, { httpOnly: true, sameSite: 'lax', signed: false, maxAge: 365 * 86400_000, overwrite: true });
  }
  ctx.status = status;
  ctx.type = 'html';
  ctx.set('Content-Security-Policy', opts.script ? SCRIPT_PAGE_CSP : PAGE_CSP);
  ctx.set('Cache-Control', 'no-store');
  // A banner a router put in the request state (the account console's "sign-in ends at").
  const signInEnds = (ctx.state as { signInEnds?: unknown } | undefined)?.signInEnds;
  ctx.body = renderPage(template, locale, { ...data, path: ctx.path, scripts: opts.script === true, ...(signInEnds ? { signInEnds } : {}) });
}
