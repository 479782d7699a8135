import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { UserAgent, type Page } from '../helpers/browser.ts';
import { idNumber, person } from '../helpers/identities.ts';
import { loginThrough, registerPlatform, type Platform } from '../helpers/platform.ts';
import { registerPage, registerThroughPages, registrationForm as form, strip } from '../helpers/registration.ts';
import { addChannel, startVerificationWorld, type VerificationWorld } from '../helpers/verification.ts';

// An SMS channel on the sandbox (codes read from its outbox), no population channel: the
// real-name check is off (registration-real-name.test.ts has it on).
let w: VerificationWorld;
let platform: Platform;

beforeAll(async () => {
  w = await startVerificationWorld();
  await addChannel(w, 'sms', 'sms-a');
  platform = await registerPlatform(w.c, w.server.issuer);
});
afterAll(() => w?.stop());
// Registrations from one address are limited (10 an hour, one code a minute per number): each test starts afresh.
beforeEach(async () => { await w.c.db.knex('rate_limits').delete(); });

describe('registration page', () => {
  it('creates an account with its phone proven, that can log in, storing no identifier in clear', async () => {
    const ua = new UserAgent(w.server.issuer);
    const citizen = person();
    const done = await registerThroughPages(ua, platform, w.admin, citizen);
    expect(done.html).toContain('注册申请已受理');
    const start = await platform.authorize();
    const callback = await loginThrough(new UserAgent(w.server.issuer), start.url, citizen.idNumber, citizen.password);
    expect(new URL(callback).searchParams.get('code')).toBeTruthy();
    const row = await w.c.persons.findByIdentifier(citizen.phone);
    expect(row?.phone_verified_at).toBeInstanceOf(Date);
    expect((await w.c.verification.assurance.levelOf(row!.id)).level.id).toBe('L1');

    const dump = JSON.stringify([await w.c.db.knex('persons').select(), await w.c.db.knex('pending_registrations').select()]);
    expect(dump).not.toContain(citizen.idNumber);
    expect(dump).not.toContain(citizen.phone);
    expect(dump).not.toContain(citizen.name);
  });

  it('without the real-name check, answers a second registration of the same ID number exactly like a new one, and keeps one account', async () => {
    const first = person();
    await w.c.persons.register(first);
    const dup = await registerThroughPages(new UserAgent(w.server.issuer), platform, w.admin, { ...person(), idNumber: first.idNumber });
    const fresh = await registerThroughPages(new UserAgent(w.server.issuer), platform, w.admin, person());
    expect(strip(dup.html)).toBe(strip(fresh.html));
    expect(dup.status).toBe(fresh.status);

    const count = await w.c.db.knex('persons').where({ id_number_bidx: w.c.persons.idNumberIndex(first.idNumber) }).count({ n: '*' });
    expect(Number(count[0]!.n)).toBe(1);
    const start = await platform.authorize();
    await expect(loginThrough(new UserAgent(w.server.issuer), start.url, first.idNumber, first.password)).resolves.toContain('code=');
  });

  it('shows a localised error per field and keeps what was typed (but never the password)', async () => {
    const ua = new UserAgent(w.server.issuer);
    const bad = (await ua.submit(await registerPage(ua, platform), '/register', { name: '王五', idNumber: '110105194912310021', phone: '1234', password: 'short', passwordConfirm: 'short' })) as Page;
    expect(bad.status).toBe(400);
    expect(bad.html).toContain('校验位');
    expect(bad.html).toContain('请输入 11 位中国大陆手机号码');
    expect(bad.html).toContain('密码至少 8 位');
    expect(bad.html).toContain('value="王五"');
    expect(bad.html).not.toContain('value="short"');
    expect(bad.html).not.toContain('110105194912310021');

    const en = new UserAgent(w.server.issuer);
    const start = await platform.authorize();
    const login = await en.page(start.url);
    const reg = await en.page(/href="([^"]*\/register)"/.exec(login.html)![1]! + '?lang=en');
    const enBad = (await en.submit(reg, '/register', { name: 'Li Si', idNumber: '11010519491231002X', phone: '13800000000', password: 'abc', passwordConfirm: 'abd' })) as Page;
    expect(enBad.html).toContain('The two passwords differ');
    expect(enBad.html).toContain('lang="en"');
  });

  it('rejects a form without its CSRF token', async () => {
    const ua = new UserAgent(w.server.issuer);
    const page = await registerPage(ua, platform);
    const res = await ua.request(new URL(/action="([^"]*\/register)"/.exec(page.html)![1]!, w.server.issuer).toString(), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...form(person()), _csrf: 'forged' }),
    });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('页面已过期');
  });

  it('throttles repeated wrong passwords for one account without revealing whether it exists', async () => {
    const victim = person();
    await w.c.persons.register(victim);
    const ua = new UserAgent(w.server.issuer);
    const start = await platform.authorize();
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const login = await ua.page(start.url);
      const r = await ua.submit(login, '/login', { identifier: victim.idNumber, password: `Wrong-Pass-${i}` });
      statuses.push((r as Page).status);
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses[5]).toBe(429);
    const login = await ua.page(start.url);
    expect(((await ua.submit(login, '/login', { identifier: victim.idNumber, password: victim.password })) as Page).status).toBe(429);
    const ghost = idNumber('19800101');
    const ghostStatuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const l = await ua.page(start.url);
      ghostStatuses.push(((await ua.submit(l, '/login', { identifier: ghost, password: `Wrong-Pass-${i}` })) as Page).status);
    }
    expect(ghostStatuses).toEqual(statuses);
  });
});

describe('service endpoints', () => {
  it('reports health and readiness', async () => {
    expect(await (await fetch(`${w.server.issuer}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${w.server.issuer}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
  });

  it('serves pages with a strict CSP and no external resources', async () => {
    const ua = new UserAgent(w.server.issuer);
    const start = await platform.authorize();
    const res = await ua.request(start.url);
    const page = await ua.request(res.headers.get('location')!);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    const html = await page.text();
    expect(html).not.toMatch(/(src|href)="https?:/);
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self';/);
    expect([...html.matchAll(/<script[^>]*>[^<]*/g)].map((m) => m[0])).toEqual(['<script src="/assets/webauthn.js" defer>', '<script src="/assets/passkey.js" defer>']);
  });

  it('answers unknown pages without a stack trace', async () => {
    const res = await fetch(`${w.server.issuer}/interaction/doesnotexist`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('登录页面已过期');
    expect(html).not.toMatch(/Error:|\.ts:\d+/);
  });
});
