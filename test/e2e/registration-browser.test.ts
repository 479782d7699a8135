/**
 * Registering in a real browser at phone width, with the real-name check on: the form, the code
 * texted to the phone (sandbox outbox), the account at L2; then the login.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, passwordLogin } from '../helpers/chromium.ts';
import { phone, PASSWORD } from '../helpers/identities.ts';
import { startRp, type RpServer } from '../helpers/rp-server.ts';
import { addChannel, startVerificationWorld, type VerificationWorld } from '../helpers/verification.ts';
import { person as fixture } from '../verification/helpers.ts';

let w: VerificationWorld;
let browser: Browser;
let portal: RpServer;

beforeAll(async () => {
  w = await startVerificationWorld();
  await addChannel(w, 'sms', 'sms-a');
  await addChannel(w, 'population', 'population-a');
  portal = await startRp(w.c, w.server.issuer, '政务服务网', { first_party: true });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await portal?.close();
  await w?.stop();
});

describe('registration in a real browser', () => {
  it('form → code from the text message → account at L2 → login', async () => {
    const f = fixture('吴刚');
    const mobile = phone();
    const context = await browser.newContext({ viewport: { width: 375, height: 740 }, locale: 'zh-CN' });
    const page = await context.newPage();
    await page.goto(`${portal.url}/login`);
    await page.getByRole('link', { name: '没有账号？注册' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('注册个人账号');
    await page.getByLabel('真实姓名').fill(f.name);
    await page.getByLabel('居民身份证号码').fill(f.idNumber);
    await page.getByLabel('手机号码').fill(mobile);
    await page.getByLabel('设置密码').fill(PASSWORD);
    await page.getByLabel('确认密码').fill(PASSWORD);
    expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
    await page.getByRole('button', { name: '注册' }).click();

    await expect.poll(() => page.locator('h1').textContent()).toBe('验证手机号码');
    await expect.poll(() => page.getByRole('status').textContent()).toContain(`${mobile.slice(0, 3)}****${mobile.slice(-4)}`);
    expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
    let code: string | undefined;
    await expect.poll(async () => (code = (await w.admin.lastSms(mobile))?.params.code)).toMatch(/^\d{6}$/);
    await page.getByLabel('短信验证码').fill(code === '000000' ? '111111' : '000000');
    await page.getByRole('button', { name: '完成注册' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('验证码错误或已失效');
    await page.getByLabel('短信验证码').fill(code!);
    await page.getByRole('button', { name: '完成注册' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('注册申请已受理');

    const account = (await w.c.persons.findByIdentifier(f.idNumber))!;
    expect((await w.c.verification.assurance.levelOf(account.id)).level.id).toBe('L2');
    await passwordLogin(page, mobile, PASSWORD);
    await expect.poll(() => page.locator('#welcome').textContent()).toBe(`政务服务网: ${f.name}`);
    await context.close();
  });
});
