/** The admin console in tests: founders and roles on the container, sign-in with password + TOTP. */
import type { RoleGrants } from '../../src/admin/role-grants.ts';
import type { AdminRole } from '../../src/admin/roles.ts';
import type { Container } from '../../src/container.ts';
import type { Page, UserAgent } from './browser.ts';
import { codeAt, factorForm } from './factors.ts';
import { person } from './identities.ts';

export type Person = ReturnType<typeof person> & { id: string };

export async function newPerson(c: Container): Promise<Person> {
  const p = person();
  await c.persons.register(p);
  return { ...p, id: (await c.persons.findByIdentifier(p.phone))!.id };
}

/** Grants `role` to `who` through a request by `requester` and an approval by `approver`. */
export async function grant(grants: RoleGrants, who: Person, role: AdminRole, requester: Person, approver: Person, platforms?: string[]) {
  const g = await grants.request({ personId: requester.id }, { personId: who.id, role, ...(platforms ? { platforms } : {}) });
  return grants.approve({ personId: approver.id }, g.id);
}

/**
 * Opens the console and signs in as far as the browser is asked: the password (unless the SSO
 * session has one), then the authenticator app's code `offset` steps from now. Returns the page.
 */
export async function consoleSignIn(ua: UserAgent, who: Person, secret: string | undefined, offset = 0, path = '/admin/console'): Promise<Page> {
  let page = await ua.page(path);
  if (page.html.includes('name="password"')) {
    const after = await ua.submit(page, '/login', { identifier: who.phone, password: who.password });
    if ('redirect' in after) throw new Error(`console sign-in left the provider: ${after.redirect}`);
    page = after;
  }
  if (secret && /\/interaction\/[^/]+\/mfa$/.test(page.url)) {
    const form = await factorForm(ua, page, 'totp');
    const after = await ua.submit(form, '/mfa/totp', { code: codeAt(secret, offset) });
    if ('redirect' in after) throw new Error(`console sign-in left the provider: ${after.redirect}`);
    page = after;
  }
  return page;
}
