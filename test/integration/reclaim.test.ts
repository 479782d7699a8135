/**
 * Reclaiming a squatted ID number online: a squatter registers a sandbox fixture person's name and
 * ID number with his own phone; the real person registers, is told the number has an account,
 * proves themselves above the account's level (face or bank card → L3) and the account is theirs.
 * Everything over real HTTP: the pages, the sandbox authority, a platform with back-channel logout.
 */
import * as oidc from 'openid-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { raiseTo } from '../helpers/assurance.ts';
import { UserAgent, type Page } from '../helpers/browser.ts';
import { phone } from '../helpers/identities.ts';
import { BACKCHANNEL_EVENT, type LogoutReceiver } from '../helpers/logout-receiver.ts';
import { loginThrough, offlineLogin, type Platform } from '../helpers/platform.ts';
import { messageOf, openReclaim, OWNER_PASSWORD, resetReclaimWorld, squat, startReclaimWorld, toldRegistered, uploadSelfie } from '../helpers/reclaim.ts';
import { registerFixture, selfieOf, type VerificationWorld } from '../helpers/verification.ts';

let w: VerificationWorld;
let platform: Platform;
let receiver: LogoutReceiver;
const QINGCHENG = { creditCode: '91150102MA0N3C5D54', name: '呼和浩特青城数字科技有限公司' };

let stop: () => Promise<void>;

beforeAll(async () => {
  ({ w, platform, receiver, stop } = await startReclaimWorld(['sms', 'population', 'face', 'bank_card']));
});
afterAll(() => stop?.());
beforeEach(() => resetReclaimWorld(w));

const ua = () => new UserAgent(w.server.issuer);
const canLogIn = (identifier: string, password: string) => w.c.login.authenticate(identifier, password, '10.1.1.1').then(() => true, () => false);
const faceCalls = async () => (await w.admin.requests({ kind: 'face' })).length;
const reclaimedEvents = (personId: string) => w.c.db.knex('audit_events').where({ action: 'person.reclaimed', target: personId }).select('actor', 'detail');

/** A face form for the ticket of a "told" page, as a forger would post it (the page offered none). */
function forgedFaceForm(told: Page): Page {
  const action = /<form[^>]*action="([^"]*\/reclaim)"/.exec(told.html)![1]!;
  const hidden = (name: string) => /name="NAME" value="([^"]+)"/.source.replace('NAME', name);
  const value = (name: string) => new RegExp(hidden(name)).exec(told.html)![1]!;
  return {
    url: told.url, status: 200,
    html: `<form method="post" action="${action}/check/face" enctype="multipart/form-data"><input type="hidden" name="_csrf" value="${value('_csrf')}"><input type="hidden" name="ticket" value="${value('ticket')}"></form>`,
  };
}

/** The real person: told, reclaim page, then (with `proof`) the password page. */
async function realPerson(name: string) {
  const agent = ua();
  const told = await toldRegistered(w, agent, platform, name);
  expect(told.page.html).toContain('/reclaim"');
  const page = await openReclaim(agent, told.page);
  return { agent, page, phone: told.phone, fixture: told.fixture };
}

