/**
 * The throttle for every credential check (passwords, recovery codes, and the codes and second
 * factors to come). An attempt is counted BEFORE the check, atomically in the database, so that
 * however many requests arrive at once, at most `max` of them per key reach the check:
 *
 *   const r = await throttle.reserve([throttle.key(LIMIT_A, subject), throttle.key(LIMIT_B, ip)]);
 *   if (!r.ok) throw throttled('login.rate_limited', r);   // r.retryAfterSeconds
 *   if (await check()) await r.release(); else await r.fail();
 *
 * `reserve` counts the attempt on every key or on none, in one statement. `fail()` leaves the attempt counted and, for a limit with a `lockout`, locks a
 * key whose window is spent: base seconds, doubled at each further lock, capped, forgotten a day
 * after the last lock ends, never permanent. `release()` after a success keeps the attempt
 * counted, or, for a limit with `resetOnSuccess`, forgets the key's count and lock level.
 * `clear(keys)` forgets keys outright (a password reset clears the account's login lock).
 *
 * Counters live in `rate_limits` (src/store/rate-limits.ts), shared by every process. Keys are
 * keyed hashes of the limit's name and subject: the table never holds an ID number, a phone
 * number or an address.
 */
import { AppError, type ErrorCode } from '../errors.ts';
import type { RateLimitStore } from '../store/rate-limits.ts';

export interface Lockout {
  /** The first lock's length; each further lock doubles it. */
  baseSeconds: number;
  /** The longest lock. */
  maxSeconds: number;
}

export interface Limit {
  /** Names the counter family (part of the hashed key). */
  name: string;
  max: number;
  windowSeconds: number;
  lockout?: Lockout | undefined;
  /** A success forgets this key's failures and lock level (per-account counters do). */
  resetOnSuccess?: boolean | undefined;
}

export interface ThrottleKey { readonly limit: Limit; readonly key: string }

export interface Reservation {
  readonly ok: true;
  /** The check succeeded. */
  release(): Promise<void>;
  /** The check failed. */
  fail(): Promise<void>;
}
export interface Refusal { readonly ok: false; readonly retryAfterSeconds: number }

/** How long a lock level is remembered after its lock ends (then the next lock starts at base). */
export const LOCK_LEVEL_MEMORY_SECONDS = 86_400;

export class Throttle {
  constructor(
    private readonly store: RateLimitStore,
    /** Keyed hash (HMAC) of a key's text, so that the table reveals no subject. */
    private readonly hash: (text: string) => string,
  ) {}

  /** The counter of `limit` for `subject` (several parts are joined unambiguously). */
  key(limit: Limit, ...subject: string[]): ThrottleKey {
    return { limit, key: this.hash([limit.name, ...subject].join('\0')) };
  }

  async reserve(keys: ThrottleKey[]): Promise<Reservation | Refusal> {
    const wait = await this.store.reserve(keys.map((k) => ({ key: k.key, windowSeconds: k.limit.windowSeconds, max: k.limit.max })));
    return wait === 0 ? this.#reservation(keys) : { ok: false, retryAfterSeconds: wait };
  }

  async clear(keys: ThrottleKey[]): Promise<void> {
    if (keys.length) await this.store.clear(keys.map((k) => k.key));
  }

  #reservation(keys: ThrottleKey[]): Reservation {
    let settled = false;
    const once = () => {
      if (settled) throw new Error('throttle: a reservation is released or failed once');
      settled = true;
    };
    return {
      ok: true,
      release: async () => {
        once();
        await this.clear(keys.filter((k) => k.limit.resetOnSuccess));
      },
      fail: async () => {
        once();
        await Promise.all(keys.filter((k) => k.limit.lockout).map((k) => this.store.lockIfSpent(k.key, k.limit.max, {
          ...k.limit.lockout!, forgetSeconds: LOCK_LEVEL_MEMORY_SECONDS,
        })));
      },
    };
  }
}

/** The error for a refusal; the error handler and pages answer 429 with Retry-After. */
export const throttled = (code: ErrorCode, refusal: Refusal) =>
  new AppError(code, 'too many attempts; try again later', { retryAfterSeconds: refusal.retryAfterSeconds });
