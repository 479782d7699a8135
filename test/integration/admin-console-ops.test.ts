/**
 * The console's operations pages over real HTTP, signed in through Yihao with password + TOTP:
 * signing keys (rotate, retire: gone from /jwks), verification channels (health, disable: the
 * registry falls back), enterprises and authorisations (suspend: no one acts for them), resetting
 * a person's second factor, and a platform manager seeing only the platforms assigned. Each page:
 * the wrong role gets 403, a forged CSRF token 403, a destructive form without its box is refused,
 * and every change is audited with the administrator as actor, the reason, address and user agent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleLogin } from '../helpers/account.ts';
import { raiseTo } from '../helpers/assurance.ts';
import { UserAgent, type Page } from '../helpers/browser.ts';
import { consoleSignIn, grant, newPerson, type Person } from '../helpers/admin-console.ts';
import { awaitFreshStep, enrolTotp } from '../helpers/factors.ts';
import { person } from '../helpers/identities.ts';
import { registerPlatform } from '../helpers/platform.ts';
import { addPair, startVerificationWorld, type VerificationWorld } from '../helpers/verification.ts';
import { APP_A, APP_B } from '../verification/helpers.ts';

let w: VerificationWorld;
let sys: Person;
let sec: Person;
let sysUa: UserAgent;
let secUa: UserAgent;

/** Signs `who` in to the console with a freshly enrolled authenticator app. */
async function signedIn(who: Person): Promise<UserAgent> {
  await awaitFreshStep();
  const secret = await enrolTotp(new UserAgent(w.server.issuer), who.phone, who.password);
  const ua = new UserAgent(w.server.issuer);
  const home = await consoleSignIn(ua, who, secret);
  if (home.status !== 200) throw new Error(`console sign-in failed: ${home.status}`);
  return ua;
}

/** A form POST with the page's CSRF token (for actions the page offers no form for). */
function post(ua: UserAgent, page: Page, path: string, fields: Record<string, string>) {
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.html)![1]!;
  return ua.request(`/admin/console${path}`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ ...fields, _csrf: csrf }).toString(),
  });
}

/** A form POST with a forged CSRF token. */
const forged = (ua: UserAgent, path: string) => ua.request(`/admin/console${path}`, {
  method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'confirm=yes&reason=forged&_csrf=forged',
});

const events = (action: string | string[]) => w.c.db.knex('audit_events').whereIn('action', [action].flat()).orderBy('id');

beforeAll(async () => {
  w = await startVerificationWorld();
  [sys, sec] = [await newPerson(w.c), await newPerson(w.c)];
  await w.c.roleGrants.bootstrap({ systemAdmin: sys.id, securityAdmin: sec.id }, { via: 'test' });
  sysUa = await signedIn(sys);
  secUa = await signedIn(sec);
}, 90_000);
afterAll(() => w?.stop());

