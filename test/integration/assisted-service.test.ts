/**
 * Assisted service (代办) end to end: an elderly person authorises a relative for a named platform
 * on the account page and confirms with the code texted to their own phone (sandbox outbox); the
 * relative logs in as themselves, chooses "acting for" at that platform, and the platform's
 * openid-client receives represented_person. Expired and revoked grants stop at once; a platform
 * not named never offers it; codes are single use, bound to the grant and throttled.
 */
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleLogin } from '../helpers/account.ts';
import { authorizeAs, birthYearsAgo, choose, optionFor } from '../helpers/acting-for.ts';
import { raiseTo } from '../helpers/assurance.ts';
import { UserAgent, type Page } from '../helpers/browser.ts';
import { idNumber, person } from '../helpers/identities.ts';
import { registerPlatform, type Platform } from '../helpers/platform.ts';
import { textedCode } from '../helpers/registration.ts';
import { addChannel, startVerificationWorld, type VerificationWorld } from '../helpers/verification.ts';

let w: VerificationWorld;
let pension: Platform; // named in the grants
let tax: Platform; // never named
const relative = { ...person(), name: '刘孝顺' };
const stranger = { ...person(), name: '钱路人' };
const ids: Record<string, string> = {};

const notice = (p: Page) => /<p class="notice" role="status">([^<]*)<\/p>/.exec(p.html)?.[1] ?? '';
const error = (p: Page) => /<p class="error" role="alert"[^>]*>([^<]*)<\/p>/.exec(p.html)?.[1] ?? '';
const inDays = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);

async function seed(p: ReturnType<typeof person>) {
  const r = await w.c.persons.register(p);
  if (!r.ok || !r.personId) throw new Error('seed failed');
  return r.personId;
}

/** An elderly grantor with their own phone (the SMS send throttle allows one code a minute per number). */
async function elder(name: string) {
  const p = { ...person(), idNumber: person().idNumber, name };
  return { ...p, personId: await seed(p) };
}

/** On the grantor's family page: fills the authorisation form; returns the code page and the grant id. */
async function requestGrant(ua: UserAgent, platforms: string[], days = 30) {
  const family = await ua.page('/account/family');
  const page = (await ua.submit(family, '/account/family/proxies/add', {
    proxyName: relative.name, proxyIdNumber: relative.idNumber, relationship: 'child', platforms: platforms[0]!, expiresOn: inDays(days),
  })) as Page;
  const grantId = /action="\/account\/family\/proxies\/([0-9a-f-]{36})\/confirm"/.exec(page.html)?.[1];
  if (!grantId) throw new Error(`no code form: ${page.status} ${error(page)} ${page.html.slice(0, 300)}`);
  return { page, grantId };
}

beforeAll(async () => {
  w = await startVerificationWorld();
  await addChannel(w, 'sms', 'sms-a');
  pension = await registerPlatform(w.c, w.server.issuer, { client_name: '养老金领取平台' });
  tax = await registerPlatform(w.c, w.server.issuer, { client_name: '个税平台' });
  ids.relative = await seed(relative);
  ids.stranger = await seed(stranger);
  await raiseTo(w.c, ids.relative, relative, 'L2');
});
afterAll(() => w?.stop());

