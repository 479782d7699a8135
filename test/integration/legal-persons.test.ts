import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserAgent, type Page } from '../helpers/browser.ts';
import { person } from '../helpers/identities.ts';
import { raiseTo } from '../helpers/assurance.ts';
import { registerPlatform, type Platform } from '../helpers/platform.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let portal: Platform; // asks for scope entity
let other: Platform;
const rep = person();
const agent = { ...person(), name: '李经办' };
const newRep = person();
const stranger = person();
const ids: Record<string, string> = {};
// 91 (industry & commerce, enterprise) + 350100 + organisation code M000100Y4 → known valid.
const creditCode = '91350100M000100Y43';

async function loginAs(p: Platform, who: { idNumber: string; password: string }, params: Record<string, string> = {}) {
  const ua = new UserAgent(server.issuer);
  const start = await p.authorize({ scope: 'openid profile entity', ...params });
  const login = await ua.page(start.url);
  const next = await ua.submit(login, '/login', { identifier: who.idNumber, password: who.password });
  return { ua, start, next };
}

async function through(ua: UserAgent, step: Page | { redirect: string }, choice?: string): Promise<string> {
  let current = step;
  for (let i = 0; i < 4 && !('redirect' in current); i++) {
    if (current.html.includes('/confirm')) current = await ua.submit(current, '/confirm');
    else if (current.html.includes('/entity')) current = await ua.submit(current, '/entity', { entity: choice ?? 'self' });
    else throw new Error(`unexpected page ${current.status}: ${current.html.slice(0, 300)}`);
  }
  return (current as { redirect: string }).redirect;
}

beforeAll(async () => {
  server = await startTestServer();
  portal = await registerPlatform(server.container, server.issuer, { client_name: '企业开办平台' });
  other = await registerPlatform(server.container, server.issuer, { client_name: '其他平台' });
  for (const [k, p] of Object.entries({ rep, agent, newRep, stranger })) {
    const r = await server.container.persons.register(p);
    if (!r.ok || !r.personId) throw new Error('seed failed');
    ids[k] = r.personId;
  }
  // Acting for an enterprise needs L3 (representatives) and L2 (agents); the stranger stays at L1.
  await raiseTo(server.container, ids.rep!, rep, 'L3');
  await raiseTo(server.container, ids.newRep!, newRep, 'L3');
  await raiseTo(server.container, ids.agent!, agent, 'L2');
});
afterAll(() => server?.stop());

