/**
 * Password login, throttled through src/authn/throttle.ts. Every attempt is reserved before the
 * password is checked, on three counters: the address, the account, and the account from that
 * address. "The account" is the account id when the identifier finds one, otherwise the
 * identifier's canonical form (identity/login-identifier.ts, the same form the lookup uses), so
 * no spelling of a number gets fresh counters and unknown identifiers are throttled like known
 * ones. The two account counters lock when spent, escalating but never permanent; a success
 * forgets them. Unknown, inactive and known identifiers do the same work (one lookup, one argon2
 * verification with the same parameters) and get the same answer.
 */
import type { LoginLimits } from '../config.ts';
import { AppError } from '../errors.ts';
import { canonicalIdentifier, normaliseLoginIdentifier } from '../identity/login-identifier.ts';
import type { PersonService } from '../identity/persons.ts';
import type { PasswordHasher } from './password.ts';
import { throttled, type Limit, type Throttle } from './throttle.ts';

/** The production policy; config.ts (LOGIN_RATE_LIMIT_*, LOGIN_LOCKOUT_*) sets the same figures by default. */
export const LOGIN_LIMITS: LoginLimits = {
  perIp: { max: 60, windowSeconds: 300 },
  perIdentifier: { max: 10, windowSeconds: 900 },
  perIdentifierIp: { max: 5, windowSeconds: 900 },
  lockout: { baseSeconds: 60, maxSeconds: 3600 },
};

/** The limits behind each counter name (the names are part of the hashed keys). */
export function loginLimits(policy: LoginLimits): { ip: Limit; account: Limit; accountIp: Limit } {
  return {
    // Every attempt from an address counts, successful or not (a service hall's NAT included).
    ip: { name: 'login-ip', ...policy.perIp },
    account: { name: 'login-account', ...policy.perIdentifier, lockout: policy.lockout, resetOnSuccess: true },
    accountIp: { name: 'login-account-ip', ...policy.perIdentifierIp, lockout: policy.lockout, resetOnSuccess: true },
  };
}

export class PasswordLogin {
  readonly #limits: ReturnType<typeof loginLimits>;

  constructor(
    private readonly persons: PersonService,
    private readonly hasher: PasswordHasher,
    private readonly throttle: Throttle,
    private readonly onRehash: (personId: string, hash: string) => Promise<void>,
    policy: LoginLimits = LOGIN_LIMITS,
  ) {
    this.#limits = loginLimits(policy);
  }

  /** What the account counters of `identifier` are keyed on: the account id, else the identifier. */
  async subjectOf(identifier: string): Promise<string> {
    return (await this.#lookup(identifier)).subject;
  }

  /** The account an identifier finds (if any), and what its counters are keyed on. */
  async #lookup(identifier: string) {
    const id = normaliseLoginIdentifier(identifier);
    const found = await this.persons.findForLogin(id);
    return { found, subject: found ? `account:${found.person.id}` : canonicalIdentifier(id) };
  }

  /** Returns the person's id, or throws `login.invalid_credentials` / `login.rate_limited`. */
  async authenticate(identifier: string, password: string, ip: string): Promise<string> {
    const { found, subject } = await this.#lookup(identifier);
    const reservation = await this.throttle.reserve(this.keys(subject, ip));
    if (!reservation.ok) throw throttled('login.rate_limited', reservation);

    const person = found?.person;
    const hash = person && person.status === 'active' ? found.passwordHash : undefined;
    const ok = hash ? await this.hasher.verify(hash, password) : await this.hasher.verifyDummy(password);
    if (!ok || !person) {
      await reservation.fail();
      throw new AppError('login.invalid_credentials');
    }
    await reservation.release();
    if (hash && this.hasher.needsRehash(hash)) await this.onRehash(person.id, await this.hasher.hash(password));
    return person.id;
  }

  /** Forgets the account's login failures and lock, for everyone and from `ip` (after a password reset). */
  async forgetFailures(personId: string, ip: string): Promise<void> {
    await this.throttle.clear(this.keys(`account:${personId}`, ip).slice(1));
  }

  private keys(subject: string, ip: string) {
    const l = this.#limits;
    return [this.throttle.key(l.ip, ip), this.throttle.key(l.account, subject), this.throttle.key(l.accountIp, subject, ip)];
  }
}
