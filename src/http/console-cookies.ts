/**
 * The cookies of a first-party console (the account console, the admin console), signed with
 * COOKIE_KEYS, httpOnly, SameSite=Lax and scoped to the console's path:
 * - the login cookie carries PKCE verifier, state and nonce of one login round trip (10 min);
 * - the session cookie carries who is logged in to the console, and expires after `idleSeconds`
 *   without a request (idle timeout), checked against the time of the last request it carries.
 * Neither holds personal data beyond the account id.
 */
import type { Context } from 'koa';
import { z } from 'zod';

export const LOGIN_TTL_SECONDS = 10 * 60;

const sessionSchema = z.object({
  sub: z.string().min(1),
  sid: z.string().min(1),
  authTime: z.number(),
  amr: z.array(z.string()).default([]),
  /** Kept for RP-initiated logout (id_token_hint); it names no one beyond `sub`. */
  idToken: z.string().min(1),
  /** Last request, ms since the epoch. */
  seen: z.number(),
});
export type ConsoleSession = z.infer<typeof sessionSchema>;

const loginSchema = z.object({
  state: z.string().min(16),
  nonce: z.string().min(16),
  verifier: z.string().min(43),
  to: z.string(),
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

export interface ConsoleCookies {
  readSession(ctx: Context, now?: number): ConsoleSession | undefined;
  writeSession(ctx: Context, session: ConsoleSession): void;
  clearSession(ctx: Context): void;
  writeLoginState(ctx: Context, state: Omit<LoginState, 'exp'>): void;
  takeLoginState(ctx: Context): LoginState | undefined;
}

export function consoleCookies(opts: { session: string; login: string; path: string; idleSeconds: number }): ConsoleCookies {
  const options = (ctx: Context, maxAgeSeconds?: number) => ({
    signed: true,
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: ctx.secure,
    path: opts.path,
    overwrite: true,
    ...(maxAgeSeconds ? { maxAge: maxAgeSeconds * 1000 } : {}),
  });
  return {
    readSession(ctx, now = Date.now()) {
      const session = decode(sessionSchema, ctx.cookies.get(opts.session, { signed: true }));
      if (!session || now - session.seen > opts.idleSeconds * 1000 || session.seen > now + 60_000) return undefined;
      return session;
    },
    // A browser-session cookie (no max-age): closing the browser ends the console session too.
    writeSession(ctx, session) {
      ctx.cookies.set(opts.session, encode(session), options(ctx));
    },
    clearSession(ctx) {
      ctx.cookies.set(opts.session, null, options(ctx));
    },
    writeLoginState(ctx, state) {
      ctx.cookies.set(opts.login, encode({ ...state, exp: Date.now() + LOGIN_TTL_SECONDS * 1000 }), options(ctx, LOGIN_TTL_SECONDS));
    },
    // Reads the pending login and clears it: each round trip can be completed once.
    takeLoginState(ctx) {
      const state = decode(loginSchema, ctx.cookies.get(opts.login, { signed: true }));
      ctx.cookies.set(opts.login, null, options(ctx));
      return state && state.exp > Date.now() && state.to.startsWith(opts.path) ? state : undefined;
    },
  };
}
