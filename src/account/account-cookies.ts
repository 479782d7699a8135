/**
 * The account console's two cookies (http/console-cookies.ts), scoped to /account: the login
 * round trip's, and the console session's, which expires after 15 minutes without a request.
 */
import type { Context } from 'koa';
import { consoleCookies, type ConsoleSession, type LoginState } from '../http/console-cookies.ts';

export { LOGIN_TTL_SECONDS } from '../http/console-cookies.ts';
export type { LoginState } from '../http/console-cookies.ts';
export type AccountSession = ConsoleSession;

export const IDLE_TIMEOUT_SECONDS = 15 * 60;

const cookies = consoleCookies({ session: 'yihao.account', login: 'yihao.account.login', path: '/account', idleSeconds: IDLE_TIMEOUT_SECONDS });

/** The console session, if there is one that has not been idle too long. */
export const readAccountSession = (ctx: Context, now = Date.now()): AccountSession | undefined => cookies.readSession(ctx, now);
export const writeAccountSession = (ctx: Context, session: AccountSession): void => cookies.writeSession(ctx, session);
export const clearAccountSession = (ctx: Context): void => cookies.clearSession(ctx);
export const writeLoginState = (ctx: Context, state: Omit<LoginState, 'exp'>): void => cookies.writeLoginState(ctx, state);
export const takeLoginState = (ctx: Context): LoginState | undefined => cookies.takeLoginState(ctx);