describe('signing keys (system administrator)', () => {
  const published = async () => {
    const discovery = await (await fetch(`${w.server.issuer}/.well-known/openid-configuration`)).json() as { jwks_uri: string };
    return ((await (await fetch(discovery.jwks_uri)).json()) as { keys: Array<{ kid: string }> }).keys.map((k) => k.kid);
  };

  it('lists, rotates and retires a key no longer current: it leaves /jwks at once; audited', async () => {
    const before = await sysUa.page('/admin/console/keys');
    const current = [...before.html.matchAll(/data-kid="([^"]+)" data-status="active"/g)].map((m) => m[1]!);
    expect(current).toHaveLength(2);
    expect(await published()).toEqual(expect.arrayContaining(current));

    const unconfirmed = await sysUa.submit(before, '/keys/rotate', { reason: 'yearly rotation' }) as Page;
    expect(unconfirmed.url).toContain('error=admin.confirm_required');
    expect(unconfirmed.html).toContain(`data-kid="${current[0]}" data-status="active"`);
    expect((await forged(sysUa, '/keys/rotate')).status).toBe(403);

    const rotated = await sysUa.submit(before, '/keys/rotate', { reason: 'yearly rotation', confirm: 'yes' }) as Page;
    expect(rotated.url).toContain('notice=admin.keys_rotated');
    for (const kid of current) expect(rotated.html).toContain(`data-kid="${kid}" data-status="retired"`);
    // Rotated keys stay published until retired; a sign-in right after verifies the new key's ID token.
    expect(await published()).toEqual(expect.arrayContaining(current));
    const someone = await newPerson(w.c);
    const theirs = new UserAgent(w.server.issuer);
    await consoleLogin(theirs, someone.phone, someone.password);
    expect((await theirs.request('/account')).status).toBe(200);

    // A current key cannot be retired (the page offers no form; a crafted one is refused).
    const fresh = [...rotated.html.matchAll(/data-kid="([^"]+)" data-status="active"/g)].map((m) => m[1]!);
    const refused = await post(sysUa, rotated, `/keys/${fresh[0]}/retire`, { reason: 'oops', confirm: 'yes' });
    expect(refused.headers.get('location')).toContain('error=admin.key_active');
    expect(await published()).toContain(fresh[0]);

    const old = current[0]!;
    const noBox = await sysUa.submit(rotated, `/keys/${old}/retire`, { reason: 'no token it signed is needed' }) as Page;
    expect(noBox.url).toContain('error=admin.confirm_required');
    expect(await published()).toContain(old);
    expect((await forged(sysUa, `/keys/${old}/retire`)).status).toBe(403);
    const retired = await sysUa.submit(rotated, `/keys/${old}/retire`, { reason: 'no token it signed is needed', confirm: 'yes' }) as Page;
    expect(retired.url).toContain('notice=admin.key_retired');
    expect(retired.html).not.toContain(`data-kid="${old}"`);
    expect(await published()).not.toContain(old);
    expect(await published()).toContain(current[1]);

    const audit = await events(['keys.rotated', 'keys.retired']);
    expect(audit.map((e) => [e.action, e.actor, e.target ?? null])).toEqual([
      ['keys.rotated', `person:${sys.id}`, null], ['keys.retired', `person:${sys.id}`, old],
    ]);
    expect(audit[1].detail).toMatchObject({ reason: 'no token it signed is needed', ip: expect.any(String), userAgent: expect.any(String) });
    expect(audit[0].detail).toMatchObject({ reason: 'yearly rotation', kids: fresh });
  });

  it('is refused to the security administrator', async () => {
    expect((await secUa.page('/admin/console/keys')).status).toBe(403);
    expect((await post(secUa, await secUa.page('/admin/console/accounts'), '/keys/rotate', { reason: 'x', confirm: 'yes' })).status).toBe(403);
    expect((await secUa.page('/admin/console')).html).not.toContain('href="/admin/console/keys"');
    expect((await sysUa.page('/admin/console')).html).toContain('href="/admin/console/keys"');
  });
});

describe('verification channels (system administrator)', () => {
  it('shows health without secrets; a disabled channel is not used (the registry falls back); audited', async () => {
    await addPair(w, 'population');
    const list = await sysUa.page('/admin/console/channels');
    expect(list.html).toContain('data-channel="population-a" data-enabled="true"');
    expect(list.html).toContain('data-channel="population-b" data-enabled="true"');
    expect(list.html).not.toContain(APP_A.secret);
    expect(list.html).not.toContain(APP_B.secret);
    expect(w.c.verification.registry.candidates('population').map((c) => c.id)).toEqual(['population-a', 'population-b']);

    const noBox = await sysUa.submit(list, '/channels/population-a/disable', { reason: 'authority maintenance' }) as Page;
    expect(noBox.url).toContain('error=admin.confirm_required');
    expect((await forged(sysUa, '/channels/population-a/disable')).status).toBe(403);
    expect(w.c.verification.registry.candidates('population').map((c) => c.id)).toEqual(['population-a', 'population-b']);

    const disabled = await sysUa.submit(list, '/channels/population-a/disable', { reason: 'authority maintenance', confirm: 'yes' }) as Page;
    expect(disabled.url).toContain('notice=admin.channel_disabled');
    expect(disabled.html).toContain('data-channel="population-a" data-enabled="false"');
    expect(w.c.verification.registry.candidates('population').map((c) => c.id)).toEqual(['population-b']);
    const out = await w.c.verification.registry.verify('population', { name: '张伟', idNumber: '150102198503140177' });
    expect(out).toMatchObject({ channelId: 'population-b' });

    const health = await sysUa.page('/admin/console/channels');
    expect(health.html).toMatch(/data-channel="population-b" data-enabled="true">[\s\S]*?<dd class="calls">1<\/dd>/);

    const enabled = await sysUa.submit(health, '/channels/population-a/enable', { reason: 'maintenance over' }) as Page;
    expect(enabled.url).toContain('notice=admin.channel_enabled');
    expect(w.c.verification.registry.candidates('population').map((c) => c.id)).toEqual(['population-a', 'population-b']);

    const audit = await w.c.db.knex('audit_events').whereIn('action', ['verification.channel_disabled', 'verification.channel_enabled']).where('actor', `person:${sys.id}`).orderBy('id');
    expect(audit.map((e) => [e.action, e.target, e.detail.reason])).toEqual([
      ['verification.channel_disabled', 'population-a', 'authority maintenance'], ['verification.channel_enabled', 'population-a', 'maintenance over'],
    ]);
    expect(audit[0].detail).toMatchObject({ ip: expect.any(String), userAgent: expect.any(String) });
  });

  it('is refused to the security administrator', async () => {
    expect((await secUa.page('/admin/console/channels')).status).toBe(403);
    expect((await post(secUa, await secUa.page('/admin/console/accounts'), '/channels/population-a/disable', { reason: 'x', confirm: 'yes' })).status).toBe(403);
  });
});

