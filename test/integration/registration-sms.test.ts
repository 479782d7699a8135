/**
 * Registration proves the phone: the account exists only after the SMS code texted to the number
 * (sandbox outbox) is entered — once, before it expires, and never without it.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { UserAgent, type Page } from '../helpers/browser.ts';
import { person } from '../helpers/identities.ts';
import { registerPlatform, type Platform } from '../helpers/platform.ts';
import { registerPage, registrationForm, startRegistration, strip, textedCode } from '../helpers/registration.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { addChannel, startVerificationWorld, type VerificationWorld } from '../helpers/verification.ts';

let w: VerificationWorld;
let platform: Platform;
const servers: TestServer[] = [];

beforeAll(async () => {
  w = await startVerificationWorld();
  await addChannel(w, 'sms', 'sms-a');
  platform = await registerPlatform(w.c, w.server.issuer);
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  await w?.stop();
});
beforeEach(async () => { await w.c.db.knex('rate_limits').delete(); });

const accounts = async (idNumber: string) =>
  Number((await w.c.db.knex('persons').where({ id_number_bidx: w.c.persons.idNumberIndex(idNumber) }).count({ n: '*' }))[0]!.n);
const other = (code: string) => (code === '000000' ? '111111' : '000000');

describe('registration with an SMS code', () => {
  it('creates nothing before the code: step 1 texts it, a missing or wrong code is refused', async () => {
    const p = person();
    const ua = new UserAgent(w.server.issuer);
    const codePage = await startRegistration(ua, platform, p);
    expect(codePage.status).toBe(200);
    expect(codePage.html).toContain(`${p.phone.slice(0, 3)}****${p.phone.slice(-4)}`);
    const sms = await w.admin.lastSms(p.phone);
    expect(sms?.templateId).toBe('registration_code');
    expect(sms?.params.code).toMatch(/^\d{6}$/);
    expect(await accounts(p.idNumber)).toBe(0);

    const none = (await ua.submit(codePage, '/register/verify', { code: '' })) as Page;
    expect(none.status).toBe(401);
    expect(none.html).toContain('验证码错误或已失效');
    const wrong = (await ua.submit(codePage, '/register/verify', { code: other(sms!.params.code!) })) as Page;
    expect(wrong.status).toBe(401);
    expect(await accounts(p.idNumber)).toBe(0);
    // The right code still works after a wrong one (five tries).
    const done = (await ua.submit(codePage, '/register/verify', { code: sms!.params.code! })) as Page;
    expect(done.html).toContain('注册申请已受理');
    expect(await accounts(p.idNumber)).toBe(1);
  });

  it('refuses an expired code, a reused one, and one replaced by a resend', async () => {
    const p = person();
    const ua = new UserAgent(w.server.issuer);
    const codePage = await startRegistration(ua, platform, p);
    const first = await textedCode(w.admin, p.phone);
    await w.c.db.knex('one_time_codes').where({ purpose: 'registration' }).update({ expires_at: w.c.db.knex.raw("now() - interval '1 second'") });
    const expired = (await ua.submit(codePage, '/register/verify', { code: first })) as Page;
    expect(expired.status).toBe(401);
    expect(strip(expired.html)).toContain('验证码错误或已失效');

    // A resend voids the old code (and waits a minute per number: the throttle is cleared here).
    await w.c.db.knex('rate_limits').delete();
    const before = (await w.admin.lastSms(p.phone))!.sentAt;
    const resent = (await ua.submit(codePage, '/register/resend')) as Page;
    expect(resent.status).toBe(200);
    const second = await textedCode(w.admin, p.phone, before);
    const again = (await ua.submit(codePage, '/register/resend')) as Page;
    expect(again.status).toBe(429); // one code a minute per number
    expect(await accounts(p.idNumber)).toBe(0);
    expect(((await ua.submit(resent, '/register/verify', { code: second })) as Page).html).toContain('注册申请已受理');
    expect(await accounts(p.idNumber)).toBe(1);
    // Reused: the same code and page again create nothing more and are refused.
    const reused = (await ua.submit(resent, '/register/verify', { code: second })) as Page;
    expect(reused.status).toBe(401);
    expect(await accounts(p.idNumber)).toBe(1);
  });

  it('a code is bound to its registration and number: another registration\'s code does not serve', async () => {
    const a = person();
    const b = person();
    const uaA = new UserAgent(w.server.issuer);
    const uaB = new UserAgent(w.server.issuer);
    await startRegistration(uaA, platform, a);
    const pageB = await startRegistration(uaB, platform, b);
    const codeA = await textedCode(w.admin, a.phone);
    const codeB = await textedCode(w.admin, b.phone);
    if (codeA === codeB) return; // one in a million: nothing to tell apart
    const tried = (await uaB.submit(pageB, '/register/verify', { code: codeA })) as Page;
    expect(tried.status).toBe(401);
    expect(await accounts(b.idNumber)).toBe(0);
  });

  it('20 parallel submissions of one code create one account', async () => {
    const p = person();
    const ua = new UserAgent(w.server.issuer);
    const codePage = await startRegistration(ua, platform, p);
    const code = await textedCode(w.admin, p.phone);
    const results = await Promise.all(Array.from({ length: 20 }, () => ua.submit(codePage, '/register/verify', { code })));
    const accepted = results.filter((r) => !('redirect' in r) && r.html.includes('注册申请已受理'));
    expect(accepted).toHaveLength(1);
    // The others: the code is used (401), or the number's check counter is spent (429).
    const others = results.filter((r) => !accepted.includes(r)).map((r) => ('redirect' in r ? 303 : r.status));
    expect(others).toHaveLength(19);
    expect(others.filter((s) => s !== 401 && s !== 429)).toEqual([]);
    expect(await accounts(p.idNumber)).toBe(1);
  });

  it('answers identically before the phone is proven, whether or not the ID number has an account', async () => {
    const owner = person();
    await w.c.persons.register(owner);
    const squatter = { ...person(), name: owner.name, idNumber: owner.idNumber };
    const fresh = person();
    const uas = [new UserAgent(w.server.issuer), new UserAgent(w.server.issuer)];
    const pages: Page[] = [];
    for (const [i, p] of [squatter, fresh].entries()) pages.push(await startRegistration(uas[i]!, platform, p));
    expect(pages[0]!.status).toBe(200);
    expect(pages[0]!.status).toBe(pages[1]!.status);
    expect(strip(pages[0]!.html)).toBe(strip(pages[1]!.html));
    const wrongs: Page[] = [];
    for (const [i, page] of pages.entries()) {
      const code = (await w.admin.lastSms([squatter, fresh][i]!.phone))!.params.code!;
      wrongs.push((await uas[i]!.submit(page, '/register/verify', { code: other(code) })) as Page);
    }
    expect(wrongs[0]!.status).toBe(401);
    expect(wrongs[0]!.status).toBe(wrongs[1]!.status);
    expect(strip(wrongs[0]!.html)).toBe(strip(wrongs[1]!.html));
  });
});

describe('registration without an SMS channel', () => {
  it('in development: the code goes to the server log and the page says so', async () => {
    const server = await startTestServer();
    servers.push(server);
    const p = person();
    const ua = new UserAgent(server.issuer);
    const dev = await registerPlatform(server.container, server.issuer);
    const page = (await ua.submit(await registerPage(ua, dev), '/register', registrationForm(p))) as Page;
    expect(page.status).toBe(200);
    expect(page.html).toContain('验证码已写入服务器日志');
    expect(page.html).toContain('/register/verify');
  });

  it('in production: registration is refused with a message naming the setting, and nothing is kept', async () => {
    const server = await startTestServer({ NODE_ENV: 'production', ALLOW_HTTP_LOOPBACK_ISSUER: 'true', ALLOW_LOOPBACK_FETCH: 'false' });
    servers.push(server);
    const prod = await registerPlatform(server.container, server.issuer);
    const ua = new UserAgent(server.issuer);
    const login = await ua.page((await prod.authorize()).url);
    expect(login.html).not.toContain('/register"'); // no link to it
    const uid = /\/interaction\/([\w-]+)\/login/.exec(login.html)![1]!;
    const page = await ua.page(`/interaction/${uid}/register`);
    expect(page.status).toBe(503);
    expect(page.html).toContain('未启用短信通道');
    expect(page.html).toContain('channel add');
    expect(page.html).not.toContain('name="idNumber"');
    // A form posted anyway (crafted) is refused too.
    const csrf = /name="_csrf" value="([^"]*)"/.exec(login.html)![1]!;
    const res = await ua.request(`/interaction/${uid}/register`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ ...registrationForm(person()), _csrf: csrf }),
    });
    expect(res.status).toBe(503);
    expect(await server.container.db.knex('pending_registrations').count({ n: '*' }).then((r) => Number(r[0]!.n))).toBe(0);
  });
});
