import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserAgent, type Page } from '../helpers/browser.ts';
import { idNumber, person } from '../helpers/identities.ts';
import { loginThrough, registerPlatform, type Platform } from '../helpers/platform.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let platform: Platform;

beforeAll(async () => {
  server = await startTestServer();
  platform = await registerPlatform(server.container, server.issuer);
});
afterAll(() => server?.stop());

async function registerPage(ua: UserAgent): Promise<Page> {
  const start = await platform.authorize();
  const login = await ua.page(start.url);
  return ua.page(/href="([^"]*\/register)"/.exec(login.html)![1]!);
}

const form = (p: ReturnType<typeof person>) => ({ name: p.name, idNumber: p.idNumber, phone: p.phone, password: p.password, passwordConfirm: p.password });

describe('registration page', () => {
  it('creates an account that can log in, storing no identifier in clear', async () => {
    const ua = new UserAgent(server.issuer);
    const citizen = person();
    const start = await platform.authorize();
    await ua.page(start.url);
    const page = await ua.page(/href="([^"]*\/register)"/.exec((await ua.page(start.url)).html)![1]!);
    const done = await ua.submit(page, '/register', form(citizen));
    expect('html' in done && done.html).toContain('注册申请已受理');
    const callback = await loginThrough(ua, start.url, citizen.idNumber, citizen.password);
    expect(new URL(callback).searchParams.get('code')).toBeTruthy();

    const rows = await server.container.db.knex('persons').select();
    const dump = JSON.stringify(rows);
    expect(dump).not.toContain(citizen.idNumber);
    expect(dump).not.toContain(citizen.phone);
    expect(dump).not.toContain(citizen.name);
  });

  it('answers a second registration of the same ID number exactly like a new one, and keeps one account', async () => {
    const first = person();
    await server.container.persons.register(first);
    const ua = new UserAgent(server.issuer);
    const dup = await ua.submit(await registerPage(ua), '/register', form({ ...person(), idNumber: first.idNumber }));
    const fresh = await ua.submit(await registerPage(ua), '/register', form(person()));
    expect('html' in dup && 'html' in fresh).toBe(true);
    const strip = (h: string) => h.replace(/value="[^"]*"/g, '').replace(/\/interaction\/[\w-]+/g, '');
    expect(strip((dup as Page).html)).toBe(strip((fresh as Page).html));
    expect((dup as Page).status).toBe((fresh as Page).status);

    const count = await server.container.db.knex('persons').where({ id_number_bidx: server.container.persons.idNumberIndex(first.idNumber) }).count({ n: '*' });
    expect(Number(count[0]!.n)).toBe(1);
    // The original password still works; the second one does not.
    const start = await platform.authorize();
    await expect(loginThrough(new UserAgent(server.issuer), start.url, first.idNumber, first.password)).resolves.toContain('code=');
  });

  it('shows a localised error per field and keeps what was typed (but never the password)', async () => {
    const ua = new UserAgent(server.issuer);
    const bad = await ua.submit(await registerPage(ua), '/register', { name: '王五', idNumber: '110105194912310021', phone: '1234', password: 'short', passwordConfirm: 'short' });
    expect('html' in bad && bad.status).toBe(400);
    const html = (bad as Page).html;
    expect(html).toContain('校验位');
    expect(html).toContain('请输入 11 位中国大陆手机号码');
    expect(html).toContain('密码至少 8 位');
    expect(html).toContain('value="王五"');
    expect(html).not.toContain('value="short"');
    expect(html).not.toContain('110105194912310021');

    const en = new UserAgent(server.issuer);
    const start = await platform.authorize();
    const login = await en.page(`${start.url}`);
    const reg = await en.page(/href="([^"]*\/register)"/.exec(login.html)![1]! + '?lang=en');
    const enBad = await en.submit(reg, '/register', { name: 'Li Si', idNumber: '11010519491231002X', phone: '13800000000', password: 'abc', passwordConfirm: 'abd' });
    expect((enBad as Page).html).toContain('The two passwords differ');
    expect((enBad as Page).html).toContain('lang="en"');
  });

  it('rejects a form without its CSRF token', async () => {
    const ua = new UserAgent(server.issuer);
    const page = await registerPage(ua);
    const res = await ua.request(new URL(/action="([^"]*\/register)"/.exec(page.html)![1]!, server.issuer).toString(), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...form(person()), _csrf: 'forged' }),
    });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('页面已过期');
  });

  it('throttles repeated wrong passwords for one account without revealing whether it exists', async () => {
    const victim = person();
    await server.container.persons.register(victim);
    const ua = new UserAgent(server.issuer);
    const start = await platform.authorize();
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const login = await ua.page(start.url);
      const r = await ua.submit(login, '/login', { identifier: victim.idNumber, password: `Wrong-Pass-${i}` });
      statuses.push((r as Page).status);
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses[5]).toBe(429);
    // Even the right password is refused while throttled.
    const login = await ua.page(start.url);
    expect(((await ua.submit(login, '/login', { identifier: victim.idNumber, password: victim.password })) as Page).status).toBe(429);
    // An unknown number is throttled the same way (no enumeration through the limiter).
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
    expect(await (await fetch(`${server.issuer}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${server.issuer}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
  });

  it('serves pages with a strict CSP and no external resources', async () => {
    const ua = new UserAgent(server.issuer);
    const start = await platform.authorize();
    const res = await ua.request(start.url);
    const page = await ua.request(res.headers.get('location')!);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    const html = await page.text();
    expect(html).not.toMatch(/(src|href)="https?:/);
    // The login page runs the passkey ceremony: our own two files, nothing inline, nothing else.
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self';/);
    expect([...html.matchAll(/<script[^>]*>[^<]*/g)].map((m) => m[0])).toEqual(['<script src="/assets/webauthn.js" defer>', '<script src="/assets/passkey.js" defer>']);
  });

  it('answers unknown pages without a stack trace', async () => {
    const res = await fetch(`${server.issuer}/interaction/doesnotexist`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('登录页面已过期');
    expect(html).not.toMatch(/Error:|\.ts:\d+/);
  });
});
