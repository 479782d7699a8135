/**
 * The admin console over real HTTP: signing in through Yihao's own OIDC flow with a second factor,
 * the 403 page for a person without roles, a login without a second factor kept out, roles
 * re-read on every request (a revoked role stops at once), CSRF on forms, the role pages'
 * guards, the masked account view, lock with confirmation, and the auditor's export.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserAgent, type Page } from '../helpers/browser.ts';
import { consoleLogin } from '../helpers/account.ts';
import { consoleSignIn, grant, newPerson, type Person } from '../helpers/admin-console.ts';
import { awaitFreshStep, enrolTotp } from '../helpers/factors.ts';
import { offlineLogin, registerPlatform } from '../helpers/platform.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import * as oidc from 'openid-client';

let server: TestServer;
let sys: Person;
let sec: Person;
let auditor: Person;
let citizen: Person;
let secSecret: string;

beforeAll(async () => {
  server = await startTestServer();
  const c = server.container;
  [sys, sec, auditor, citizen] = [await newPerson(c), await newPerson(c), await newPerson(c), await newPerson(c)];
  await c.roleGrants.bootstrap({ systemAdmin: sys.id, securityAdmin: sec.id }, { via: 'test' });
  await grant(c.roleGrants, auditor, 'auditor', sec, sys);
  await awaitFreshStep();
  secSecret = await enrolTotp(new UserAgent(server.issuer), sec.phone, sec.password);
}, 60_000);
afterAll(() => server?.stop());

describe('signing in to the console', () => {
  it('without a session, sends the browser to the authorization endpoint as the yihao-admin client', async () => {
    const res = await new UserAgent(server.issuer).request('/admin/console/accounts');
    expect(res.status).toBe(302);
    const to = new URL(res.headers.get('location')!);
    expect(to.pathname).toBe('/auth');
    expect(to.searchParams.get('client_id')).toBe('yihao-admin');
    expect(to.searchParams.get('code_challenge_method')).toBe('S256');
    const client = await server.container.clients.show('yihao-admin');
    expect(client.metadata.minimum_aal).toBe(2);
  });

  it('a login without a second factor cannot reach the console', async () => {
    // The password alone ends at the provider's second-factor prompt (minimum_aal 2 of the client).
    const ua = new UserAgent(server.issuer);
    const chooser = await consoleSignIn(ua, auditor, undefined);
    expect(chooser.url).toMatch(/\/interaction\/[^/]+\/mfa$/);
    const meanwhile = await ua.request('/admin/console/audit');
    expect(meanwhile.status).toBe(302);
    expect(meanwhile.headers.get('location')).toContain('/auth?');
    // Declining the second factor: the console gets an error, never a session.
    const refused = await ua.submit(chooser, '/mfa/cancel') as Page;
    expect(refused.url).toContain('/admin/console/callback');
    expect(refused.status).toBe(400);
    const again = await ua.request('/admin/console/audit');
    expect(again.status).toBe(302);
    expect(again.headers.get('location')).toContain('/auth?');
  });

  it('a person without a role gets the 403 page', async () => {
    await awaitFreshStep();
    const secret = await enrolTotp(new UserAgent(server.issuer), citizen.phone, citizen.password);
    const ua = new UserAgent(server.issuer);
    const page = await consoleSignIn(ua, citizen, secret);
    expect(page.url).toBe(`${server.issuer}/admin/console`);
    expect(page.status).toBe(403);
    expect(page.html).toContain('id="forbidden"');
  });

  it('a signed-in security administrator sees the pages of the role; a revoked role stops at once', async () => {
    const ua = new UserAgent(server.issuer);
    const home = await consoleSignIn(ua, sec, secSecret);
    expect(home.status).toBe(200);
    expect(home.html).toContain('data-role="security_admin"');
    expect(home.html).toContain('href="/admin/console/accounts"');
    expect(home.html).not.toContain('href="/admin/console/audit"');
    expect((await ua.page('/admin/console/audit')).status).toBe(403);

    // Account search is exact and masked; locking needs the confirmation box; CSRF is required.
    const target = await newPerson(server.container);
    const found = await ua.page(`/admin/console/accounts?q=${target.idNumber}`);
    expect(found.html).toContain(target.id);
    expect(found.html).not.toContain(target.idNumber);
    expect(found.html).not.toContain(target.phone);
    const unconfirmed = await ua.submit(found, '/lock', { reason: 'fraud report' }) as Page;
    expect(unconfirmed.html).toContain('id="error"');
    expect((await server.container.persons.get(target.id))!.status).toBe('active');
    const forged = await ua.request(`/admin/console/accounts/${target.id}/lock`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'confirm=yes&reason=x&_csrf=forged',
    });
    expect(forged.status).toBe(403);
    const locked = await ua.submit(found, '/lock', { reason: 'fraud report', confirm: 'yes' }) as Page;
    expect(locked.html).toContain('id="notice"');
    expect((await server.container.persons.get(target.id))!.status).toBe('disabled');

    const unlocked = await ua.submit(locked, '/unlock', { reason: 'report withdrawn' }) as Page;
    expect(unlocked.html).toContain('id="notice"');
    expect((await server.container.persons.get(target.id))!.status).toBe('active');

    // Ending an account's sessions: its account console session ends; the account still logs in.
    const theirs = new UserAgent(server.issuer);
    await consoleLogin(theirs, target.phone, target.password);
    expect((await theirs.request('/account')).status).toBe(200);
    const view = await ua.page(`/admin/console/accounts?q=${target.phone}`);
    const ended = await ua.submit(view, '/end-sessions', { reason: 'lost phone', confirm: 'yes' }) as Page;
    expect(ended.html).toContain('id="notice"');
    expect((await theirs.request('/account')).status).toBe(302);
    const [event] = await collect(server.container.auditTrail.query({ action: 'admin.sessions_ended', target: target.id }));
    expect(event).toMatchObject({ actor: `person:${sec.id}`, detail: { reason: 'lost phone', sessions: 1 } });

    // A second security administrator requests the revocation; the system administrator approves it.
    const sec2 = await newPerson(server.container);
    await grant(server.container.roleGrants, sec2, 'security_admin', sys, sec);
    const [g] = await server.container.roleGrants.list({ personId: sec.id, status: 'active' });
    await server.container.roleGrants.revoke({ personId: sec2.id }, g!.id);
    expect((await ua.page('/admin/console/accounts')).status).toBe(200);
    await server.container.roleGrants.approve({ personId: sys.id }, g!.id);
    const after = await ua.page('/admin/console/accounts');
    expect(after.status).toBe(403);
    expect(after.html).toContain('id="forbidden"');
  });

  it('the system administrator disables a platform (confirmed): logins and tokens stop; enabling restores logins', async () => {
    const platform = await registerPlatform(server.container, server.issuer);
    const tokens = await offlineLogin(platform, new UserAgent(server.issuer), citizen.phone, citizen.password);
    await awaitFreshStep();
    const secret = await enrolTotp(new UserAgent(server.issuer), sys.phone, sys.password);
    const ua = new UserAgent(server.issuer);
    await consoleSignIn(ua, sys, secret);
    const list = await ua.page('/admin/console/platforms');
    expect(list.html).toContain(`data-client="${platform.clientId}" data-disabled="false"`);
    // Yihao's own consoles offer no disable form.
    expect(list.html).not.toContain('/platforms/yihao-admin/disable');

    const unconfirmed = await ua.submit(list, `/platforms/${platform.clientId}/disable`, { reason: 'retired' }) as Page;
    expect(unconfirmed.url).toContain('error=admin.confirm_required');
    expect(await server.container.clients.providerMetadata(platform.clientId)).toBeDefined();
    const disabled = await ua.submit(list, `/platforms/${platform.clientId}/disable`, { reason: 'retired', confirm: 'yes' }) as Page;
    expect(disabled.url).toContain('notice=admin.platform_disabled');
    expect(disabled.html).toContain(`data-client="${platform.clientId}" data-disabled="true"`);

    // Unknown to the provider now: no login page, and the refresh token issued before is gone.
    const auth = await new UserAgent(server.issuer).request((await platform.authorize()).url);
    expect(auth.status).toBe(400);
    await expect(oidc.refreshTokenGrant(platform.config, tokens.refresh_token!)).rejects.toThrow();
    const [event] = (await collect(server.container.auditTrail.query({ action: 'client.disabled', target: platform.clientId })));
    expect(event).toMatchObject({ actor: `person:${sys.id}`, detail: { reason: 'retired' } });

    const enabled = await ua.submit(disabled, `/platforms/${platform.clientId}/enable`, { reason: 'back in service' }) as Page;
    expect(enabled.url).toContain('notice=admin.platform_enabled');
    const again = await new UserAgent(server.issuer).page((await platform.authorize()).url);
    expect(again.html).toContain('name="password"');
  });
});

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const i of items) out.push(i);
  return out;
}
