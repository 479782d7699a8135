import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, phonePage } from '../helpers/chromium.ts';
import { principal, startDeskConsole, type DeskConsole } from '../helpers/desk-console.ts';
import { person } from '../helpers/identities.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let desk: DeskConsole;
let browser: Browser;
const clerk = person();
const citizen = person();
const ids: Record<string, string> = {};

beforeAll(async () => {
  server = await startTestServer();
  for (const [k, p] of Object.entries({ clerk, citizen })) {
    const r = await server.container.persons.register(p);
    if (!r.ok || !r.personId) throw new Error('seed failed');
    ids[k] = r.personId;
  }
  await server.container.audit.record({ actor: ids.citizen!, action: 'login.success', detail: { method: 'password' } });
  desk = await startDeskConsole(server.container);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await desk?.close();
  await server?.stop();
});

describe('the counter desk and the dashboard in a real browser at phone width', () => {
  it('lets a clerk check a citizen in person, and an auditor read the charts', async () => {
    const { context, page, cspViolations } = await phonePage(browser);
    const fitsWidth = () => page.evaluate('document.documentElement.scrollWidth <= window.innerWidth');
    desk.signedIn = principal(ids.clerk!, 'counter_operator');
    await page.goto(`${desk.url}/admin/console/counter`);
    expect(await fitsWidth()).toBe(true);
    await page.getByLabel('证件号码（公民身份号码）').fill(citizen.idNumber);
    await page.getByRole('button', { name: '查找账号' }).click();
    await expect.poll(() => page.locator('#level').textContent()).toContain('一级');
    expect(await fitsWidth()).toBe(true);

    const form = page.locator('#identity form');
    await form.getByLabel('证件上的号码').fill(citizen.idNumber);
    await form.getByLabel('服务大厅').fill('鄂尔多斯市政务服务中心');
    await form.getByLabel('受理编号').fill('EE-001');
    // The confirmation is required by the browser as well as by the server.
    await form.getByRole('button', { name: '记录现场核验' }).click();
    expect(await page.locator('#check-done').count()).toBe(0);
    await form.getByLabel('我已核对证件原件，确认持证人为本人').check();
    await form.getByRole('button', { name: '记录现场核验' }).click();
    await expect.poll(() => page.locator('#level').textContent()).toContain('四级');
    expect(await page.locator('#check').textContent()).toContain('鄂尔多斯市政务服务中心');
    expect(await fitsWidth()).toBe(true);

    desk.signedIn = principal(ids.clerk!, 'auditor');
    await page.goto(`${desk.url}/admin/console/dashboard`);
    await expect.poll(() => page.locator('h1').textContent()).toBe('运行概况（最近 24 小时）');
    // The charts are SVG the browser parsed and laid out within the phone's width.
    const svgs = await page.evaluate(`[...document.querySelectorAll('figure.chart svg')].map((s) => ({ w: s.getBoundingClientRect().width, bars: s.querySelectorAll('rect.bar').length, title: s.querySelector('title')?.textContent }))`) as Array<{ w: number; bars: number; title: string }>;
    expect(svgs.length).toBeGreaterThanOrEqual(3);
    for (const s of svgs) expect(s.w).toBeLessThanOrEqual(360);
    expect(svgs.find((s) => s.title === '每小时登录次数（按方式）')!.bars).toBeGreaterThanOrEqual(1);
    expect(svgs.find((s) => s.title === '实名等级分布')!.bars).toBe(2); // L1 (the clerk) and L4
    expect(await fitsWidth()).toBe(true);
    expect(cspViolations).toEqual([]);
    await context.close();
  });
});
