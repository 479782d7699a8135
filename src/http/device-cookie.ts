/**
 * The device cookie: a long-lived random id naming this browser (not a person), signed with
 * COOKIE_KEYS, httpOnly, sent only to our own pages. Logins compare it with the account's known
 * devices (authn/login-devices.ts); clearing cookies makes the browser a new device again.
 */
import { randomBytes } from 'node:crypto';
import type { Context } from 'koa';

const COOKIE = 'yihao.device';
const TWO_YEARS_MS = 2 * 365 * 86_400_000;

/** This browser's device id, set on the response when it had none (or a forged one). */
export function deviceIdOf(ctx: Context): string {
  const current = ctx.cookies.get(COOKIE, { signed: true });
  if (current && /^[A-Za-z0-9_-]{43}$/.test(current)) return current;
  const id = randomBytes(32).toString('base64url');
  ctx.cookies.set(COOKIE, id, { signed: true, httpOnly: true, sameSite: 'lax', secure: ctx.secure, maxAge: TWO_YEARS_MS, overwrite: true });
  return id;
}
