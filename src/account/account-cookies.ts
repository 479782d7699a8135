/**
 * The account console's two cookies, both signed with COOKIE_KEYS, httpOnly, SameSite=Lax and
 * scoped to /account:
 * - the login cookie carries PKCE verifier, state and nonce of one login round trip (10 min);
 * - the account cookie carries who is logged in to the console, and expires after 15 minutes
 *   without a request (idle timeout), checked against the time of the last request it carries.
 * Neither holds personal data beyond the account id.
 */
import type { Context } from 'koa';
import { z } from 'zod';

const ACCOUNT_COOKIE = 'yihao.account';
const LOGIN_COOKIE = 'yihao.account.login';
const PATH = '/account';

export const IDLE_TIMEOUT_SECONDS = 15 * 60;
export const LOGIN_TTL_SECONDS = 10 * 60;

const accountSchema = z.object({
  sub: z.string().min(1),
  sid: z.string().min(1),
  authTime: z.number(),
  amr: z.array(z.string()).default([]),
  /** Kept for RP-initiated logout (id_token_hint); it names no one beyond `sub`. */
  idToken: z.string().min(1),
  /** Last request, ms since the epoch. */
  seen: z.number(),
});
export type AccountSession = z.infer<typeof accountSchema>;

const loginSchema = z.object({
  state: z.string().min(16),
  nonce: z.string().min(16),
  verifier: z.string().min(43),
  to: z.string().startsWith(PATH),
  exp: z.number(),
});
export type LoginState = z.infer<typeof loginSchema>;

const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

function decode<T>(schema: z.ZodType<T>, raw: string | undefined): T | undefined {
  if (!raw) return undefined;
  try {
    const parsed = schema.safeParse(JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

const options = (ctx: Context, maxAgeSeconds?: number) => ({
  signed: true,
  httpOnly: true,
  sameSite: 'lax' as const,
  secure: ctx.secure,
  path: PATH,
  overwrite: true,
  ...(maxAgeSeconds ? { maxAge: maxAgeSeconds * 1000 } : {}),
});

/** The console session, if there is one that has not been idle too long. */
export function readAccountSession(ctx: Context, now = Date.now()): AccountSession | undefined {
  const session = decode(accountSchema, ctx.cookies.get(ACCOUNT_COOKIE, { signed: true }));
  if (!session || now - session.seen > IDLE_TIMEOUT_SECONDS * 1000 || session.seen > now + 60_000) return undefined;
  return session;
}

/** A browser-session cookie (no max-age): closing the browser ends the console session too. */
export function writeAccountSession(ctx: Context, session: AccountSession): void {
  ctx.cookies.set(ACCOUNT_COOKIE, encode(session), options(ctx));
}

export function clearAccountSession(ctx: Context): void {
  ctx.cookies.set(ACCOUNT_COOKIE, null, options(ctx));
}

export function writeLoginState(ctx: Context, state: Omit<LoginState, 'exp'>): void {
  ctx.cookies.set(LOGIN_COOKIE, encode({ ...state, exp: Date.now() + LOGIN_TTL_SECONDS * 1000 }), options(ctx, LOGIN_TTL_SECONDS));
}

/** Reads the pending login and clears it: each round trip can be completed once. */
export function takeLoginState(ctx: Context): LoginState | undefined {
  const state = decode(loginSchema, ctx.cookies.get(LOGIN_COOKIE, { signed: true }));
  ctx.cookies.set(LOGIN_COOKIE, null, options(ctx));
  return state && state.exp > Date.now() ? state : undefined;
}