describe('assisted service (代办)', () => {
  it('grants with the grantor\'s code; the relative acts at the named platform only; the grantor revokes it', async () => {
    const grandma = await elder('刘奶奶');
    const ua = new UserAgent(w.server.issuer);
    await consoleLogin(ua, grandma.idNumber, grandma.password);
    const { page, grantId } = await requestGrant(ua, [pension.clientId]);
    expect(page.html).toContain(`${grandma.phone.slice(0, 3)}****${grandma.phone.slice(-4)}`);
    expect(page.html).not.toContain(relative.idNumber);
    // Not in force before the code.
    expect(await w.c.personRoles.rolesFor(ids.relative!, { clientId: pension.clientId, minorOwnConsent: false })).toEqual([]);

    const code = await textedCode(w.admin, grandma.phone);
    const wrong = (await ua.submit(page, `/proxies/${grantId}/confirm`, { code: code === '000000' ? '111111' : '000000' })) as Page;
    expect(wrong.status).toBe(401);
    expect(error(wrong)).toContain('验证码错误');
    const confirmed = (await ua.submit(wrong, `/proxies/${grantId}/confirm`, { code })) as Page;
    expect(notice(confirmed)).toBe('代办授权已生效');
    expect(confirmed.html).toContain(relative.name);
    expect(confirmed.html).toContain('养老金领取平台');
    // The same code again: refused, the grant is confirmed once.
    const reused = (await ua.submit(page, `/proxies/${grantId}/confirm`, { code })) as Page;
    expect(reused.status).toBe(409);
    expect(await w.c.db.knex('audit_events').where({ action: 'proxy.confirmed', target: grantId })).toHaveLength(1);

    // The relative logs in as themselves and chooses to act for grandma at the pension platform.
    const rua = new UserAgent(w.server.issuer);
    const { start, step } = await authorizeAs(pension, rua, relative);
    const choice = step as Page;
    expect(choice.html).toContain('亲属代办');
    const tokens = await pension.finish(await choose(rua, choice, optionFor(choice, grandma.name)), start);
    const claims = tokens.claims()!;
    const represented = claims.represented_person as Record<string, unknown>;
    const row = await w.c.db.knex('proxy_grants').where({ id: grantId }).first();
    expect(represented).toEqual({
      sub: expect.any(String), name: grandma.name, basis: 'proxy', relationship: 'child',
      expires_at: Math.floor(new Date(row.expires_at).getTime() / 1000), grant_id: grantId,
    });
    expect(represented.sub).not.toBe(claims.sub);
    expect(claims.name).toBe(relative.name);
    expect((await oidc.fetchUserInfo(pension.config, tokens.access_token, claims.sub)).represented_person).toEqual(represented);
    const selected = await w.c.db.knex('audit_events').where({ action: 'entity.selected', actor: ids.relative }).orderBy('id', 'desc').first();
    expect(selected.detail).toMatchObject({ represented: grandma.personId, basis: 'proxy', grant: grantId });

    // A platform the grant does not name: no choice offered, no claim.
    const elsewhere = await authorizeAs(tax, rua, relative);
    expect('redirect' in elsewhere.step).toBe(true);
    const taxTokens = await tax.finish((elsewhere.step as { redirect: string }).redirect, elsewhere.start);
    expect(taxTokens.claims()!.represented_person).toBeUndefined();

    // The grantor sees it on the account page and ends it: the claim stops at once, even for the token already issued.
    const family = await ua.page('/account/family');
    const revoked = (await ua.submit(family, `/proxies/${grantId}/revoke`)) as Page;
    expect(notice(revoked)).toBe('已撤销代办授权');
    expect((await oidc.fetchUserInfo(pension.config, tokens.access_token, claims.sub)).represented_person).toBeUndefined();
    const after = await authorizeAs(pension, rua, relative);
    expect('redirect' in after.step).toBe(true);
    expect(await w.c.db.knex('audit_events').where({ action: 'proxy.revoked', target: grantId, actor: grandma.personId })).toHaveLength(1);
  });

  it('stops an expired grant at once', async () => {
    const grandpa = await elder('刘爷爷');
    const grantId = await w.c.naturalPersons.proxies.grantAtCounter(grandpa.personId, {
      proxyName: relative.name, proxyIdNumber: relative.idNumber, relationship: 'child', platforms: [pension.clientId], expiresAt: new Date(Date.now() + 86_400_000),
    }, { operator: 'counter-desk-7', evidenceRef: 'CNT-2026-001' });
    const rua = new UserAgent(w.server.issuer);
    const { start, step } = await authorizeAs(pension, rua, relative);
    const tokens = await pension.finish(await choose(rua, step, optionFor(step as Page, grandpa.name)), start);
    expect(tokens.claims()!.represented_person).toMatchObject({ basis: 'proxy', grant_id: grantId });
    expect((await w.c.db.knex('audit_events').where({ action: 'proxy.granted_at_counter', target: grantId }).first()).detail).toMatchObject({ grantor: grandpa.personId, ref: 'CNT-2026-001' });

    // Time passes: the expiry is now behind us (the database clock decides, at every request).
    await w.c.db.knex('proxy_grants').where({ id: grantId }).update({ expires_at: new Date(Date.now() - 1000) });
    expect((await oidc.fetchUserInfo(pension.config, tokens.access_token, tokens.claims()!.sub)).represented_person).toBeUndefined();
    const again = await authorizeAs(pension, rua, relative);
    expect('redirect' in again.step).toBe(true);
    // Nor can the old choice be forged back in.
    expect(await w.c.personRoles.rolesFor(ids.relative!, { clientId: pension.clientId, minorOwnConsent: false })).toEqual([]);
  });

  it('lets exactly one of parallel confirmations win, and a code confirms only its own grant', async () => {
    const aunt = await elder('刘阿姨');
    const ua = new UserAgent(w.server.issuer);
    await consoleLogin(ua, aunt.idNumber, aunt.password);
    const { page, grantId } = await requestGrant(ua, [pension.clientId]);
    const code = await textedCode(w.admin, aunt.phone);
    // A second grant of the same person: the first grant's code does not confirm it.
    const other = await w.c.naturalPersons.proxies.request(aunt.personId, {
      proxyName: relative.name, proxyIdNumber: relative.idNumber, relationship: 'sibling', platforms: [tax.clientId], expiresAt: new Date(Date.now() + 86_400_000),
    });
    const codeId = /name="codeId" value="([^"]+)"/.exec(page.html)![1]!;
    await expect(w.c.naturalPersons.proxies.confirmWithCode(aunt.personId, other, codeId, code, '127.0.0.9')).rejects.toMatchObject({ code: 'sms.invalid_code' });

    const results = await Promise.all(Array.from({ length: 10 }, () => ua.submit(page, `/proxies/${grantId}/confirm`, { code })));
    const won = results.filter((r) => 'url' in r && notice(r) === '代办授权已生效');
    expect(won).toHaveLength(1);
    expect(await w.c.db.knex('audit_events').where({ action: 'proxy.confirmed', target: grantId })).toHaveLength(1);
    expect((await w.c.db.knex('proxy_grants').where({ id: other }).first()).status).toBe('pending');
  });

  it('throttles wrong codes', async () => {
    const uncle = await elder('刘叔叔');
    const ua = new UserAgent(w.server.issuer);
    await consoleLogin(ua, uncle.idNumber, uncle.password);
    const { page, grantId } = await requestGrant(ua, [pension.clientId]);
    const code = await textedCode(w.admin, uncle.phone);
    const wrong = code === '123456' ? '654321' : '123456';
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push(((await ua.submit(page, `/proxies/${grantId}/confirm`, { code: wrong })) as Page).status);
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(statuses[10]).toBe(429);
    // Locked: even the right code waits.
    expect(((await ua.submit(page, `/proxies/${grantId}/confirm`, { code })) as Page).status).toBe(429);
    expect((await w.c.db.knex('proxy_grants').where({ id: grantId }).first()).status).toBe('pending');
  });

  it('lets no one but the grantor revoke, and the relative give it up', async () => {
    const granny = await elder('刘外婆');
    const grantId = await w.c.naturalPersons.proxies.grantAtCounter(granny.personId, {
      proxyName: relative.name, proxyIdNumber: relative.idNumber, relationship: 'grandchild', platforms: [pension.clientId], expiresAt: new Date(Date.now() + 86_400_000),
    }, { operator: 'counter-desk-7', evidenceRef: 'CNT-2026-002' });

    const post = async (ua: UserAgent, home: Page, action: string) => {
      const csrf = /name="_csrf" value="([^"]+)"/.exec(home.html)![1]!;
      return ua.request(`/account/family/proxies/${grantId}/${action}`, {
        method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: csrf }),
      });
    };
    const sua = new UserAgent(w.server.issuer);
    const strangerHome = await consoleLogin(sua, stranger.idNumber, stranger.password);
    expect((await post(sua, strangerHome, 'revoke')).status).toBe(404);
    expect((await post(sua, strangerHome, 'resign')).status).toBe(404);
    const rua = new UserAgent(w.server.issuer);
    const relativeHome = await consoleLogin(rua, relative.idNumber, relative.password);
    expect((await post(rua, relativeHome, 'revoke')).status).toBe(404); // the relative cannot revoke, only give up
    expect((await w.c.db.knex('proxy_grants').where({ id: grantId }).first()).status).toBe('active');

    const family = await rua.page('/account/family');
    expect(family.html).toContain(granny.name);
    const given = (await rua.submit(family, `/proxies/${grantId}/resign`)) as Page;
    expect(notice(given)).toBe('已放弃代办');
    expect((await w.c.db.knex('proxy_grants').where({ id: grantId }).first()).status).toBe('resigned');
    const roles = await w.c.personRoles.rolesFor(ids.relative!, { clientId: pension.clientId, minorOwnConsent: false });
    expect(roles.map((r) => r.grantId)).not.toContain(grantId);
    expect(await w.c.db.knex('audit_events').where({ action: 'proxy.resigned', target: grantId, actor: ids.relative })).toHaveLength(1);
  });

  it('refuses a minor on either side: a minor is represented by a guardian', async () => {
    const grantor = await elder('吴老人');
    const minor = { name: '吴少年', idNumber: idNumber(birthYearsAgo(16)) };
    const input = { proxyName: minor.name, proxyIdNumber: minor.idNumber, relationship: 'grandchild', platforms: [pension.clientId], expiresAt: new Date(Date.now() + 86_400_000) };
    await expect(w.c.naturalPersons.proxies.request(grantor.personId, input)).rejects.toMatchObject({ code: 'proxy.minor' });
  });

  it('needs the ladder\'s level of the relative before they can act', async () => {
    const lowRelative = { ...person(), name: '孙未核验' };
    const lowId = await seed(lowRelative);
    const grantor = await elder('孙奶奶');
    await w.c.naturalPersons.proxies.grantAtCounter(grantor.personId, {
      proxyName: lowRelative.name, proxyIdNumber: lowRelative.idNumber, relationship: 'child', platforms: [pension.clientId], expiresAt: new Date(Date.now() + 86_400_000),
    }, { operator: 'counter-desk-7', evidenceRef: 'CNT-2026-003' });
    expect(await w.c.personRoles.rolesFor(lowId, { clientId: pension.clientId, minorOwnConsent: false })).toEqual([]);
    await raiseTo(w.c, lowId, lowRelative, 'L2');
    expect(await w.c.personRoles.rolesFor(lowId, { clientId: pension.clientId, minorOwnConsent: false })).toMatchObject([{ basis: 'proxy', name: grantor.name }]);
  });

  it('revokes what a closed account granted', async () => {
    const greatAunt = await elder('刘姑婆');
    const grantId = await w.c.naturalPersons.proxies.grantAtCounter(greatAunt.personId, {
      proxyName: relative.name, proxyIdNumber: relative.idNumber, relationship: 'other_relative', platforms: [pension.clientId], expiresAt: new Date(Date.now() + 86_400_000),
    }, { operator: 'counter-desk-7', evidenceRef: 'CNT-2026-004' });
    await w.c.closures.request(greatAunt.personId, { actor: greatAunt.personId });
    await w.c.db.knex('account_closures').where({ person_id: greatAunt.personId }).update({ due_at: new Date(Date.now() - 1000) });
    await w.c.closures.closeDue('test');
    expect((await w.c.db.knex('proxy_grants').where({ id: grantId }).first()).status).toBe('revoked');
    const roles = await w.c.personRoles.rolesFor(ids.relative!, { clientId: pension.clientId, minorOwnConsent: false });
    expect(roles.map((r) => r.grantId)).not.toContain(grantId);
    expect((await w.c.db.knex('audit_events').where({ action: 'natural_persons.ended_all', target: greatAunt.personId }).first()).detail).toEqual({ guardianships: [], proxyGrants: [grantId] });
  });
});
