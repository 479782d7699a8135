/** SMS-code login in a real browser, at phone width: login page → number → code from the outbox → the platform. */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/chromium.ts';
import { person } from '../helpers/identities.ts';
import { startRp, type RpServer } from '../helpers/rp-server.ts';
import { addChannel, startVerificationWorld, type VerificationWorld } from '../helpers/verification.ts';

let w: VerificationWorld;
let browser: Browser;
let portal: RpServer;

beforeAll(async () => {
  w = await startVerificationWorld();
  await addChannel(w, 'sms', 'sms-a');
  portal = await startRp(w.c, w.server.issuer, '政务服务网', { first_party: true });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await portal?.close();
  await w?.stop();
});

describe('SMS-code login in a real browser', () => {
  it('logs in with a code texted to the proven mobile number', async () => {
    const citizen = person();
    const { personId } = await w.c.persons.register(citizen) as { personId: string };
    await w.c.persons.markPhoneVerified(personId);
    const context = await browser.newContext({ viewport: { width: 375, height: 740 }, locale: 'zh-CN' });
    const page = await context.newPage();

    await page.goto(`${portal.url}/login`);
    await page.getByRole('link', { name: '短信验证码登录' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('短信验证码登录');
    await page.getByLabel('手机号码').fill(citizen.phone);
    await page.getByRole('button', { name: '获取验证码' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain(`${citizen.phone.slice(0, 3)}****${citizen.phone.slice(-4)}`);
    expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);

    let code: string | undefined;
    await expect.poll(async () => (code = (await w.admin.lastSms(citizen.phone))?.params.code)).toMatch(/^\d{6}$/);
    await page.getByLabel('短信验证码').fill(code!);
    await page.getByRole('button', { name: '登录' }).click();
    await expect.poll(() => page.locator('#welcome').textContent()).toBe(`政务服务网: ${citizen.name}`);
    const claims = JSON.parse((await page.locator('#claims').textContent())!) as { id: { amr: string[] } };
    expect(claims.id.amr).toEqual(['sms']);
    await context.close();
  });
});