describe('enterprises and authorisations (security administrator)', () => {
  it('searches, shows masked, suspends and reinstates: no one acts for a suspended enterprise or authorisation; audited', async () => {
    const platform = await registerPlatform(w.c, w.server.issuer);
    const rep = person();
    const agent = { ...person(), name: '李经办' };
    const repId = (await w.c.persons.register(rep) as { personId: string }).personId;
    const agentId = (await w.c.persons.register(agent) as { personId: string }).personId;
    await raiseTo(w.c, repId, rep, 'L3');
    await raiseTo(w.c, agentId, agent, 'L2');
    const { enterprise, claimId } = await w.c.enterprises.claim(repId, { creditCode: '91350100M000100Y43', name: '福州示例科技有限公司' });
    await w.c.enterprises.verifyClaim(claimId, 'operator', 'counter-001');
    const delegationId = await w.c.delegations.grant(repId, enterprise.id, {
      agentName: agent.name, agentIdNumber: agent.idNumber, allPlatforms: true, platforms: [], expiresAt: new Date(Date.now() + 86_400_000),
    });
    await w.c.delegations.accept(agentId, delegationId);
    const roles = async (who: string) => (await w.c.actingRoles.rolesFor(who, platform.clientId)).map((r) => r.role);
    expect(await roles(agentId)).toEqual(['agent']);

    const byCode = await secUa.page('/admin/console/enterprises?credit_code=91350100m000100y43');
    expect(byCode.html).toContain(`data-enterprise="${enterprise.id}" data-suspended="false"`);
    const byName = await secUa.page(`/admin/console/enterprises?name=${encodeURIComponent('示例科技')}`);
    expect(byName.html).toContain(`href="/admin/console/enterprises/${enterprise.id}"`);
    expect((await secUa.page(`/admin/console/enterprises?name=${encodeURIComponent('不存在')}`)).html).toContain('id="not-found"');

    const view = await secUa.page(`/admin/console/enterprises/${enterprise.id}`);
    expect(view.html).toContain('张*');
    expect(view.html).not.toContain(rep.idNumber);
    expect(view.html).toContain(`${rep.idNumber.slice(0, 4)}**********${rep.idNumber.slice(-4)}`);
    expect(view.html).not.toContain('李经办');
    expect(view.html).toContain(`data-authorisation="${delegationId}" data-status="active"`);

    // The authorisation: confirmation needed; suspended, the agent stops acting; reinstated, acts again.
    const noBox = await secUa.submit(view, `/authorisations/${delegationId}/suspend`, { reason: 'complaint under review' }) as Page;
    expect(noBox.url).toContain('error=admin.confirm_required');
    expect((await forged(secUa, `/authorisations/${delegationId}/suspend`)).status).toBe(403);
    expect(await roles(agentId)).toEqual(['agent']);
    const suspended = await secUa.submit(view, `/authorisations/${delegationId}/suspend`, { reason: 'complaint under review', confirm: 'yes' }) as Page;
    expect(suspended.url).toContain('notice=admin.authorisation_suspended');
    expect(suspended.html).toContain(`data-authorisation="${delegationId}" data-status="suspended"`);
    expect(await roles(agentId)).toEqual([]);
    const back = await secUa.submit(suspended, `/authorisations/${delegationId}/reinstate`, { reason: 'complaint unfounded' }) as Page;
    expect(back.url).toContain('notice=admin.authorisation_reinstated');
    expect(await roles(agentId)).toEqual(['agent']);

    // The enterprise: suspended, neither the representative nor the agent acts for it.
    expect((await forged(secUa, `/enterprises/${enterprise.id}/suspend`)).status).toBe(403);
    const off = await secUa.submit(back, `/enterprises/${enterprise.id}/suspend`, { reason: 'registry reports deregistration', confirm: 'yes' }) as Page;
    expect(off.url).toContain('notice=admin.enterprise_suspended');
    expect(off.html).toContain(`data-enterprise="${enterprise.id}" data-suspended="true"`);
    expect(await roles(repId)).toEqual([]);
    expect(await roles(agentId)).toEqual([]);
    const on = await secUa.submit(off, `/enterprises/${enterprise.id}/reinstate`, { reason: 'deregistration withdrawn' }) as Page;
    expect(on.url).toContain('notice=admin.enterprise_reinstated');
    expect(await roles(repId)).toEqual(['legal_representative']);

    const audit = await w.c.db.knex('audit_events').whereIn('target', [enterprise.id, delegationId]).where('actor', `person:${sec.id}`).orderBy('id');
    expect(audit.map((e) => [e.action, e.detail.reason])).toEqual([
      ['delegation.suspended', 'complaint under review'], ['delegation.reinstated', 'complaint unfounded'],
      ['enterprise.suspended', 'registry reports deregistration'], ['enterprise.reinstated', 'deregistration withdrawn'],
    ]);
    expect(audit[0].detail).toMatchObject({ ip: expect.any(String), userAgent: expect.any(String), enterprise: enterprise.id });

    // The system administrator has no business here.
    expect((await sysUa.page('/admin/console/enterprises')).status).toBe(403);
    expect((await post(sysUa, await sysUa.page('/admin/console/keys'), `/enterprises/${enterprise.id}/suspend`, { reason: 'x', confirm: 'yes' })).status).toBe(403);
    expect(await roles(repId)).toEqual(['legal_representative']);
  });
});

