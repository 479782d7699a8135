/**
 * Rate limits on paid authority checks, so that nobody can flood an authority (or our bill):
 * per person, per client address and per ID number checked, in fixed windows counted in the
 * database (every process agrees). Every attempt counts, matched or not.
 */
import { createHash } from 'node:crypto';
import { AppError } from '../errors.ts';

export interface Limit { max: number; windowSeconds: number }
export interface PaidCheckLimits { perPerson: Limit; perIp: Limit; perIdNumber: Limit }

/**
 * A person needs two or three checks to reach the top online level; ten a day leaves room for
 * typing a card number wrong. A service hall behind one NAT address serves many people, hence
 * the higher per-address figure. The ID-number limit also covers checks of people who are not
 * account holders (a legal representative named by an enterprise).
 */
export const DEFAULT_PAID_CHECK_LIMITS: PaidCheckLimits = {
  perPerson: { max: 10, windowSeconds: 86_400 },
  perIp: { max: 50, windowSeconds: 3_600 },
  perIdNumber: { max: 10, windowSeconds: 86_400 },
};

export interface HitCounter { hit(key: string, windowSeconds: number): Promise<number> }

export interface PaidCheckSubject {
  personId?: string | undefined;
  ip?: string | undefined;
  /** A keyed hash of the ID number, never the number: the counter table must not hold it. */
  idNumberIndex?: string | undefined;
}

const key = (...parts: string[]) => createHash('sha256').update(parts.join('\0')).digest('base64url');

export class PaidCheckLimiter {
  constructor(private readonly counter: HitCounter, private readonly limits: PaidCheckLimits = DEFAULT_PAID_CHECK_LIMITS) {}

  /** Counts one attempt; throws `verification.rate_limited` when any limit is exceeded. */
  async admit(subject: PaidCheckSubject): Promise<void> {
    const checks: Array<[string | undefined, string, Limit]> = [
      [subject.personId, 'vfy-person', this.limits.perPerson],
      [subject.ip, 'vfy-ip', this.limits.perIp],
      [subject.idNumberIndex, 'vfy-idn', this.limits.perIdNumber],
    ];
    let exceeded: Limit | undefined;
    for (const [value, name, limit] of checks) {
      if (!value) continue;
      if ((await this.counter.hit(key(name, value), limit.windowSeconds)) > limit.max) exceeded ??= limit;
    }
    if (exceeded) {
      throw new AppError('verification.rate_limited', 'too many verification attempts; try again later', { retryAfterSeconds: exceeded.windowSeconds });
    }
  }
}
