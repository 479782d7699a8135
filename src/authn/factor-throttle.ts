/**
 * Every second-factor check (authenticator code, recovery code, at login or when confirming an
 * enrolment) goes through one pair of counters, per account and per account + address, shared
 * by all factors so that trying each factor in turn buys no extra guesses. The attempt is
 * reserved before the check (throttle.ts); a spent counter locks for a while, never for good.
 */
import type { FactorLimits } from '../config.ts';
import { throttled, type Limit, type Throttle } from './throttle.ts';

export function factorLimits(policy: FactorLimits): { account: Limit; accountIp: Limit } {
  return {
    account: { name: 'factor-account', ...policy.perAccount, lockout: policy.lockout, resetOnSuccess: true },
    accountIp: { name: 'factor-account-ip', ...policy.perAccountIp, lockout: policy.lockout, resetOnSuccess: true },
  };
}

export class FactorThrottle {
  readonly #limits: ReturnType<typeof factorLimits>;

  constructor(private readonly throttle: Throttle, policy: FactorLimits) {
    this.#limits = factorLimits(policy);
  }

  /** Runs `check` within the person's counters: its answer, or `factor.rate_limited` (429). */
  async check(personId: string, ip: string, check: () => Promise<boolean>): Promise<boolean> {
    const reservation = await this.throttle.reserve([
      this.throttle.key(this.#limits.account, personId), this.throttle.key(this.#limits.accountIp, personId, ip),
    ]);
    if (!reservation.ok) throw throttled('factor.rate_limited', reservation);
    let ok = false;
    try {
      ok = await check();
    } finally {
      await (ok ? reservation.release() : reservation.fail());
    }
    return ok;
  }
}
