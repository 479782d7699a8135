/**
 * Reclaiming a squatted ID number in a real browser at phone width: the real person registers
 * (form, code from the text message), is told the number has an account with the three ways on
 * (log in, forgot password, reclaim), uploads a selfie (a wrong one first), sets a password and
 * logs in to the portal with the new phone at L3. No page breaks its CSP or scrolls sideways.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, passwordLogin, phonePage } from '../helpers/chromium.ts';
import { UserAgent } from '../helpers/browser.ts';
import { phone } from '../helpers/identities.ts';
import { registerPlatform } from '../helpers/platform.ts';
import { OWNER_PASSWORD, squat } from '../helpers/reclaim.ts';
import { startRp, type RpServer } from '../helpers/rp-server.ts';
import { addChannel, selfieOf, startVerificationWorld, type VerificationWorld } from '../helpers/verification.ts';

let w: VerificationWorld;
let browser: Browser;
let portal: RpServer;

beforeAll(async () => {
  w = await startVerificationWorld();
  for (const kind of ['sms', 'population', 'face', 'bank_card'] as const) await addChannel(w, kind, `${kind}-a`);
  portal = await startRp(w.c, w.server.issuer, '政务服务网', { first_party: true });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await portal?.close();
  await w?.stop();
});

const fitsWidth = (page: Page) => page.evaluate('document.documentElement.scrollWidth <= window.innerWidth');
const heading = (page: Page) => page.locator('h1').textContent();

describe('reclaim in a real browser', () => {
  it('registration → "already registered" → selfie → new password → login at L3', async () => {
    const squatter = await squat(w, new UserAgent(w.server.issuer), await registerPlatform(w.c, w.server.issuer), '黄蕾');
    const f = squatter.fixture;
    const mobile = phone();
    const { context, page, cspViolations } = await phonePage(browser);
    await page.goto(`${portal.url}/login`);
    await page.getByRole('link', { name: '没有账号？注册' }).click();
    await expect.poll(() => heading(page)).toBe('注册个人账号');
    await page.getByLabel('真实姓名').fill(f.name);
    await page.getByLabel('居民身份证号码').fill(f.idNumber);
    await page.getByLabel('手机号码').fill(mobile);
    await page.getByLabel('设置密码').fill(OWNER_PASSWORD);
    await page.getByLabel('确认密码').fill(OWNER_PASSWORD);
    await page.getByRole('button', { name: '注册' }).click();
    await expect.poll(() => heading(page)).toBe('验证手机号码');
    let code: string | undefined;
    await expect.poll(async () => (code = (await w.admin.lastSms(mobile))?.params.code)).toMatch(/^\d{6}$/);
    await page.getByLabel('短信验证码').fill(code!);
    await page.getByRole('button', { name: '完成注册' }).click();

    // Told, with the three ways on.
    await expect.poll(() => heading(page)).toBe('该证件号码已注册');
    expect(await page.getByRole('link', { name: '去登录' }).isVisible()).toBe(true);
    expect(await page.getByRole('link', { name: '忘记密码' }).isVisible()).toBe(true);
    expect(await fitsWidth(page)).toBe(true);
    await page.getByRole('button', { name: '账号不是我注册的，申请找回' }).click();

    await expect.poll(() => heading(page)).toBe('找回被占用的证件号码');
    expect(await page.locator('p.sub').textContent()).toContain('三级（人脸识别或银行卡核验）');
    expect(await page.getByRole('heading', { name: '银行卡核验（四要素）' }).isVisible()).toBe(true);
    expect(await fitsWidth(page)).toBe(true);
    const face = page.locator('form[action$="/reclaim/check/face"]');
    // Someone else's face first: refused, the page stays.
    await page.getByLabel('本人正面照片').setInputFiles({ name: 'selfie.jpg', mimeType: 'image/jpeg', buffer: selfieOf('FACE-TPL-ZW-5c1e') });
    await face.getByRole('button', { name: '开始核验' }).click();
    await expect.poll(() => page.getByRole('alert').first().textContent()).toContain('照片与证件照片不一致');
    await page.getByLabel('本人正面照片').setInputFiles({ name: 'selfie.jpg', mimeType: 'image/jpeg', buffer: selfieOf(f.faceToken) });
    await face.getByRole('button', { name: '开始核验' }).click();

    await expect.poll(() => heading(page)).toBe('设置新密码');
    expect(await page.getByRole('status').textContent()).toContain('身份核验通过');
    expect(await fitsWidth(page)).toBe(true);
    await page.getByLabel('设置密码').fill(OWNER_PASSWORD);
    await page.getByLabel('确认密码').fill(`${OWNER_PASSWORD}x`);
    await page.getByRole('button', { name: '确认找回账号' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('两次输入的密码不一致');
    await page.getByLabel('设置密码').fill(OWNER_PASSWORD);
    await page.getByLabel('确认密码').fill(OWNER_PASSWORD);
    await page.getByRole('button', { name: '确认找回账号' }).click();

    await expect.poll(() => heading(page)).toBe('账号已找回');
    expect(await fitsWidth(page)).toBe(true);
    await page.getByRole('link', { name: '去登录' }).click();
    await passwordLogin(page, mobile, OWNER_PASSWORD);
    await expect.poll(() => page.locator('#welcome').textContent()).toBe(`政务服务网: ${f.name}`);
    const claims = JSON.parse((await page.locator('#claims').textContent())!) as { id: Record<string, unknown> };
    expect(claims.id).toMatchObject({ assurance_level: 'L3', acr: 'urn:yihao:loa:3' });
    expect(await w.c.login.authenticate(squatter.phone, squatter.password, '10.3.3.3').then(() => true, () => false)).toBe(false);
    expect(cspViolations).toEqual([]);
    await context.close();
  });
});
