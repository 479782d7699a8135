import * as oidc from 'openid-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { UserAgent, type Page } from '../helpers/browser.ts';
import { idNumber, phone, PASSWORD } from '../helpers/identities.ts';
import { consentIfAsked, loginThrough, loginToPage, registerPlatform, type Platform } from '../helpers/platform.ts';
import { addPair, registerFixture, selfieOf, startVerificationWorld, type VerificationWorld } from '../helpers/verification.ts';

// Step-up inside the authorization request, driven by a stock relying party (openid-client): the
// platform states a minimum, the person verifies through the sandbox channels after login, and the
// ID token reports the level actually reached — or the platform gets a standard OIDC error.
let w: VerificationWorld;
let plain: Platform;
let needsL2: Platform;
let firstParty: Platform;

const LOA = (n: number) => `urn:yihao:loa:${n}`;

beforeAll(async () => {
  w = await startVerificationWorld();
  for (const kind of ['population', 'face', 'bank_card'] as const) await addPair(w, kind);
  plain = await registerPlatform(w.c, w.server.issuer);
  needsL2 = await registerPlatform(w.c, w.server.issuer, { default_acr_values: [LOA(2)] });
  firstParty = await registerPlatform(w.c, w.server.issuer, { first_party: true });
});
afterAll(() => w?.stop());
beforeEach(() => w.admin.reset());

const login = (ua: UserAgent, url: string, identifier: string) => loginToPage(ua, url, identifier, PASSWORD);

const through = consentIfAsked;

/** Uploads a selfie through the face form (multipart, as a phone's browser would). */
async function uploadSelfie(ua: UserAgent, page: Page, image: Buffer) {
  const form = /<form[^>]*action="([^"]*\/check\/face)"[^>]*>([\s\S]*?)<\/form>/.exec(page.html);
  if (!form) throw new Error('no face form');
  expect(form[0]).toContain('enctype="multipart/form-data"');
  const body = new FormData();
  body.set('_csrf', /name="_csrf" value="([^"]*)"/.exec(form[2]!)![1]!);
  body.set('image', new Blob([image], { type: 'image/jpeg' }), 'selfie.jpg');
  return ua.follow(new URL(form[1]!, page.url).toString(), { method: 'POST', body });
}

const claimsOf = (tokens: Awaited<ReturnType<Platform['finish']>>) => tokens.claims()!;

