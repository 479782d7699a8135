/**
 * Password login with throttling. Failures are counted per identifier and per identifier + IP in
 * windows that expire, so an attacker can slow an account down but never lock its owner out for
 * good; the message never says whether the account exists.
 */
import { createHash } from 'node:crypto';
import type { LoginLimits } from '../config.ts';
import { AppError } from '../errors.ts';
import type { PersonService } from '../identity/persons.ts';
import type { RateLimitStore } from '../store/rate-limits.ts';
import type { PasswordHasher } from './password.ts';

/** The production policy; config.ts (LOGIN_RATE_LIMIT_*) sets the same figures by default. */
export const LOGIN_LIMITS: LoginLimits = {
  perIp: { max: 60, windowSeconds: 300 },
  perIdentifier: { max: 10, windowSeconds: 900 },
  perIdentifierIp: { max: 5, windowSeconds: 900 },
};

// Counter keys are hashed so the rate-limit table never holds an ID number either.
const keyFor = (...parts: string[]) => createHash('sha256').update(parts.join('\0')).digest('base64url');

export class PasswordLogin {
  constructor(
    private readonly persons: PersonService,
    private readonly hasher: PasswordHasher,
    private readonly limits: RateLimitStore,
    private readonly onRehash: (personId: string, hash: string) => Promise<void>,
    private readonly policy: LoginLimits = LOGIN_LIMITS,
  ) {}

  /** Returns the person's id, or throws `login.invalid_credentials` / `login.rate_limited`. */
  async authenticate(identifier: string, password: string, ip: string): Promise<string> {
    const id = identifier.trim().toUpperCase();
    const ipKey = keyFor('login-ip', ip);
    const idKey = keyFor('login-id', id);
    const idIpKey = keyFor('login-id-ip', id, ip);

    // One round trip: count this attempt against the address, read the account's failures.
    const { hits, peeked: [idFailures, idIpFailures] } = await this.limits.hitAndPeek(ipKey, this.policy.perIp.windowSeconds, [idKey, idIpKey]);
    if (hits > this.policy.perIp.max || idFailures >= this.policy.perIdentifier.max || idIpFailures >= this.policy.perIdentifierIp.max) {
      throw new AppError('login.rate_limited');
    }

    const found = await this.persons.findForLogin(id);
    const person = found?.person;
    const hash = person && person.status === 'active' ? found.passwordHash : undefined;
    const ok = hash ? await this.hasher.verify(hash, password) : await this.hasher.verifyDummy(password);
    if (!ok || !person) {
      await this.limits.hit(idKey, this.policy.perIdentifier.windowSeconds);
      await this.limits.hit(idIpKey, this.policy.perIdentifierIp.windowSeconds);
      throw new AppError('login.invalid_credentials');
    }
    // Only when there is something to forget: most logins have no failures behind them.
    if (idIpFailures > 0) await this.limits.reset(idIpKey);
    if (hash && this.hasher.needsRehash(hash)) await this.onRehash(person.id, await this.hasher.hash(password));
    return person.id;
  }
}
