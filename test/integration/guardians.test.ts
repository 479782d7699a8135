/**
 * Guardians acting for minors, end to end: the guardian adds a child on the account page, logs in
 * at a platform asking for `represented_person`, chooses the child, and the platform's
 * openid-client gets the claim in the ID token and at userinfo. The ward's age (from the ID
 * number, birth dates computed from today) narrows the right at 14 and ends it at 18.
 */
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleLogin } from '../helpers/account.ts';
import { authorizeAs, birthdaySeconds, birthYearsAgo, choose, optionFor, REPRESENTED_SCOPE } from '../helpers/acting-for.ts';
import { raiseTo } from '../helpers/assurance.ts';
import { UserAgent, type Page } from '../helpers/browser.ts';
import { idNumber, person } from '../helpers/identities.ts';
import { registerPlatform, type Platform } from '../helpers/platform.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { accountDeps } from '../../src/account/account-deps.ts';

let server: TestServer;
let portal: Platform;
let sameSector: Platform;
let publicSubjects: Platform;
let ownConsent: Platform; // relies on a 14–17-year-old's own consent
const guardian = { ...person(), name: '王大明' };
const lowLevel = { ...person(), name: '赵低级' };
const ids: Record<string, string> = {};

const child10 = { name: '王小明', birth: birthYearsAgo(10) };
const child15 = { name: '王小红', birth: birthYearsAgo(15) };
const child19 = { name: '王小刚', birth: birthYearsAgo(19) };
const idOf = (c: { birth: string }) => idNumber(c.birth);
const ward10 = { ...child10, idNumber: idOf(child10) };
const ward15 = { ...child15, idNumber: idOf(child15) };
const ward19 = { ...child19, idNumber: idOf(child19) };

const notice = (p: Page) => /<p class="notice" role="status">([^<]*)<\/p>/.exec(p.html)?.[1] ?? '';
const error = (p: Page) => /<p class="error" role="alert"[^>]*>([^<]*)<\/p>/.exec(p.html)?.[1] ?? '';

beforeAll(async () => {
  server = await startTestServer();
  const c = server.container;
  portal = await registerPlatform(c, server.issuer, { client_name: '教育服务平台' });
  sameSector = await registerPlatform(c, server.issuer, { client_name: '医保平台' });
  publicSubjects = await registerPlatform(c, server.issuer, { client_name: '省级门户', subject_type: 'public' });
  ownConsent = await registerPlatform(c, server.issuer, { client_name: '青少年自主服务', minor_own_consent: true });
  for (const [k, p] of Object.entries({ guardian, lowLevel })) {
    const r = await c.persons.register(p);
    if (!r.ok || !r.personId) throw new Error('seed failed');
    ids[k] = r.personId;
  }
  await raiseTo(c, ids.guardian!, guardian, 'L2');
});
afterAll(() => server?.stop());

async function addWardOnPage(ua: UserAgent, ward: { name: string; idNumber: string }, relationship = 'parent'): Promise<Page> {
  const family = await ua.page('/account/family');
  return (await ua.submit(family, '/account/family/wards/add', { name: ward.name, idNumber: ward.idNumber, relationship })) as Page;
}

