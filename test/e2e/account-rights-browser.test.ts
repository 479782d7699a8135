import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, passwordLogin } from '../helpers/chromium.ts';
import { person } from '../helpers/identities.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let browser: Browser;
const citizen = person();

const fitsWidth = (page: Page) => page.evaluate('document.documentElement.scrollWidth <= window.innerWidth');

beforeAll(async () => {
  server = await startTestServer();
  await server.container.persons.register(citizen);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('my data and account in a real browser at phone width', () => {
  it('downloads the data file, asks to close the account, sees the pending closure at the next login and cancels it', async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'zh-CN', acceptDownloads: true });
    const page = await context.newPage();
    const cspViolations: string[] = [];
    page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text()); });

    await page.goto(`${server.issuer}/account`);
    await passwordLogin(page, citizen.idNumber, citizen.password);
    await expect.poll(() => page.locator('h1').textContent()).toBe('个人中心');

    // Download my data: a JSON file with the person's own full ID number.
    await page.locator('#rights').getByRole('link', { name: '下载我的数据' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('下载我的数据');
    expect(await fitsWidth(page)).toBe(true);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: '下载 JSON 文件' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^yihao-personal-data-\d{4}-\d{2}-\d{2}\.json$/);
    const data = JSON.parse(await readFile((await download.path())!, 'utf8'));
    expect(data.profile).toMatchObject({ name: citizen.name, idNumber: citizen.idNumber, phone: citizen.phone });

    // Close my account: confirm, then the page shows when it will happen.
    await page.goto(`${server.issuer}/account`);
    await page.locator('#rights').getByRole('link', { name: '注销账号' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('注销账号');
    expect(await fitsWidth(page)).toBe(true);
    await page.getByRole('button', { name: '申请注销' }).click();
    await expect.poll(() => page.locator('.field-error').textContent()).toContain('请勾选确认');
    await page.getByLabel('我已了解注销的后果').check();
    await page.getByRole('button', { name: '申请注销' }).click();
    await expect.poll(() => page.locator('#closure-pending').textContent()).toContain('账号将于');
    expect(await fitsWidth(page)).toBe(true);

    // Logging in again (another browser) shows the pending closure on the home page; cancel it there.
    const other = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'zh-CN' });
    const second = await other.newPage();
    await second.goto(`${server.issuer}/account`);
    await second.getByLabel('身份证号码或手机号').fill(citizen.idNumber);
    await second.getByLabel('密码', { exact: true }).fill(citizen.password);
    await second.getByRole('button', { name: '登录', exact: true }).click();
    await expect.poll(() => second.locator('#closure-pending').textContent()).toContain('您已申请注销账号');
    expect(await fitsWidth(second)).toBe(true);
    await second.getByRole('button', { name: '撤销注销申请' }).click();
    await expect.poll(() => second.getByRole('status').first().textContent()).toContain('已撤销注销申请');
    expect(await second.locator('#closure-pending').count()).toBe(0);
    expect(cspViolations).toEqual([]);
    await other.close();
    await context.close();
  });
});
