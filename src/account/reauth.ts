/**
 * Re-authentication for the console's sensitive actions (password change, adding, removing or
 * replacing a second factor, regenerating recovery codes): a login in the last few minutes, and, when the
 * account has a second factor (an authenticator app or a passkey), one that used it. Otherwise a
 * stolen password would be enough to swap in the thief's own authenticator or to remove the
 * owner's passkey. "Log in again" asks for the second factor in that case (login-routes.ts).
 */
import { aalOf } from '../authn/strength.ts';
import type { AccountSession } from './account-cookies.ts';
import { isRecentLogin } from './password-change.ts';

/** Whether the person has a factor beyond password and SMS that a re-authentication must use. */
export type HasEnrolledFactor = (personId: string) => Promise<boolean>;

export interface Reauth {
  /** The console login is recent enough, and strong enough, for a sensitive action. */
  satisfied(session: Pick<AccountSession, 'sub' | 'authTime' | 'amr'>): Promise<boolean>;
  /**
   * Adding a factor: free while the account has none; once it has one, only after a
   * re-authentication that used it (else a password would be enough to add the thief's own).
   */
  mayAddFactor(session: Pick<AccountSession, 'sub' | 'authTime' | 'amr'>): Promise<boolean>;
  /** "Log in again" must ask for a second factor. */
  needsSecondFactor(personId: string): Promise<boolean>;
}

export function reauth(hasEnrolledFactor: HasEnrolledFactor): Reauth {
  return {
    async satisfied(session) {
      if (!isRecentLogin(session.authTime)) return false;
      return aalOf(session.amr) >= 2 || !(await hasEnrolledFactor(session.sub));
    },
    async mayAddFactor(session) {
      return !(await hasEnrolledFactor(session.sub)) || this.satisfied(session);
    },
    needsSecondFactor: hasEnrolledFactor,
  };
}
