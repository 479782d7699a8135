import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, passwordLogin } from '../helpers/chromium.ts';
import { person } from '../helpers/identities.ts';
import { startRp, type RpServer } from '../helpers/rp-server.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let browser: Browser;
let portal: RpServer;
let tax: RpServer;

beforeAll(async () => {
  server = await startTestServer();
  portal = await startRp(server.container, server.issuer, '政务服务网');
  tax = await startRp(server.container, server.issuer, '电子税务局', { first_party: true });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await Promise.all([portal?.close(), tax?.close()]);
  await server?.stop();
});

describe('in a real browser', () => {
  it('logs in at one platform and signs in silently at a second one', async () => {
    // Registration through the pages (with its SMS code) is registration-browser.test.ts.
    const citizen = person();
    await server.container.persons.register(citizen);
    const context = await browser.newContext({ viewport: { width: 375, height: 740 }, locale: 'zh-CN' }); // phone width
    const page = await context.newPage();

    await page.goto(`${portal.url}/login`);
    await expect.poll(() => page.locator('h1').textContent()).toBe('登录');
    // The layout fits the phone: no horizontal scrolling.
    expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);

    await passwordLogin(page, citizen.idNumber, citizen.password);
    await expect.poll(() => page.locator('h1').textContent()).toBe('授权');
    await page.getByRole('button', { name: '同意并继续' }).click();
    await expect.poll(() => page.locator('#welcome').textContent()).toBe(`政务服务网: ${citizen.name}`);

    // Second platform: no password, no page of ours at all.
    const visited: string[] = [];
    page.on('framenavigated', (f) => visited.push(f.url()));
    await page.goto(`${tax.url}/login`);
    await expect.poll(() => page.locator('#welcome').textContent()).toBe(`电子税务局: ${citizen.name}`);
    expect(visited.some((u) => u.includes('/interaction/'))).toBe(false);
    await context.close();
  });
});
