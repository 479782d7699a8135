import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, phonePage, passwordLogin } from '../helpers/chromium.ts';
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
  portal = await startRp(server.container, server.issuer, '交通违法处理平台');
  await server.container.persons.register(citizen);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await portal?.close();
  await server?.stop();
});

describe('the account console in a real browser at phone width', () => {
  it('shows the profile, withdraws a consent, changes the password after logging in again, logs out', async () => {
    const { context, page, cspViolations } = await phonePage(browser);

    // A platform first (with consent), then the console opens through single sign-on.
    await page.goto(`${portal.url}/login`);
    await passwordLogin(page, citizen.idNumber, citizen.password);
    await page.getByRole('button', { name: '同意并继续' }).click();
    await expect.poll(() => page.locator('#welcome').textContent()).toContain('交通违法处理平台');

    await page.goto(`${server.issuer}/account`);
    await expect.poll(() => page.locator('h1').textContent()).toBe('个人中心');
    const body = (await page.locator('main').textContent())!;
    expect(body).toContain(`${citizen.idNumber.slice(0, 4)}**********${citizen.idNumber.slice(-4)}`);
    expect(await page.content()).not.toContain(citizen.idNumber);
    expect(await fitsWidth(page)).toBe(true);

    // Withdraw the platform's consent.
    const consents = page.locator('#consents');
    await expect.poll(() => consents.textContent()).toContain('交通违法处理平台');
    await consents.getByRole('button', { name: '撤销授权' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('已撤销授权');
    expect(await page.locator('#consents').textContent()).not.toContain('交通违法处理平台');
    await expect.poll(() => page.locator('#sessions .badge').textContent()).toBe('当前会话');

    // Password change through a fresh login (the link the page offers when the login is not recent).
    await page.goto(`${server.issuer}/account/login?to=/account/password&fresh=1`);
    await passwordLogin(page, citizen.idNumber, citizen.password);
    await expect.poll(() => page.locator('h1').textContent()).toBe('修改密码');
    expect(await fitsWidth(page)).toBe(true);
    await page.getByLabel('新密码', { exact: true }).fill('abcdefghij');
    await page.getByLabel('确认新密码').fill('abcdefghij');
    await page.getByRole('button', { name: '确认修改' }).click();
    await expect.poll(() => page.locator('.field-error').textContent()).toContain('密码过于简单');
    await page.getByLabel('新密码', { exact: true }).fill('Qing-Ming-2026!');
    await page.getByLabel('确认新密码').fill('Qing-Ming-2026!');
    await page.getByRole('button', { name: '确认修改' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('密码已修改');

    // English, still at phone width.
    await page.goto(`${server.issuer}/account?lang=en`);
    await expect.poll(() => page.locator('h1').textContent()).toBe('My account');
    expect(await fitsWidth(page)).toBe(true);

    // Log out through the provider's logout page, back to the console.
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('button', { name: 'Log out' }).click(); // the provider's confirmation
    await expect.poll(() => page.getByRole('status').textContent()).toBe('You have logged out.');
    expect(cspViolations).toEqual([]);
    await context.close();
  });
});