describe('legal persons and agents', () => {
  let enterpriseId: string;
  let delegationId: string;

  it('keeps a representative claim pending until it is verified', async () => {
    const { enterprise, claimId } = await server.container.enterprises.claim(ids.rep!, { creditCode: creditCode.toLowerCase(), name: '福州示例科技有限公司' });
    enterpriseId = enterprise.id;
    expect(enterprise.credit_code).toBe(creditCode);
    expect(await server.container.actingRoles.rolesFor(ids.rep!, portal.clientId)).toEqual([]);
    await expect(server.container.enterprises.claim(ids.rep!, { creditCode, name: '福州示例科技有限公司' })).rejects.toMatchObject({ code: 'enterprise.claim_pending' });
    await expect(server.container.enterprises.claim(ids.rep!, { creditCode: '91350100M000100Y44', name: 'x公司' })).rejects.toMatchObject({ code: 'credit_code.checksum' });

    const decision = await server.container.enterprises.verifyClaim(claimId, 'operator', 'counter-001');
    expect(decision).toMatchObject({ status: 'verified', representativeChanged: false });
    expect(await server.container.actingRoles.rolesFor(ids.rep!, portal.clientId)).toMatchObject([{ creditCode, role: 'legal_representative' }]);
  });

  it('lets the representative log in as the enterprise; the ID token and userinfo carry it', async () => {
    const { ua, start, next } = await loginAs(portal, rep);
    const choice = await through(ua, next, enterpriseId);
    const tokens = await portal.finish(choice, start);
    const expected = { credit_code: creditCode, name: '福州示例科技有限公司', role: 'legal_representative' };
    expect(tokens.claims()!.entity).toEqual(expected);
    expect((await oidc.fetchUserInfo(portal.config, tokens.access_token, tokens.claims()!.sub)).entity).toEqual(expected);
  });

  it('lets an authorised agent act for the enterprise at the named platform only', async () => {
    delegationId = await server.container.delegations.grant(ids.rep!, enterpriseId, {
      agentName: agent.name, agentIdNumber: agent.idNumber, allPlatforms: false, platforms: [portal.clientId], expiresAt: new Date(Date.now() + 86_400_000),
    });
    // Not yet accepted: no role.
    expect(await server.container.actingRoles.rolesFor(ids.agent!, portal.clientId)).toEqual([]);
    await expect(server.container.delegations.accept(ids.stranger!, delegationId)).rejects.toMatchObject({ code: 'delegation.not_addressed' });
    await server.container.delegations.accept(ids.agent!, delegationId);

    const { ua, start, next } = await loginAs(portal, agent);
    expect('html' in next && (next as Page).html.includes('/confirm')).toBe(true);
    const entityStep = await ua.submit(next as Page, '/confirm');
    expect((entityStep as Page).html).toContain('福州示例科技有限公司');
    expect((entityStep as Page).html).toContain('经办人');
    const tokens = await portal.finish(await through(ua, entityStep, enterpriseId), start);
    expect(tokens.claims()!.entity).toEqual({ credit_code: creditCode, name: '福州示例科技有限公司', role: 'agent', grant_id: delegationId });

    // Another platform: the agent holds no role there, so no choice is offered and no entity is released.
    const elsewhere = await loginAs(other, agent);
    const cb = await through(elsewhere.ua, elsewhere.next);
    expect((await other.finish(cb, elsewhere.start)).claims()!.entity).toBeUndefined();
  });

  it('refuses a forged choice of an enterprise the person cannot act for', async () => {
    const { ua, next } = await loginAs(portal, stranger);
    const consent = await ua.submit(next as Page, '/confirm');
    expect('redirect' in consent).toBe(true); // no roles → no entity page
    const second = await loginAs(portal, agent);
    const page = await second.ua.submit(second.next as Page, '/confirm');
    await server.container.delegations.revoke(ids.rep!, delegationId);
    const forged = await second.ua.submit(page as Page, '/entity', { entity: enterpriseId });
    expect((forged as Page).status).toBe(403);
    expect((forged as Page).html).toContain('无权代表');
  });

  it('stops releasing the entity once the grant is revoked, even for tokens already issued', async () => {
    const grant = await server.container.delegations.grant(ids.rep!, enterpriseId, {
      agentName: agent.name, agentIdNumber: agent.idNumber, allPlatforms: true, platforms: [], expiresAt: new Date(Date.now() + 86_400_000),
    });
    await server.container.delegations.accept(ids.agent!, grant);
    const { ua, start, next } = await loginAs(portal, agent);
    const tokens = await portal.finish(await through(ua, next, enterpriseId), start);
    expect(tokens.claims()!.entity).toMatchObject({ grant_id: grant });
    await server.container.delegations.resign(ids.agent!, grant);
    expect((await oidc.fetchUserInfo(portal.config, tokens.access_token, tokens.claims()!.sub)).entity).toBeUndefined();
  });

  it('suspends agents when the representative changes, until the new one confirms them', async () => {
    const grant = await server.container.delegations.grant(ids.rep!, enterpriseId, {
      agentName: agent.name, agentIdNumber: agent.idNumber, allPlatforms: true, platforms: [], expiresAt: new Date(Date.now() + 86_400_000),
    });
    await server.container.delegations.accept(ids.agent!, grant);
    const { claimId } = await server.container.enterprises.claim(ids.newRep!, { creditCode, name: '福州示例科技有限公司' });
    const decision = await server.container.enterprises.verifyClaim(claimId, 'operator', 'counter-002');
    expect(decision.representativeChanged).toBe(true);
    expect(decision.suspendedDelegations).toContain(grant);
    expect(await server.container.actingRoles.rolesFor(ids.agent!, portal.clientId)).toEqual([]);
    expect(await server.container.actingRoles.rolesFor(ids.rep!, portal.clientId)).toEqual([]); // no longer representative
    await expect(server.container.delegations.confirm(ids.rep!, grant)).rejects.toMatchObject({ code: 'delegation.not_representative' });
    await server.container.delegations.confirm(ids.newRep!, grant);
    expect(await server.container.actingRoles.rolesFor(ids.agent!, portal.clientId)).toMatchObject([{ role: 'agent', delegationId: grant }]);
  });

  it('refuses grants with a past expiry, to oneself, or by someone who is not the representative', async () => {
    const base = { agentName: agent.name, agentIdNumber: agent.idNumber, allPlatforms: true, platforms: [] };
    await expect(server.container.delegations.grant(ids.newRep!, enterpriseId, { ...base, expiresAt: new Date(Date.now() - 1000) })).rejects.toMatchObject({ code: 'delegation.expiry_past' });
    await expect(server.container.delegations.grant(ids.newRep!, enterpriseId, { ...base, agentName: newRep.name, agentIdNumber: newRep.idNumber, expiresAt: new Date(Date.now() + 1e6) })).rejects.toMatchObject({ code: 'delegation.self' });
    await expect(server.container.delegations.grant(ids.stranger!, enterpriseId, { ...base, expiresAt: new Date(Date.now() + 1e6) })).rejects.toMatchObject({ code: 'delegation.not_representative' });
  });
});

