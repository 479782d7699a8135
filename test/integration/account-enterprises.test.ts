import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleLogin, section } from '../helpers/account.ts';
import { UserAgent, type Page } from '../helpers/browser.ts';
import { addChannel, registerFixture, startVerificationWorld, type VerificationWorld } from '../helpers/verification.ts';
import { raiseTo } from '../helpers/assurance.ts';

// The enterprise section of the account console, with the business registry answered by the
// sandbox authority over HTTP.
let w: VerificationWorld;
const QINGCHENG = { creditCode: '91150102MA0N3C5D54', name: '呼和浩特青城数字科技有限公司' };

beforeAll(async () => {
  w = await startVerificationWorld();
  await addChannel(w, 'business_registry', 'registry-a');
});
afterAll(() => w?.stop());

const notice = (p: Page) => /<p class="notice" role="status">([^<]*)<\/p>/.exec(p.html)?.[1] ?? '';
const futureDate = () => new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);

describe('account console: enterprises and agents', () => {
  it('verifies a representative claim with the registry, then authorises an agent who accepts', async () => {
    const rep = await registerFixture(w.c, '张伟');
    const agent = await registerFixture(w.c, '李娜');
    await raiseTo(w.c, rep.personId, rep.fixture, 'L3');
    await raiseTo(w.c, agent.personId, agent.fixture, 'L2');
    const ua = new UserAgent(w.server.issuer);
    let home = await consoleLogin(ua, rep.fixture.idNumber, rep.password);
    expect(section(home, 'enterprises')).toContain('认领企业');

    home = (await ua.submit(home, '/account/enterprises/claim', QINGCHENG)) as Page;
    expect(notice(home)).toContain('核验通过');
    const ent = section(home, 'enterprises');
    expect(ent).toContain(QINGCHENG.name);
    expect(ent).toContain('法定代表人');

    home = (await ua.submit(home, '/agents', { agentName: agent.fixture.name, agentIdNumber: agent.fixture.idNumber, scope: 'all', expiresOn: futureDate() })) as Page;
    expect(notice(home)).toContain('已发出授权');
    expect(section(home, 'enterprises')).toContain('待对方接受');
    expect(home.html).not.toContain(agent.fixture.idNumber);

    const agentUa = new UserAgent(w.server.issuer);
    let agentHome = await consoleLogin(agentUa, agent.fixture.idNumber, agent.password);
    expect(section(agentHome, 'enterprises')).toContain(`${QINGCHENG.name} 授权您为经办人`);
    agentHome = (await agentUa.submit(agentHome, '/accept')) as Page;
    expect(notice(agentHome)).toBe('已接受授权');
    expect(section(agentHome, 'enterprises')).toContain('经办人');
    const roles = await w.c.actingRoles.rolesFor(agent.personId, 'any-platform');
    expect(roles).toMatchObject([{ creditCode: QINGCHENG.creditCode, role: 'agent' }]);

    home = await ua.page('/account');
    home = (await ua.submit(home, '/revoke')) as Page;
    expect(notice(home)).toBe('已撤销授权');
    expect(await w.c.actingRoles.rolesFor(agent.personId, 'any-platform')).toEqual([]);
  });

  it('rejects a claim the registry does not confirm, and keeps it pending when the registry is down', async () => {
    const impostor = await registerFixture(w.c, '王芳');
    await raiseTo(w.c, impostor.personId, impostor.fixture, 'L3');
    const ua = new UserAgent(w.server.issuer);
    let home = await consoleLogin(ua, impostor.fixture.idNumber, impostor.password);
    home = (await ua.submit(home, '/account/enterprises/claim', QINGCHENG)) as Page;
    expect(notice(home)).toContain('核验未通过');
    expect(await w.c.actingRoles.rolesFor(impostor.personId, 'x')).toEqual([]);

    await w.admin.setFault({ mode: 'down' });
    home = (await ua.submit(home, '/account/enterprises/claim', { creditCode: '91370102MA3C8L2K0Q', name: '济南泉城软件服务有限公司' })) as Page;
    expect(notice(home)).toContain('核验服务暂时不可用');
    expect(section(home, 'enterprises')).toContain('核验中');
    expect(await w.c.enterprises.pendingClaims('91370102MA3C8L2K0Q')).toHaveLength(1);
    await w.admin.reset();
  });

  it('refuses a forged action on someone else\'s authorisation', async () => {
    const other = await registerFixture(w.c, '刘洋');
    const ua = new UserAgent(w.server.issuer);
    const home = await consoleLogin(ua, other.fixture.idNumber, other.password);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(home.html)?.[1] ?? (() => { throw new Error(`${home.url} ${home.status} ${home.html.slice(0, 1500)}`); })();
    const res = await ua.request('/account/delegations/00000000-0000-0000-0000-000000000000/revoke', {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: csrf }),
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toContain('notice=delegation.not_found');
  });
});
