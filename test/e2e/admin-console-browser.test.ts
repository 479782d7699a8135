/**
 * The admin console in chromium at phone width: an administrator signs in with password and
 * authenticator app, registers a platform (its secret shown once), locks an account (whose next
 * login then fails), rotates the signing keys and opens the channels and enterprises pages, and
 * an auditor, another person, queries the trail and exports it as CSV.
 */
import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grant, newPerson, type Person } from '../helpers/admin-console.ts';
import { UserAgent } from '../helpers/browser.ts';
import { launchChromium, passwordLogin, phonePage } from '../helpers/chromium.ts';
import { awaitFreshStep, codeAt, enrolTotp } from '../helpers/factors.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let browser: Browser;
let admin: Person;
let auditor: Person;
let citizen: Person;
let adminSecret: string;
let auditorSecret: string;

const fitsWidth = (page: Page) => page.evaluate('document.documentElement.scrollWidth <= window.innerWidth');

beforeAll(async () => {
  server = await startTestServer();
  const c = server.container;
  const [founderSec, secondSec] = [await newPerson(c), await newPerson(c)];
  [admin, auditor, citizen] = [await newPerson(c), await newPerson(c), await newPerson(c)];
  // The founders, then the roles through requests and second approvals.
  await c.roleGrants.bootstrap({ systemAdmin: admin.id, securityAdmin: founderSec.id }, { via: 'test' });
  await grant(c.roleGrants, secondSec, 'security_admin', founderSec, admin);
  await grant(c.roleGrants, admin, 'security_admin', founderSec, secondSec);
  await grant(c.roleGrants, auditor, 'auditor', founderSec, secondSec);
  await awaitFreshStep(20_000);
  adminSecret = await enrolTotp(new UserAgent(server.issuer), admin.phone, admin.password);
  auditorSecret = await enrolTotp(new UserAgent(server.issuer), auditor.phone, auditor.password);
  browser = await launchChromium();
}, 90_000);
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** Password, then the authenticator app's code, on the pages the console sends the browser to. */
async function signIn(page: Page, who: Person, secret: string): Promise<void> {
  await page.goto(`${server.issuer}/admin/console`);
  await passwordLogin(page, who.phone, who.password);
  await expect.poll(() => page.locator('h1').textContent()).toBe('需要进一步验证');
  await page.getByRole('link', { name: '验证器应用' }).click();
  await page.getByLabel('6 位动态码').fill(codeAt(secret, 0));
  await page.getByRole('button', { name: '验证' }).click();
  await expect.poll(() => page.locator('h1').textContent()).toBe('管理控制台');
}

describe('the admin console in a real browser', () => {
  it('an administrator registers a platform and locks an account; an auditor exports the trail', async () => {
    const { context, page, cspViolations } = await phonePage(browser);
    await signIn(page, admin, adminSecret);
    expect(await fitsWidth(page)).toBe(true);

    await page.getByRole('link', { name: '接入平台' }).click();
    await page.getByLabel('平台名称').fill('社保服务平台');
    await page.getByLabel('回调地址（每行一个）').fill('https://social.example.gov.cn/oidc/callback');
    await page.getByRole('button', { name: '注册平台' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('平台已注册');
    const clientId = (await page.locator('#client-id').textContent())!.trim();
    const secret = (await page.locator('#client-secret').textContent())!.trim();
    expect(secret.length).toBeGreaterThanOrEqual(43);
    expect((await server.container.clients.providerMetadata(clientId))).toMatchObject({ client_name: '社保服务平台', client_secret: secret });
    expect(await fitsWidth(page)).toBe(true);
    // Shown once: the list names the platform, never its secret.
    await page.getByRole('link', { name: '返回平台列表' }).click();
    expect(await page.locator(`[data-client="${clientId}"]`).textContent()).toContain('社保服务平台');
    expect(await page.content()).not.toContain(secret);

    await page.getByRole('link', { name: '账号管理' }).click();
    await page.getByLabel('手机号或身份证号').fill(citizen.phone);
    await page.getByRole('button', { name: '查找' }).click();
    await expect.poll(() => page.locator('#account-status').textContent()).toBe('正常');
    expect(await page.content()).not.toContain(citizen.idNumber);
    await page.locator('#lock-reason').fill('冒用身份举报');
    await page.getByLabel('我确认锁定此账号').check();
    await page.getByRole('button', { name: '锁定账号' }).click();
    await expect.poll(() => page.locator('#notice').textContent()).toContain('账号已锁定');
    expect(await page.locator('#account-status').textContent()).toBe('已锁定');
    expect(await fitsWidth(page)).toBe(true);

    // The operations pages at phone width: the keys rotated from the browser, channels, enterprises.
    await page.getByRole('link', { name: '签名密钥' }).click();
    const before = await page.locator('[data-status="active"]').count();
    expect(before).toBe(2);
    await page.locator('#rotate-reason').fill('年度轮换');
    await page.getByLabel('我确认轮换签名密钥').check();
    await page.getByRole('button', { name: '轮换签名密钥' }).click();
    await expect.poll(() => page.locator('#notice').textContent()).toContain('已轮换');
    expect(await page.locator('[data-status="retired"]').count()).toBe(2);
    expect(await fitsWidth(page)).toBe(true);
    await page.getByRole('link', { name: '核验渠道' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('核验渠道');
    expect(await fitsWidth(page)).toBe(true);
    await page.getByRole('link', { name: '企业与授权' }).click();
    await page.getByLabel('企业名称（部分）').fill('不存在的企业');
    await page.getByRole('button', { name: '查找' }).click();
    await expect.poll(() => page.locator('#not-found').count()).toBe(1);
    expect(await fitsWidth(page)).toBe(true);
    await context.close();

    // The locked account's next login fails.
    const other = await phonePage(browser);
    await other.page.goto(`${server.issuer}/account`);
    await passwordLogin(other.page, citizen.phone, citizen.password);
    await expect.poll(() => other.page.getByRole('alert').first().textContent()).toContain('证件号码（手机号）或密码错误');
    await other.context.close();

    // The auditor, another person, finds the lock and exports the trail.
    const audit = await phonePage(browser);
    await signIn(audit.page, auditor, auditorSecret);
    await audit.page.getByRole('link', { name: '审计日志' }).click();
    await audit.page.getByLabel('事件类型（如 person.disabled）').fill('person.disabled');
    await audit.page.getByRole('button', { name: '查询' }).click();
    await expect.poll(() => audit.page.locator('#events tbody tr').count()).toBe(1);
    expect(await audit.page.locator('#events tbody').textContent()).toContain(`person:${admin.id}`);
    await audit.page.getByLabel('事件类型（如 person.disabled）').fill('');
    await audit.page.getByRole('button', { name: '查询' }).click();
    const [download] = await Promise.all([audit.page.waitForEvent('download'), audit.page.locator('#export-csv').click()]);
    expect(download.suggestedFilename()).toMatch(/^yihao-audit-.*\.csv$/);
    const csv = await readFile((await download.path())!, 'utf8');
    const rows = csv.trim().split('\n');
    expect(rows[0]).toBe('id,at,actor,action,target,detail');
    expect(rows.some((r) => r.includes('"person.disabled"') && r.includes(`"person:${admin.id}"`) && r.includes(`"${citizen.id}"`))).toBe(true);
    expect(rows.some((r) => r.includes('"client.added"') && r.includes(`"${clientId}"`))).toBe(true);
    expect(csv).not.toContain(citizen.idNumber);
    expect([...cspViolations, ...audit.cspViolations]).toEqual([]);
    await audit.context.close();
  }, 120_000);
});