describe('guardians', () => {
  it('refuses a child under 14 registering alone', async () => {
    const res = await server.container.persons.register({ ...person(), name: child10.name, idNumber: idNumber(child10.birth) });
    expect(res).toMatchObject({ ok: false, errors: { idNumber: 'registration.minor_needs_guardian' } });
  });

  it('lets an L2 guardian add a child of 10 on the account page; the platform gets represented_person', async () => {
    const ua = new UserAgent(server.issuer);
    await consoleLogin(ua, guardian.idNumber, guardian.password);
    const added = await addWardOnPage(ua, ward10);
    expect(added.status).toBe(200);
    expect(notice(added)).toBe('已添加被监护人');
    expect(added.html).toContain(ward10.name);
    expect(added.html).toContain('未满 14 周岁');
    expect(added.html).not.toContain(ward10.idNumber);

    // The child's record: no phone, no password, cannot log in.
    const ward = await server.container.persons.findByIdentifier(ward10.idNumber);
    expect(ward).toMatchObject({ status: 'ward', phone_enc: null });
    ids.ward10 = ward!.id;
    expect(await server.container.db.knex('credentials').where({ person_id: ward!.id })).toEqual([]);
    const trail = await server.container.db.knex('audit_events').where({ action: 'guardianship.added', actor: ids.guardian });
    expect(trail).toHaveLength(1);
    expect(trail[0].detail).toMatchObject({ ward: ward!.id, relationship: 'parent', status: 'active', wardRecordCreated: true });
    expect(JSON.stringify(trail)).not.toContain(ward10.idNumber);

    // At a platform: log in as oneself (SSO), consent, then choose the child.
    const { start, step } = await authorizeAs(portal, ua, guardian);
    const choice = step as Page;
    expect(choice.html).toContain('选择办事身份');
    expect(choice.html).toContain('监护人代办');
    const tokens = await portal.finish(await choose(ua, choice, optionFor(choice, ward10.name)), start);
    const claims = tokens.claims()!;
    const represented = claims.represented_person as Record<string, unknown>;
    expect(represented).toMatchObject({
      name: ward10.name, basis: 'guardian', relationship: 'parent', age_stage: 'minor_under_14',
      expires_at: birthdaySeconds(child10.birth, 18),
    });
    expect(represented.grant_id).toMatch(/^[0-9a-f-]{36}$/);
    // The actor stays the token's subject; the child has its own pairwise subject, never its person id.
    expect(represented.sub).not.toBe(claims.sub);
    expect(represented.sub).not.toBe(ids.ward10);
    const info = await oidc.fetchUserInfo(portal.config, tokens.access_token, claims.sub);
    expect(info.represented_person).toEqual(represented);
    expect(info.name).toBe(guardian.name);

    // Same sector, same child subject; a public-subject platform sees the child's account id.
    const again = await authorizeAs(sameSector, ua, guardian);
    const sameSectorClaims = (await sameSector.finish(await choose(ua, again.step, optionFor(again.step as Page, ward10.name)), again.start)).claims()!;
    expect((sameSectorClaims.represented_person as { sub: string }).sub).toBe(represented.sub);
    const pub = await authorizeAs(publicSubjects, ua, guardian);
    const pubClaims = (await publicSubjects.finish(await choose(ua, pub.step, optionFor(pub.step as Page, ward10.name)), pub.start)).claims()!;
    expect((pubClaims.represented_person as { sub: string }).sub).toBe(ids.ward10);

    // Choosing oneself releases no represented_person.
    const self = await authorizeAs(portal, ua, guardian);
    expect((await portal.finish(await choose(ua, self.step, 'self'), self.start)).claims()!.represented_person).toBeUndefined();
  });

  it('narrows the right at 14: offered as minor_14_to_18, but not where the minor consents alone', async () => {
    const ua = new UserAgent(server.issuer);
    await consoleLogin(ua, guardian.idNumber, guardian.password);
    expect(notice(await addWardOnPage(ua, ward15))).toBe('已添加被监护人');

    const { start, step } = await authorizeAs(portal, ua, guardian);
    const tokens = await portal.finish(await choose(ua, step, optionFor(step as Page, ward15.name)), start);
    expect(tokens.claims()!.represented_person).toMatchObject({ name: ward15.name, basis: 'guardian', age_stage: 'minor_14_to_18', expires_at: birthdaySeconds(child15.birth, 18) });

    // At a platform that relies on the minor's own consent only the child under 14 is offered.
    const own = await authorizeAs(ownConsent, ua, guardian);
    const page = own.step as Page;
    expect(page.html).toContain(ward10.name);
    expect(page.html).not.toContain(ward15.name);
    const ownTokens = await ownConsent.finish(await choose(ua, page, optionFor(page, ward10.name)), own.start);
    expect(ownTokens.claims()!.represented_person).toMatchObject({ age_stage: 'minor_under_14', expires_at: birthdaySeconds(child10.birth, 14) });

    // A forged choice of the 15-year-old there is refused.
    const forged = await authorizeAs(ownConsent, ua, guardian);
    const grant15 = optionFor(step as Page, ward15.name);
    const refused = (await ua.submit(forged.step as Page, '/entity', { entity: grant15 })) as Page;
    expect(refused.status).toBe(403);
    expect(refused.html).toContain('您无权代表此人在此平台办理业务');
  });

  it('ends the right at 18 by itself: a guardianship declared at 17 is not offered at 19', async () => {
    const ua = new UserAgent(server.issuer);
    await consoleLogin(ua, guardian.idNumber, guardian.password);
    // Adding someone already 19 is refused on the page.
    const refused = await addWardOnPage(ua, ward19);
    expect(refused.status).toBe(400);
    expect(error(refused)).toContain('未满 18 周岁');
    // Declared two years ago, when the ward was 17 (the domain takes the moment of the declaration).
    const twoYearsAgo = new Date(Date.now() - 2 * 365 * 86_400_000);
    const g = await server.container.naturalPersons.guardianships.addWard(ids.guardian!, { name: ward19.name, idNumber: ward19.idNumber, relationship: 'guardian' }, { now: twoYearsAgo });
    expect(g.status).toBe('active');
    const roles = await server.container.personRoles.rolesFor(ids.guardian!, { clientId: portal.clientId, minorOwnConsent: false });
    expect(roles.map((r) => r.name).sort()).toEqual([ward10.name, ward15.name].sort());
    const family = await ua.page('/account/family');
    expect(family.html).not.toContain(ward19.name);
    // The guardian's data export lists the wards still in their care.
    const exported = await accountDeps(server.container).rights!.dataExport.build(ids.guardian!, 'no-session', '127.0.0.1') as { family: { wards: Array<{ stage: string }> } };
    expect(exported.family.wards.map((x) => x.stage).sort()).toEqual(['minor_14_to_18', 'minor_under_14']);
    expect(JSON.stringify(exported.family)).not.toContain(ward10.name);

    const { step } = await authorizeAs(portal, ua, guardian);
    expect((step as Page).html).not.toContain(ward19.name);
  });

  it('needs L2 to add a ward, and a ward links to the existing record only under its name', async () => {
    const ua = new UserAgent(server.issuer);
    await consoleLogin(ua, lowLevel.idNumber, lowLevel.password);
    const family = await ua.page('/account/family');
    expect(family.html).toContain('添加被监护人需要达到');
    // The form is not shown below the level; a forged post is refused all the same.
    expect(family.html).not.toContain('/account/family/wards/add');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(family.html)![1]!;
    const res = await ua.request('/account/family/wards/add', {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf, name: ward10.name, idNumber: ward10.idNumber, relationship: 'parent' }),
    });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('添加被监护人需要更高的实名等级');

    // A second parent (L2) links to the same child record; a wrong name is refused.
    const mother = { ...person(), name: '李美丽' };
    const r = await server.container.persons.register(mother);
    if (!r.ok || !r.personId) throw new Error('seed failed');
    await raiseTo(server.container, r.personId!, mother, 'L2');
    const g = server.container.naturalPersons.guardianships;
    await expect(g.addWard(r.personId!, { name: '王小名', idNumber: ward10.idNumber, relationship: 'parent' })).rejects.toMatchObject({ code: 'guardianship.details_mismatch' });
    const linked = await g.addWard(r.personId!, { name: ward10.name, idNumber: ward10.idNumber, relationship: 'parent' });
    expect(linked).toMatchObject({ wardPersonId: ids.ward10, created: false, status: 'active' });
    await expect(g.addWard(r.personId!, { name: ward10.name, idNumber: ward10.idNumber, relationship: 'parent' })).rejects.toMatchObject({ code: 'guardianship.exists' });
  });

  it('re-seals ward records without giving them a phone (key rotation, name index)', async () => {
    const knex = server.container.db.knex;
    const wards = await knex('persons').where({ status: 'ward' }).select('id', 'name_bidx');
    expect(wards.length).toBeGreaterThanOrEqual(2);
    expect(wards.every((w) => w.name_bidx)).toBe(true);
    await knex('persons').where({ status: 'ward' }).update({ name_bidx: null });
    expect(await server.container.persons.resealStale()).toBeGreaterThanOrEqual(2);
    const after = await knex('persons').where({ status: 'ward' }).select('phone_enc', 'phone_bidx', 'name_bidx');
    expect(after.every((w) => w.phone_enc === null && w.phone_bidx === null && w.name_bidx)).toBe(true);
  });

  it('stops releasing the claim at once when the guardian ends the guardianship', async () => {
    const ua = new UserAgent(server.issuer);
    await consoleLogin(ua, guardian.idNumber, guardian.password);
    const { start, step } = await authorizeAs(portal, ua, guardian, REPRESENTED_SCOPE);
    const tokens = await portal.finish(await choose(ua, step, optionFor(step as Page, ward10.name)), start);
    const grantId = (tokens.claims()!.represented_person as { grant_id: string }).grant_id;

    // Someone else cannot end it.
    const other = new UserAgent(server.issuer);
    const otherHome = await consoleLogin(other, lowLevel.idNumber, lowLevel.password);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(otherHome.html)![1]!;
    const forged = await other.request(`/account/family/wards/${grantId}/end`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: csrf }),
    });
    expect(forged.status).toBe(404);
    expect((await oidc.fetchUserInfo(portal.config, tokens.access_token, tokens.claims()!.sub)).represented_person).toBeDefined();

    const family = await ua.page('/account/family');
    const ended = (await ua.submit(family, `/account/family/wards/${grantId}/end`)) as Page;
    expect(notice(ended)).toBe('已结束监护代办');
    expect((await oidc.fetchUserInfo(portal.config, tokens.access_token, tokens.claims()!.sub)).represented_person).toBeUndefined();
  });
});
