/** Choosing to act for a child or an elderly relative in a real browser (chromium, phone width). */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { birthYearsAgo } from '../helpers/acting-for.ts';
import { launchChromium, passwordLogin } from '../helpers/chromium.ts';
import { idNumber, person } from '../helpers/identities.ts';
import { raiseTo } from '../helpers/assurance.ts';
import { startRp, type RpServer } from '../helpers/rp-server.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let browser: Browser;
let rp: RpServer;
const parent = { ...person(), name: '周家长' };
const child = { name: '周小宝', idNumber: idNumber(birthYearsAgo(7)) };
const grandma = { ...person(), name: '周奶奶' };

beforeAll(async () => {
  server = await startTestServer();
  const c = server.container;
  rp = await startRp(c, server.issuer, '社保服务平台', { first_party: true }, 'openid profile represented_person');
  const p = await c.persons.register(parent);
  const g = await c.persons.register(grandma);
  if (!p.ok || !p.personId || !g.ok || !g.personId) throw new Error('seed failed');
  await raiseTo(c, p.personId, parent, 'L2');
  await c.naturalPersons.guardianships.addWard(p.personId, { ...child, relationship: 'parent' });
  await c.naturalPersons.proxies.grantAtCounter(g.personId, {
    proxyName: parent.name, proxyIdNumber: parent.idNumber, relationship: 'child', platforms: [rp.clientId], expiresAt: new Date(Date.now() + 86_400_000),
  }, { operator: 'desk-1', evidenceRef: 'CNT-1' });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await rp?.close();
  await server?.stop();
});

describe('acting for a natural person, in a real browser', () => {
  it('offers oneself, the child and the grandmother; the platform receives the chosen person', async () => {
    const context = await browser.newContext({ viewport: { width: 375, height: 740 }, locale: 'zh-CN' });
    const page = await context.newPage();
    await page.goto(`${rp.url}/login`);
    await passwordLogin(page, parent.idNumber, parent.password);
    await expect.poll(() => page.locator('h1').textContent()).toBe('选择办事身份');
    expect(await page.getByRole('radio', { name: '以个人身份办理' }).isChecked()).toBe(true);
    expect(await page.getByRole('radio', { name: /周小宝.*父母.*监护人代办.*未满 14 周岁/s }).count()).toBe(1);
    expect(await page.getByRole('radio', { name: /周奶奶.*子女.*亲属代办/s }).count()).toBe(1);
    expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
    await page.getByRole('radio', { name: /周小宝/ }).check();
    await page.getByRole('button', { name: '继续' }).click();
    await expect.poll(() => page.locator('#welcome').textContent()).toBe(`社保服务平台: ${parent.name}`);
    const claims = JSON.parse((await page.locator('#claims').textContent())!);
    expect(claims.id.represented_person).toMatchObject({ name: child.name, basis: 'guardian', relationship: 'parent', age_stage: 'minor_under_14' });
    expect(claims.userinfo.represented_person).toEqual(claims.id.represented_person);
    await context.close();
  });

  it('shows the family page at phone width: the ward, and the grant received', async () => {
    const context = await browser.newContext({ viewport: { width: 375, height: 740 }, locale: 'zh-CN' });
    const page = await context.newPage();
    await page.goto(`${server.issuer}/account/family`);
    await passwordLogin(page, parent.idNumber, parent.password);
    await expect.poll(() => page.locator('h1').textContent()).toBe('家庭与代办');
    expect(await page.locator('#wards li.ward').textContent()).toMatch(/周小宝.*父母.*未满 14 周岁.*有效/s);
    expect(await page.locator('#held .item').textContent()).toContain('周奶奶');
    expect(await page.content()).not.toContain(child.idNumber);
    expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
    if (process.env.SCREENSHOT_DIR) await page.screenshot({ path: `${process.env.SCREENSHOT_DIR}/family.png`, fullPage: true });
    await context.close();
  });
});
