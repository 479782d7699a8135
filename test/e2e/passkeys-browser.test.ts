/**
 * Passkeys in a real browser: chromium with a virtual authenticator (DevTools protocol) stands in
 * for the phone's fingerprint. Add a passkey on the account page, log out, log in usernameless
 * at a platform that needs strength 3, then a password login at that platform stepped up with
 * the passkey, then remove it. The issuer is http://localhost:<port>: WebAuthn needs a domain
 * (not an IP address) as the relying party ID, and treats localhost as a secure context.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium, phonePage, passwordLogin } from '../helpers/chromium.ts';
import { freePort } from '../helpers/env.ts';
import { person } from '../helpers/identities.ts';
import { startRp, type RpServer } from '../helpers/rp-server.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let browser: Browser;
let platform: RpServer;
const citizen = person();

beforeAll(async () => {
  const port = await freePort();
  server = await startTestServer({ PORT: String(port), ISSUER: `http://localhost:${port}` });
  platform = await startRp(server.container, server.issuer, '不动产登记平台', { minimum_aal: 3 });
  await server.container.persons.register(citizen);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await platform?.close();
  await server?.stop();
});

async function withAuthenticator(context: BrowserContext, page: Page) {
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
  });
  return { cdp, authenticatorId };
}

/** The platform's page after the login: the ID token's claims it shows. */
async function platformClaims(page: Page): Promise<Record<string, unknown>> {
  await page.locator('#claims').waitFor();
  return (JSON.parse((await page.locator('#claims').textContent())!) as { id: Record<string, unknown> }).id;
}

async function consentIfAsked(page: Page) {
  const allow = page.getByRole('button', { name: '同意并继续' });
  await allow.or(page.locator('#claims')).waitFor();
  if (await allow.count()) await allow.click();
}

describe.skipIf(!hasChromium)('passkeys in a real browser at phone width', () => {
  it('adds a passkey, logs in usernameless with it (strength 3), steps up a password login with it, removes it', { timeout: 90_000 }, async () => {
    const { context, page, cspViolations } = await phonePage(browser);
    const { cdp, authenticatorId } = await withAuthenticator(context, page);

    // 1. The account page: log in with the password, add a passkey.
    await page.goto(`${server.issuer}/account`);
    await passwordLogin(page, citizen.idNumber, citizen.password);
    await expect.poll(() => page.locator('h1').textContent()).toBe('个人中心');
    await page.getByRole('link', { name: '管理通行密钥' }).click();
    await page.getByLabel('名称').fill('我的手机');
    await page.getByRole('button', { name: '添加通行密钥' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toBe('通行密钥已添加。');
    await expect.poll(() => page.locator('.passkey-name').allTextContents()).toEqual(['我的手机']);
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials).toHaveLength(1);
    expect(credentials[0]!.isResidentCredential).toBe(true);
    expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);

    // 2. Log out of Yihao altogether.
    await page.goto(`${server.issuer}/account`);
    await page.getByRole('button', { name: '退出登录' }).click();
    await page.getByRole('button', { name: '退出' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toBe('您已退出登录。');

    // 3. The platform needs strength 3: log in with the passkey alone, no identifier typed.
    await page.goto(`${platform.url}/login`);
    await page.getByRole('button', { name: '使用通行密钥登录' }).click();
    await consentIfAsked(page);
    const claims = await platformClaims(page);
    expect(claims.acr).toBe('urn:yihao:loa:1:aal:3');
    expect(['hwk', 'swk']).toContain((claims.amr as string[])[0]);
    expect(claims.amr).toHaveLength(1);

    // 4. A password login at the same platform: the passkey is asked for as the step-up.
    await context.clearCookies();
    await page.goto(`${platform.url}/login`);
    await passwordLogin(page, citizen.idNumber, citizen.password);
    await expect.poll(() => page.locator('h1').textContent()).toBe('需要进一步验证');
    await page.getByRole('link', { name: '通行密钥' }).click();
    await page.getByRole('button', { name: '使用通行密钥验证' }).click();
    await consentIfAsked(page);
    const stepped = await platformClaims(page);
    expect(stepped.acr).toBe('urn:yihao:loa:1:aal:3');
    expect(stepped.amr).toEqual(expect.arrayContaining(['pwd', 'mfa']));
    expect((stepped.amr as string[]).some((m) => m === 'hwk' || m === 'swk')).toBe(true);

    // 5. Remove it: the login just made is recent enough.
    await page.goto(`${server.issuer}/account/passkeys`);
    await page.getByRole('button', { name: '删除' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toBe('通行密钥已删除。');
    await expect.poll(() => page.locator('.passkey-name').count()).toBe(0);

    expect(cspViolations).toEqual([]);
    await context.close();
  });
});
