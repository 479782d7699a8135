/**
 * CSRF protection for every form: a random token in a signed, SameSite cookie that each form
 * echoes in a hidden `_csrf` field (double submit). Checked on every unsafe method.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context, Middleware } from 'koa';
import { AppError } from '../errors.ts';

const COOKIE = 'yihao.csrf';

export function csrfToken(ctx: Context): string {
  let token = ctx.cookies.get(COOKIE, { signed: true });
  if (!token) {
    token = randomBytes(24).toString('base64url');
    ctx.cookies.set(COOKIE, token, { signed: true, httpOnly: true, sameSite: 'lax', secure: ctx.secure, overwrite: true });
  }
  return token;
}

export const verifyCsrf: Middleware = async (ctx, next) => {
  if (!['GET', 'HEAD', 'OPTIONS'].includes(ctx.method)) {
    const expected = ctx.cookies.get(COOKIE, { signed: true });
    const body = (ctx.request as { body?: Record<string, unknown> }).body;
    const given = typeof body?._csrf === 'string' ? body._csrf : ctx.get('x-csrf-token');
    if (!expected || !given || expected.length !== given.length || !timingSafeEqual(Buffer.from(expected), Buffer.from(given))) {
      throw new AppError('csrf.invalid', 'missing or invalid CSRF token');
    }
  }
  await next();
};
