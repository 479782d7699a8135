/**
 * Acting for an enterprise needs identity assurance: claiming to be its legal representative
 * needs L3 before the business registry is asked (else knowing a representative's name and ID
 * number would be enough to become them), accepting an agent authorisation needs L2.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { raiseTo } from '../helpers/assurance.ts';
import { consoleLogin, section } from '../helpers/account.ts';
import { UserAgent, type Page } from '../helpers/browser.ts';
import { addChannel, registerFixture, startVerificationWorld, type VerificationWorld } from '../helpers/verification.ts';

let w: VerificationWorld;
const QINGCHENG = { creditCode: '91150102MA0N3C5D54', name: '呼和浩特青城数字科技有限公司' };

beforeAll(async () => {
  w = await startVerificationWorld();
  await addChannel(w, 'business_registry', 'registry-a');
});
afterAll(() => w?.stop());

const notice = (p: Page) => /<p class="notice" role="status">([^<]*)<\/p>/.exec(p.html)?.[1] ?? '';
const registryCalls = async () => (await w.admin.requests({ kind: 'business_registry' })).length;

/** Posts a console form that the page does not offer (a forged or stale one), with the page's CSRF token. */
async function post(ua: UserAgent, home: Page, path: string, fields: Record<string, string>): Promise<Page> {
  const csrf = /name="_csrf" value="([^"]+)"/.exec(home.html)![1]!;
  return ua.page(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ ...fields, _csrf: csrf }) });
}

describe('claiming to be a legal representative', () => {
  it('below L3 — even with the representative\'s real name and ID number — is refused before any registry call', async () => {
    // The attacker registered first with the representative's name and ID number (self-asserted, L1),
    // and even got a population match (L2): still not enough.
    const squatter = await registerFixture(w.c, '张伟');
    const ua = new UserAgent(w.server.issuer);
    let home = await consoleLogin(ua, squatter.fixture.idNumber, squatter.password);
    const ent = section(home, 'enterprises');
    expect(ent).toContain('id="claim-level"');
    expect(ent).toContain('href="/account/verify"');
    expect(ent).not.toContain('action="/account/enterprises/claim"');
    const before = await registryCalls();
    for (const level of ['L1', 'L2'] as const) {
      if (level === 'L2') await raiseTo(w.c, squatter.personId, squatter.fixture, 'L2');
      home = await post(ua, home, '/account/enterprises/claim', QINGCHENG);
      expect(notice(home)).toContain('需要更高的实名等级');
      expect(await registryCalls()).toBe(before);
      expect(await w.c.enterprises.claimsOf(squatter.personId)).toEqual([]);
      expect(await w.c.actingRoles.rolesFor(squatter.personId, 'any')).toEqual([]);
    }
    await expect(w.c.enterprises.claim(squatter.personId, QINGCHENG)).rejects.toMatchObject({ code: 'enterprise.assurance_too_low' });

    // At L3 the registry is asked, and it confirms the real representative.
    await raiseTo(w.c, squatter.personId, squatter.fixture, 'L3');
    home = await ua.page('/account');
    expect(section(home, 'enterprises')).not.toContain('id="claim-level"');
    home = (await ua.submit(home, '/account/enterprises/claim', QINGCHENG)) as Page;
    expect(notice(home)).toContain('核验通过');
    expect(await registryCalls()).toBe(before + 1);
  });
});

describe('accepting an agent authorisation', () => {
  it('below L2 is refused; the console shows how to raise the level; at L2 it is accepted', async () => {
    const rep = await registerFixture(w.c, '李娜');
    const agent = await registerFixture(w.c, '刘洋');
    await raiseTo(w.c, rep.personId, rep.fixture, 'L3');
    const { claimId, enterprise } = await w.c.enterprises.claim(rep.personId, { creditCode: '91370102MA3C8L2K0Q', name: '济南泉城软件服务有限公司' });
    await w.c.enterprises.verifyClaim(claimId, 'operator', 'counter-1');
    const grant = await w.c.delegations.grant(rep.personId, enterprise.id, {
      agentName: agent.fixture.name, agentIdNumber: agent.fixture.idNumber, allPlatforms: true, platforms: [], expiresAt: new Date(Date.now() + 86_400_000),
    });

    const ua = new UserAgent(w.server.issuer);
    let home = await consoleLogin(ua, agent.fixture.idNumber, agent.password);
    const ent = section(home, 'enterprises');
    expect(ent).toContain('id="agent-level"');
    expect(ent).toContain('href="/account/verify"');
    home = (await ua.submit(home, `/account/delegations/${grant}/accept`)) as Page;
    expect(notice(home)).toContain('接受经办人授权需要更高的实名等级');
    expect(await w.c.actingRoles.rolesFor(agent.personId, 'any')).toEqual([]);

    await raiseTo(w.c, agent.personId, agent.fixture, 'L2');
    home = await ua.page('/account');
    expect(section(home, 'enterprises')).not.toContain('id="agent-level"');
    home = (await ua.submit(home, `/account/delegations/${grant}/accept`)) as Page;
    expect(notice(home)).toBe('已接受授权');
    expect(await w.c.actingRoles.rolesFor(agent.personId, 'any')).toMatchObject([{ role: 'agent' }]);
  });
});