describe('discovery', () => {
  it('advertises the ladder as acr values (alone and with a strength) and the assurance_level claim', async () => {
    const meta = (await (await fetch(`${w.server.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect((meta.acr_values_supported as string[]).slice(0, 4)).toEqual([LOA(1), LOA(2), LOA(3), LOA(4)]);
    expect(meta.acr_values_supported).toEqual(expect.arrayContaining([`${LOA(3)}:aal:2`, 'urn:yihao:aal:3']));
    expect(meta.claims_supported).toContain('assurance_level');
    expect(meta.claims_parameter_supported).toBe(true);
  });
});

describe('reaching the level', () => {
  it('a platform requiring L2 (default_acr_values): population check after login, then an ID token saying L2', async () => {
    const { personId, fixture } = await registerFixture(w.c, '张伟');
    const ua = new UserAgent(w.server.issuer);
    const started = await needsL2.authorize();
    const verify = await login(ua, started.url, fixture.idNumber);
    expect(verify.url).toMatch(/\/interaction\/[^/]+\/verify$/);
    expect(verify.html).toContain('公安人口库核验');
    expect(verify.html).toContain('1501**********0177');
    expect(verify.html).not.toContain(fixture.idNumber);
    const tokens = await needsL2.finish(await through(ua, await ua.submit(verify, '/check/population')), started);
    expect(claimsOf(tokens)).toMatchObject({ acr: LOA(2), assurance_level: 'L2', amr: ['pwd'] });
    const info = await oidc.fetchUserInfo(needsL2.config, tokens.access_token, claimsOf(tokens).sub);
    expect(info.assurance_level).toBe('L2');
    expect((await w.c.db.knex('verification_evidence').where({ subject_person_id: personId, result: 'match' })).length).toBe(1);
  });

  it('acr_values L3: population, then a selfie; the SSO session then satisfies an essential acr claim without asking again', async () => {
    const { personId, fixture } = await registerFixture(w.c, '陈静');
    const ua = new UserAgent(w.server.issuer);
    const started = await plain.authorize({ acr_values: LOA(3) });
    const step1 = await login(ua, started.url, fixture.mobiles[0]!.number); // by mobile number this time
    expect(step1.html).toContain('第 1 步，共 2 步');
    const step2 = await ua.submit(step1, '/check/population');
    expect('html' in step2 && step2.html).toContain('第 2 步，共 2 步');
    expect((step2 as Page).html).toContain('银行卡核验'); // the other way to L3
    const wrongFace = await uploadSelfie(ua, step2 as Page, selfieOf('FACE-TPL-ZW-5c1e'));
    expect('html' in wrongFace && wrongFace.html).toContain('照片与证件照片不一致');
    const done = await uploadSelfie(ua, wrongFace as Page, selfieOf(fixture.faceToken));
    const tokens = await plain.finish(await through(ua, done), started);
    expect(claimsOf(tokens)).toMatchObject({ acr: LOA(3), assurance_level: 'L3' });
    expect((await w.c.verification.service.levelOf(personId)).level.id).toBe('L3');

    const essential = await firstParty.authorize({ claims: JSON.stringify({ id_token: { acr: { essential: true, values: [LOA(3)] } } }) });
    const sso = await firstParty.finish(await ua.redirect(essential.url), essential);
    expect(claimsOf(sso)).toMatchObject({ acr: LOA(3), assurance_level: 'L3' });
  });

  it('without a minimum, the token reports the level held: L1 for a new account', async () => {
    const { fixture } = await registerFixture(w.c, '赵磊');
    const ua = new UserAgent(w.server.issuer);
    const started = await plain.authorize();
    const tokens = await plain.finish(await loginThrough(ua, started.url, fixture.idNumber, PASSWORD), started);
    expect(claimsOf(tokens)).toMatchObject({ acr: LOA(1), assurance_level: 'L1' });
  });
});

describe('failing with a standard error', () => {
  it('channels down: the person is told to try again later, and the platform gets unmet_authentication_requirements', async () => {
    const { personId, fixture } = await registerFixture(w.c, '黄蕾');
    const ua = new UserAgent(w.server.issuer);
    const started = await plain.authorize({ acr_values: LOA(3) });
    const step1 = await login(ua, started.url, fixture.idNumber);
    const step2 = (await ua.submit(step1, '/check/population')) as Page;
    await w.admin.setFault({ kind: 'face', mode: 'down' });
    const down = await uploadSelfie(ua, step2, selfieOf(fixture.faceToken));
    expect('html' in down && down.status).toBe(503);
    expect((down as Page).html).toContain('核验服务暂时不可用，请稍后重试');
    const callback = await ua.redirect(new URL((down as Page).html.match(/action="([^"]*\/verify\/unmet)"/)![1]!, w.server.issuer).toString(), {
      method: 'POST',
      body: new URLSearchParams({ _csrf: /name="_csrf" value="([^"]*)"/.exec((down as Page).html)![1]! }),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    await expect(plain.finish(callback, started)).rejects.toMatchObject({ error: 'unmet_authentication_requirements' });
    expect(new URL(callback).searchParams.get('state')).toBe(started.state);
    // The population match passed before the outage is kept.
    expect((await w.c.verification.service.levelOf(personId)).level.id).toBe('L2');
  });

  it('declining: access_denied', async () => {
    const { fixture } = await registerFixture(w.c, '刘洋');
    const ua = new UserAgent(w.server.issuer);
    const started = await needsL2.authorize();
    const verify = await login(ua, started.url, fixture.idNumber);
    const declined = await ua.submit(verify, '/verify/cancel');
    await expect(needsL2.finish((declined as { redirect: string }).redirect, started)).rejects.toMatchObject({ error: 'access_denied' });
  });

  it('a failed check offers the way back, and never a token above the level held', async () => {
    // An account the population database does not know.
    const mobile = phone();
    expect(await w.c.persons.register({ name: '张三', idNumber: idNumber(), phone: mobile, password: PASSWORD })).toMatchObject({ ok: true, created: true });
    const ua = new UserAgent(w.server.issuer);
    const started = await needsL2.authorize();
    const verify = await login(ua, started.url, mobile);
    const failed = (await ua.submit(verify, '/check/population')) as Page;
    expect(failed.html).toContain('核验未通过');
    const back = await ua.submit(failed, '/verify/unmet');
    await expect(needsL2.finish((back as { redirect: string }).redirect, started)).rejects.toMatchObject({ error: 'unmet_authentication_requirements' });
  });

  it('L4 is only done at a counter: explained to the person, unmet_authentication_requirements to the platform', async () => {
    const { fixture } = await registerFixture(w.c, '杨帆');
    const ua = new UserAgent(w.server.issuer);
    const started = await plain.authorize({ acr_values: LOA(4) });
    const page = await login(ua, started.url, fixture.idNumber);
    expect(page.html).toContain('政务服务窗口现场核验');
    expect(page.html).not.toContain('/check/');
    const back = await ua.submit(page, '/verify/unmet');
    await expect(plain.finish((back as { redirect: string }).redirect, started)).rejects.toMatchObject({ error: 'unmet_authentication_requirements' });
  });

  it('prompt=none below the minimum: interaction_required; an essential acr we do not offer: unmet_authentication_requirements', async () => {
    const { fixture } = await registerFixture(w.c, '周敏');
    const ua = new UserAgent(w.server.issuer);
    const first = await firstParty.authorize();
    await firstParty.finish(await loginThrough(ua, first.url, fixture.idNumber, PASSWORD), first);

    const silent = await firstParty.authorize({ prompt: 'none', acr_values: LOA(2) });
    await expect(firstParty.finish(await ua.redirect(silent.url), silent)).rejects.toMatchObject({ error: 'interaction_required' });
    const unknown = await firstParty.authorize({ claims: JSON.stringify({ id_token: { acr: { essential: true, values: ['urn:other:loa:high'] } } }) });
    await expect(firstParty.finish(await ua.redirect(unknown.url), unknown)).rejects.toMatchObject({ error: 'unmet_authentication_requirements' });
  });
});

describe('raise my level (/account/verify)', () => {
  it('a logged-in citizen reaches L2 outside any authorization request; the next login to a platform says L2', async () => {
    const { personId, fixture } = await registerFixture(w.c, '吴刚');
    const ua = new UserAgent(w.server.issuer);
    // Not logged in yet: through the account console's login and straight back.
    const login = await ua.page('/account/verify');
    const page = await ua.submit(login, '/login', { identifier: fixture.idNumber, password: PASSWORD }) as Page;
    expect(page.url).toBe(`${w.server.issuer}/account/verify`);
    expect(page.html).toContain('当前实名等级：一级');
    const raised = (await ua.submit(page, '/account/verify/check/population')) as Page;
    expect(raised.html).toContain('您的实名等级已提升为“二级');
    expect(raised.html).toContain('人脸识别核验'); // the way on to L3
    expect((await w.c.verification.service.levelOf(personId)).level.id).toBe('L2');

    // The SSO session started at L1; the next login to a platform reports the level now held.
    const next = await firstParty.authorize();
    expect(claimsOf(await firstParty.finish(await ua.redirect(next.url), next))).toMatchObject({ acr: LOA(2), assurance_level: 'L2' });
  });

  it('asks who you are when nobody is logged in, and refuses a form without its CSRF token', async () => {
    const res = await fetch(`${w.server.issuer}/account/verify`, { headers: { accept: 'text/html' }, redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/account/login?to=%2Faccount%2Fverify');
    const forged = await fetch(`${w.server.issuer}/account/verify/check/population`, {
      method: 'POST', body: new URLSearchParams({}), headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(forged.status).toBe(403);
  });
});
