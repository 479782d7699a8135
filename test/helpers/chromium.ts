/** Debian's chromium driven by playwright-core (no browser download). */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A page at phone width in Chinese, collecting any Content-Security-Policy violation. */
export async function phonePage(browser: Browser): Promise<{ context: BrowserContext; page: Page; cspViolations: string[] }> {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'zh-CN' });
  const page = await context.newPage();
  const cspViolations: string[] = [];
  page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text()); });
  return { context, page, cspViolations };
}

/** Fills the login page's password form and submits it (the Chinese page). */
export async function passwordLogin(page: Page, identifier: string, password: string): Promise<void> {
  await page.getByLabel('身份证号码或手机号').fill(identifier);
  await page.getByLabel('密码', { exact: true }).fill(password);
  await page.getByRole('button', { name: '登录', exact: true }).click();
}
