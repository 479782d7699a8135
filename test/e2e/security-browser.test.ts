/**
 * /account/security in a real browser at phone width: set up the authenticator from the page
 * (the key read off the page, the code computed as an app would), generate recovery codes, then
 * log in to a platform that requires a second factor with the app.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, phonePage, passwordLogin } from '../helpers/chromium.ts';
import { awaitFreshStep, codeAt } from '../helpers/factors.ts';
import { person } from '../helpers/identities.ts';
import { startRp, type RpServer } from '../helpers/rp-server.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let browser: Browser;
let portal: RpServer;
const citizen = person();

const fitsWidth = (page: Page) => page.evaluate('document.documentElement.scrollWidth <= window.innerWidth');

beforeAll(async () => {
  server = await startTestServer();
  portal = await startRp(server.container, server.issuer, '不动产登记平台', { first_party: true, minimum_aal: 2 });
  await server.container.persons.register(citizen);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await portal?.close();
  await server?.stop();
});

describe('security settings in a real browser at phone width', () => {
  it('sets up the authenticator app, generates recovery codes, and passes the second factor at a platform', async () => {
    const { context, page, cspViolations } = await phonePage(browser);

    await page.goto(`${server.issuer}/account`);
    await passwordLogin(page, citizen.idNumber, citizen.password);
    await expect.poll(() => page.locator('h1').textContent()).toBe('个人中心');
    await page.getByRole('link', { name: /安全设置/ }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('安全设置');
    expect(await fitsWidth(page)).toBe(true);

    await page.getByRole('button', { name: '设置验证器应用' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('设置验证器应用');
    const qr = page.getByRole('img', { name: '用验证器应用扫描此二维码' });
    expect(await qr.isVisible()).toBe(true);
    const box = (await qr.boundingBox())!;
    expect(box.width).toBeGreaterThan(120);
    expect(await fitsWidth(page)).toBe(true);
    const secret = (await page.locator('#manual-key').textContent())!.replace(/\s/g, '');
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);

    await awaitFreshStep();
    await page.getByLabel('输入应用中显示的 6 位动态码以完成设置').fill(codeAt(secret, 0));
    await page.getByRole('button', { name: '确认并启用' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('验证器应用已设置成功');
    expect(await page.locator('#totp').textContent()).toContain('已启用');

    await page.getByRole('button', { name: '生成恢复码' }).click();
    await expect.poll(() => page.locator('#recovery-code-list li').count()).toBe(10);
    const codes = await page.locator('#recovery-code-list li').allTextContents();
    for (const c of codes) expect(c.trim()).toMatch(/^[2-9A-Z]{5}-[2-9A-Z]{5}$/);
    expect(await fitsWidth(page)).toBe(true);
    await page.getByRole('link', { name: '我已保存，返回安全设置' }).click();
    await expect.poll(() => page.locator('#codes-left').textContent()).toContain('剩余 10 个可用恢复码');

    // The platform requires a second factor: the SSO session (password only) is not enough.
    await page.goto(`${portal.url}/login`);
    await expect.poll(() => page.locator('h1').textContent()).toBe('需要进一步验证');
    await page.getByRole('link', { name: '验证器应用' }).click();
    await page.getByLabel('6 位动态码').fill(codeAt(secret, 1));
    await page.getByRole('button', { name: '验证' }).click();
    await expect.poll(() => page.locator('#welcome').textContent()).toContain('不动产登记平台');
    const claims = JSON.parse((await page.locator('#claims').textContent())!) as { id: { amr: string[]; acr: string } };
    expect(claims.id.amr).toEqual(expect.arrayContaining(['pwd', 'otp', 'mfa']));
    expect(cspViolations).toEqual([]);
    await context.close();
  });
});