describe('subjects and the id_number scope', () => {
  it('gives pairwise subjects per sector, and the public one only to platforms configured for it', async () => {
    const localhost = await registerPlatform(server.container, server.issuer, { redirect_uris: ['http://localhost:9/cb'] });
    const pub = await registerPlatform(server.container, server.issuer, { subject_type: 'public' });
    const subs: string[] = [];
    for (const p of [portal, other, pub]) {
      const { ua, start, next } = await loginAs(p, stranger, { scope: 'openid' });
      subs.push((await p.finish(await through(ua, next), start)).claims()!.sub);
    }
    const { ua, next } = await loginAs(localhost, stranger, { scope: 'openid', redirect_uri: 'http://localhost:9/cb' });
    const code = new URL(await through(ua, next)).searchParams.get('code');
    expect(code).toBeTruthy();
    expect(subs[0]).toBe(subs[1]); // same sector (127.0.0.1)
    expect(subs[2]).toBe(ids.stranger); // public
    expect(subs[0]).not.toBe(ids.stranger);
    expect(subs.join()).not.toContain(stranger.idNumber);
  });

  it('refuses the id_number scope to platforms not permitted it, and ignores a claims-parameter request', async () => {
    const started = await portal.authorize({ scope: 'openid id_number' });
    const res = await fetch(started.url, { redirect: 'manual' });
    expect(new URL(res.headers.get('location')!).searchParams.get('error')).toBe('invalid_scope');

    const { ua, start, next } = await loginAs(other, rep, { scope: 'openid', claims: JSON.stringify({ userinfo: { id_number: null }, id_token: { id_number: null } }) });
    const tokens = await other.finish(await through(ua, next), start);
    expect(tokens.claims()!.id_number).toBeUndefined();
    expect((await oidc.fetchUserInfo(other.config, tokens.access_token, tokens.claims()!.sub)).id_number).toBeUndefined();
  });

  it('releases the full ID number to a permitted platform only after explicit consent, even when first-party', async () => {
    const permitted = await registerPlatform(server.container, server.issuer, { scope: 'openid profile id_number', first_party: true });
    const { ua, start, next } = await loginAs(permitted, rep, { scope: 'openid id_number' });
    expect((next as Page).html).toContain('完整身份证号码');
    const tokens = await permitted.finish(await through(ua, next), start);
    expect((await oidc.fetchUserInfo(permitted.config, tokens.access_token, tokens.claims()!.sub)).id_number).toBe(rep.idNumber);
  });
});
