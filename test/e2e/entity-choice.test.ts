import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, passwordLogin } from '../helpers/chromium.ts';
import { person } from '../helpers/identities.ts';
import { raiseTo } from '../helpers/assurance.ts';
import { startRp, type RpServer } from '../helpers/rp-server.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let browser: Browser;
let rp: RpServer;
const agent = { ...person(), name: '周经办' };

beforeAll(async () => {
  server = await startTestServer();
  rp = await startRp(server.container, server.issuer, '企业开办平台', { first_party: true }, 'openid profile entity');
  const rep = person();
  const r = await server.container.persons.register(rep);
  const a = await server.container.persons.register(agent);
  if (!r.ok || !a.ok) throw new Error('seed failed');
  await raiseTo(server.container, r.personId!, rep, 'L3');
  await raiseTo(server.container, a.personId!, agent, 'L2');
  const { enterprise, claimId } = await server.container.enterprises.claim(r.personId!, { creditCode: '91350100M000100Y43', name: '福州示例科技有限公司' });
  await server.container.enterprises.verifyClaim(claimId, 'operator', 'counter-1');
  const grant = await server.container.delegations.grant(r.personId!, enterprise.id, { agentName: agent.name, agentIdNumber: agent.idNumber, allPlatforms: true, platforms: [], expiresAt: new Date(Date.now() + 86_400_000) });
  await server.container.delegations.accept(a.personId!, grant);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await rp?.close();
  await server?.stop();
});

describe('choosing whom to act for, in a real browser', () => {
  it('lets an agent pick the enterprise; the platform receives it', async () => {
    const context = await browser.newContext({ viewport: { width: 375, height: 740 }, locale: 'zh-CN' });
    const page = await context.newPage();
    await page.goto(`${rp.url}/login`);
    await passwordLogin(page, agent.idNumber, agent.password);
    await expect.poll(() => page.locator('h1').textContent()).toBe('选择办事身份');
    expect(await page.getByRole('radio', { name: '以个人身份办理' }).isChecked()).toBe(true);
    await page.getByRole('radio', { name: /福州示例科技有限公司/ }).check();
    expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
    await page.getByRole('button', { name: '继续' }).click();
    await expect.poll(() => page.locator('#welcome').textContent()).toBe(`企业开办平台: ${agent.name}`);
    const claims = JSON.parse((await page.locator('#claims').textContent())!);
    expect(claims.id.entity).toMatchObject({ credit_code: '91350100M000100Y43', name: '福州示例科技有限公司', role: 'agent' });
    expect(claims.userinfo.entity).toEqual(claims.id.entity);
    await context.close();
  });
});