describe('resetting a second factor (security administrator)', () => {
  it('removes the authenticator app with a reason (confirmed, audited): the person sets it up again', async () => {
    const citizen = await newPerson(w.c);
    await awaitFreshStep();
    const theirs = new UserAgent(w.server.issuer);
    await enrolTotp(theirs, citizen.phone, citizen.password);
    expect((await w.c.factors.totp.status(citizen.id)).enrolled).toBe(true);
    expect((await theirs.page('/account/security')).html).toContain('action="/account/security/totp/remove"');

    const view = await secUa.page(`/admin/console/accounts?q=${citizen.id}`);
    expect(view.html).toContain('data-totp="true"');
    const noBox = await secUa.submit(view, '/factors/totp/reset', { reason: 'lost phone, identity checked at the counter' }) as Page;
    expect(noBox.url).toContain('error=admin.confirm_required');
    expect((await forged(secUa, `/accounts/${citizen.id}/factors/totp/reset`)).status).toBe(403);
    expect((await post(sysUa, await sysUa.page('/admin/console/keys'), `/accounts/${citizen.id}/factors/totp/reset`, { reason: 'x', confirm: 'yes' })).status).toBe(403);
    expect((await w.c.factors.totp.status(citizen.id)).enrolled).toBe(true);

    const reset = await secUa.submit(view, '/factors/totp/reset', { reason: 'lost phone, identity checked at the counter', confirm: 'yes' }) as Page;
    expect(reset.url).toContain('notice=admin.factor_reset_notice');
    expect(reset.html).toContain('data-totp="false"');
    expect((await w.c.factors.totp.status(citizen.id)).enrolled).toBe(false);
    // The person's security page shows no app any more (only setting one up again).
    const security = await theirs.page('/account/security');
    expect(security.html).not.toContain('action="/account/security/totp/remove"');
    expect(security.html).toContain('action="/account/security/totp/start"');

    const [event] = await events('factor.reset');
    expect(event).toMatchObject({ actor: `person:${sec.id}`, target: citizen.id, detail: { factor: 'totp', removed: 1, reason: 'lost phone, identity checked at the counter', ip: expect.any(String), userAgent: expect.any(String) } });
  });
});

describe('platform managers', () => {
  it('see only the platforms assigned to them, and change none', async () => {
    const mine = await registerPlatform(w.c, w.server.issuer);
    const other = await registerPlatform(w.c, w.server.issuer);
    const manager = await newPerson(w.c);
    await grant(w.c.roleGrants, manager, 'platform_manager', sec, sys, [mine.clientId]);
    const ua = await signedIn(manager);

    const list = await ua.page('/admin/console/platforms');
    expect(list.status).toBe(200);
    expect(list.html).toContain(`data-client="${mine.clientId}"`);
    expect(list.html).not.toContain(other.clientId);
    expect(list.html).not.toContain('data-client="yihao-admin"');
    expect(list.html).not.toContain('id="register"');
    // The system administrator sees both.
    const all = await sysUa.page('/admin/console/platforms');
    expect(all.html).toContain(`data-client="${mine.clientId}"`);
    expect(all.html).toContain(`data-client="${other.clientId}"`);

    expect((await post(ua, list, `/platforms/${mine.clientId}/disable`, { reason: 'x', confirm: 'yes' })).status).toBe(403);
    expect((await ua.page('/admin/console/keys')).status).toBe(403);
    expect((await ua.page('/admin/console/enterprises')).status).toBe(403);
    expect(await w.c.clients.providerMetadata(mine.clientId)).toBeDefined();
  });
});
