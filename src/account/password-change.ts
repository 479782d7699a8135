/**
 * Changing one's password from the account page. There is no "current password" field: the
 * person proves it by logging in again (max_age=0, prompt=login), and the change is accepted only
 * within a few minutes of that login, so a browser left open cannot have its password changed.
 * A changed password ends every other session and revokes every token of the account's grants
 * (whoever knew the old password may hold some); the browser making the change stays logged in.
 */
import type { Audit } from '../audit/audit.ts';
import { checkPasswordStrength, type PasswordHasher, type PasswordProblem } from '../authn/password.ts';
import { AppError } from '../errors.ts';
import type { PersonService } from '../identity/persons.ts';

/** How recent the login must be (seconds). */
export const REAUTH_WINDOW_SECONDS = 5 * 60;

export const isRecentLogin = (authTime: number, now = Date.now()) => now / 1000 - authTime <= REAUTH_WINDOW_SECONDS;

export type PasswordChangeResult = { ok: true } | { ok: false; field: 'password' | 'passwordConfirm'; problem: PasswordProblem | 'register.mismatch' };

/** Ends the account's sessions but the one holding `sid` (src/oidc/sessions-service.ts). */
export type EndOtherSessions = (accountId: string, sid: string, ip: string) => Promise<unknown>;

export class PasswordChange {
  constructor(
    private readonly persons: PersonService,
    private readonly hasher: PasswordHasher,
    private readonly audit: Audit,
    private readonly endOtherSessions: EndOtherSessions,
  ) {}

  async change(login: { accountId: string; sid: string; authTime: number }, input: { password: string; confirm: string }, ip: string): Promise<PasswordChangeResult> {
    const { accountId, authTime } = login;
    if (!isRecentLogin(authTime)) throw new AppError('account.reauth_required', 'log in again to change the password');
    const person = await this.persons.get(accountId);
    if (!person || person.status !== 'active') throw new AppError('account.inactive');
    const problem = checkPasswordStrength(input.password, [person.idNumber, person.phone]);
    if (problem) return { ok: false, field: 'password', problem };
    if (input.password !== input.confirm) return { ok: false, field: 'passwordConfirm', problem: 'register.mismatch' };
    await this.persons.setPassword(accountId, await this.hasher.hash(input.password));
    await this.audit.record({ actor: accountId, action: 'password.changed', target: accountId, detail: { ip, by: 'account_page' } });
    await this.endOtherSessions(accountId, login.sid, ip);
    return { ok: true };
  }
}