describe('the squatter scenario', () => {
  it('the real person reclaims via face: squatter logged out everywhere, roles suspended, old phone told, owner at L3; reclaiming back needs a counter', async () => {
    const squatter = await squat(w, ua(), platform, '张伟');
    expect((await w.c.verification.assurance.levelOf(squatter.personId)).level.id).toBe('L2');
    // The squatter logs in to a platform (refresh token) and cannot claim the enterprise below L3.
    const squatterTokens = await offlineLogin(platform, ua(), squatter.phone, squatter.password);
    await expect(w.c.enterprises.claim(squatter.personId, QINGCHENG)).rejects.toMatchObject({ code: 'enterprise.assurance_too_low' });
    // He holds an agent authorisation addressed to that name and ID number (L2 suffices for that).
    const rep = await registerFixture(w.c, '吴刚');
    await raiseTo(w.c, rep.personId, rep.fixture, 'L3');
    const { enterprise, claimId } = await w.c.enterprises.claim(rep.personId, { creditCode: '91370102MA3C8L2K0Q', name: '济南泉城软件服务有限公司' });
    await w.c.enterprises.verifyClaim(claimId, 'cli', 'DESK-0');
    const grant = await w.c.delegations.grant(rep.personId, enterprise.id, {
      agentName: squatter.fixture.name, agentIdNumber: squatter.fixture.idNumber, allPlatforms: true, platforms: [], expiresAt: new Date(Date.now() + 86_400_000),
    });
    await w.c.delegations.accept(squatter.personId, grant);
    expect(await w.c.actingRoles.rolesFor(squatter.personId, platform.clientId)).toMatchObject([{ role: 'agent' }]);

    const real = await realPerson('张伟');
    expect(real.page.status).toBe(200);
    expect(real.page.html).toContain('三级（人脸识别或银行卡核验）');
    expect(real.page.html).toContain('/reclaim/check/face');
    expect(real.page.html).toContain('/reclaim/check/bank_card');
    const proven = await uploadSelfie(real.agent, real.page, selfieOf(real.fixture.faceToken));
    expect(messageOf(proven)).toContain('身份核验通过');
    const done = (await real.agent.submit(proven, '/reclaim/complete', { password: OWNER_PASSWORD, passwordConfirm: OWNER_PASSWORD })) as Page;
    expect(done.status).toBe(200);
    expect(done.html).toContain('账号已找回');

    // The squatter: back-channel logout, refresh token revoked, old password useless everywhere.
    const logouts = await receiver.tokensFor(w.server.issuer, platform.clientId);
    expect(logouts).toContainEqual(expect.objectContaining({ sid: squatterTokens.claims()!.sid, events: { [BACKCHANNEL_EVENT]: {} } }));
    await expect(oidc.refreshTokenGrant(platform.config, squatterTokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect(await canLogIn(squatter.phone, squatter.password)).toBe(false);
    expect(await canLogIn(squatter.fixture.idNumber, squatter.password)).toBe(false);
    expect(await w.c.models.sessionsOf(squatter.personId)).toHaveLength(0);
    // His agent authorisation is suspended until the representative confirms it again.
    expect((await w.c.db.knex('delegations').where({ id: grant }).first()).status).toBe('suspended');
    expect(await w.c.actingRoles.rolesFor(squatter.personId, platform.clientId)).toEqual([]);
    // The old phone got the notice; the new holder's number is not in it.
    const notice = await w.admin.lastSms(squatter.phone);
    expect(notice).toMatchObject({ templateId: 'account_reclaimed', params: { level: 'L3' } });
    expect(JSON.stringify(notice)).not.toContain(real.phone);

    // The real person logs in with the new phone and password and holds L3 (same account, same sub).
    const start = await platform.authorize();
    const tokens = await platform.finish(await loginThrough(ua(), start.url, real.phone, OWNER_PASSWORD), start);
    expect(tokens.claims()).toMatchObject({ acr: 'urn:yihao:loa:3', assurance_level: 'L3', sub: squatterTokens.claims()!.sub });
    expect((await w.c.persons.get(squatter.personId))!.phoneVerifiedAt).toBeInstanceOf(Date);
    const kinds = await w.c.db.knex('verification_evidence').where({ subject_person_id: squatter.personId, result: 'match' }).whereNot({ kind: 'sms' }).pluck('kind');
    expect(kinds.sort()).toEqual(['face', 'population', 'population']);

    // Audited in full, without the ID number anywhere in the trail.
    const [event] = await reclaimedEvents(squatter.personId);
    expect(event).toMatchObject({ actor: squatter.personId, detail: { method: 'face', level: 'L3', previousLevel: 'L2', suspendedDelegations: 1 } });
    expect(event.detail.phoneFrom).toBe(`${squatter.phone.slice(0, 3)}****${squatter.phone.slice(-4)}`);
    const trail = JSON.stringify(await w.c.db.knex('audit_events').select('actor', 'target', 'detail'));
    expect(trail).not.toContain(squatter.fixture.idNumber);
    expect(trail).toContain('"reason":"account_reclaimed"');

    // Reclaiming back with only L3 is refused: the page offers no check, and a forged one is not run.
    await w.c.db.knex('rate_limits').delete(); // a while later: his number may be sent a code again
    const back = ua();
    const told = await toldRegistered(w, back, platform, '张伟', squatter.phone);
    const backPage = await openReclaim(back, told.page);
    expect(backPage.html).toContain('id="counter-only"');
    expect(backPage.html).not.toContain('/reclaim/check/');
    const before = await faceCalls();
    const forged = await uploadSelfie(back, forgedFaceForm(told.page), selfieOf(real.fixture.faceToken));
    expect(forged.status).toBe(403);
    expect(messageOf(forged)).toContain('只能携带身份证件到政务服务大厅窗口办理');
    expect(await faceCalls()).toBe(before);
    expect(await canLogIn(real.phone, OWNER_PASSWORD)).toBe(true);
    expect(await reclaimedEvents(squatter.personId)).toHaveLength(1);
  });
});

describe('single use, refusals, outages, throttles', () => {
  it('two parallel completions of one proven reclaim: exactly one wins', async () => {
    const squatter = await squat(w, ua(), platform, '李娜');
    const real = await realPerson('李娜');
    const card = real.fixture.bankCards[0]!;
    const proven = (await real.agent.submit(real.page, '/reclaim/check/bank_card', { cardNumber: card.number, mobile: card.reservedMobile })) as Page;
    expect(messageOf(proven)).toContain('身份核验通过');
    const fields = { password: OWNER_PASSWORD, passwordConfirm: OWNER_PASSWORD };
    const results = (await Promise.all([real.agent.submit(proven, '/reclaim/complete', fields), real.agent.submit(proven, '/reclaim/complete', fields)])) as Page[];
    expect(results.map((r) => r.status).sort()).toEqual([200, 400]);
    expect(results.find((r) => r.status === 400)!.html).toContain('账号找回已过期或已完成');
    expect(await reclaimedEvents(squatter.personId)).toHaveLength(1);
    expect(await w.c.db.knex('account_reclaims').where({ person_id: squatter.personId }).pluck('level')).toEqual(['L3']);
    expect(await canLogIn(real.phone, OWNER_PASSWORD)).toBe(true);
    expect((await reclaimedEvents(squatter.personId))[0].detail.method).toBe('bank_card');
  });

  it('a wrong or missing proof changes nothing; forged tickets, foreign origins and missing CSRF are refused', async () => {
    const squatter = await squat(w, ua(), platform, '王芳');
    const real = await realPerson('王芳');
    const wrongFace = await uploadSelfie(real.agent, real.page, selfieOf('FACE-TPL-ZW-5c1e'));
    expect(messageOf(wrongFace)).toContain('照片与证件照片不一致');
    const wrongCard = (await real.agent.submit(wrongFace, '/reclaim/check/bank_card', { cardNumber: '6222021500000000016' })) as Page;
    expect(messageOf(wrongCard)).toContain('核验未通过');
    // No proof: no password can be set.
    const early = await real.agent.page(wrongCard.url.replace(/\/check\/bank_card$/, '/complete'), {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...hiddenOf(wrongCard), password: OWNER_PASSWORD, passwordConfirm: OWNER_PASSWORD }),
    });
    expect(early.status).toBe(409);
    expect(messageOf(early)).toContain('请先完成身份核验');
    expect(await canLogIn(squatter.phone, squatter.password)).toBe(true);
    expect(await reclaimedEvents(squatter.personId)).toHaveLength(0);
    // A made-up ticket, or one of another login page: the same "expired" answer as a stale one.
    const reclaimUrl = wrongCard.url.replace(/\/check\/bank_card$/, '');
    const post = (fields: Record<string, string>, headers: Record<string, string> = {}) => real.agent.page(reclaimUrl, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(fields),
    });
    const forged = await post({ ...hiddenOf(wrongCard), ticket: '8f0c2b8e-1f7a-4c1e-9d3b-2a6f5e4d3c2b' });
    expect(forged.status).toBe(400);
    expect(forged.html).toContain('账号找回已过期或已完成');
    const other = await realPerson('王芳'); // told again (2 of 3 a day), in another browser
    const foreignTicket = hiddenOf(other.page).ticket!;
    expect((await post({ ...hiddenOf(wrongCard), ticket: foreignTicket })).status).toBe(400);
    expect((await post(hiddenOf(wrongCard), { origin: 'https://evil.example' })).status).toBe(403);
    expect((await post({ ticket: hiddenOf(wrongCard).ticket! })).status).toBe(403);
    // Failed checks are audited by kind and reason, naming the account only.
    const failed = await w.c.db.knex('audit_events').where({ action: 'reclaim.check_failed', target: squatter.personId }).pluck('detail');
    expect(failed.map((d: { kind: string }) => d.kind)).toEqual(['face', 'bank_card']);
  });

  it('a channel outage fails closed with "try again later"; once it is back the reclaim goes through', async () => {
    const squatter = await squat(w, ua(), platform, '刘洋');
    const real = await realPerson('刘洋');
    await w.admin.setFault({ kind: 'face', mode: 'down' });
    const down = await uploadSelfie(real.agent, real.page, selfieOf(real.fixture.faceToken));
    expect(down.status).toBe(503);
    expect(messageOf(down)).toContain('核验服务暂时不可用，请稍后重试');
    expect(down.html).not.toContain('/reclaim/complete');
    expect(await canLogIn(squatter.phone, squatter.password)).toBe(true);
    await w.admin.reset();
    const proven = await uploadSelfie(real.agent, down, selfieOf(real.fixture.faceToken));
    expect(proven.html).toContain('/reclaim/complete');
  });

  it('reclaim checks are throttled per phone and per ID number', async () => {
    await squat(w, ua(), platform, '陈静');
    const real = await realPerson('陈静');
    let page = real.page;
    for (let i = 0; i < 5; i++) {
      page = await uploadSelfie(real.agent, page, selfieOf('FACE-TPL-ZW-5c1e', String(i)));
      expect(page.status).toBe(200);
      expect(messageOf(page)).toContain('照片与证件照片不一致');
    }
    const before = await faceCalls();
    const spent = await uploadSelfie(real.agent, page, selfieOf(real.fixture.faceToken));
    expect(spent.status).toBe(429);
    expect(messageOf(spent)).toContain('账号找回尝试次数过多');
    // Another phone, same ID number: still spent (the count is per ID number too).
    const second = await realPerson('陈静');
    const alsoSpent = await uploadSelfie(second.agent, second.page, selfieOf(second.fixture.faceToken));
    expect(alsoSpent.status).toBe(429);
    expect(await faceCalls()).toBe(before);
  });
});

/** The hidden fields of the page's first form that carries a ticket. */
function hiddenOf(page: Page): Record<string, string> {
  const form = [...page.html.matchAll(/<form[^>]*>([\s\S]*?)<\/form>/g)].find((f) => f[1]!.includes('name="ticket"'))!;
  return Object.fromEntries([...form[1]!.matchAll(/<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
}
