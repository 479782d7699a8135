/**
 * Logging in with a code texted to the mobile number (first factor): the code is read from the
 * sandbox authority's outbox, the platform gets an ID token with amr ['sms'] (openid-client).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserAgent, type Page } from '../helpers/browser.ts';
import { person } from '../helpers/identities.ts';
import { consoleLogin, section } from '../helpers/account.ts';
import { registerPlatform, type Platform } from '../helpers/platform.ts';
import { addChannel, startVerificationWorld, type VerificationWorld } from '../helpers/verification.ts';

let w: VerificationWorld;
let platform: Platform;
let strict: Platform;

beforeAll(async () => {
  w = await startVerificationWorld();
  await addChannel(w, 'sms', 'sms-a');
  platform = await registerPlatform(w.c, w.server.issuer, { first_party: true });
  strict = await registerPlatform(w.c, w.server.issuer, { first_party: true, minimum_aal: 2 });
});
afterAll(() => w?.stop());

/** A registered account whose mobile is proven (as after the console's "verify my number"). */
async function citizen(opts: { proven?: boolean } = {}) {
  const p = person();
  const res = await w.c.persons.register(p);
  if (!res.ok || !res.personId) throw new Error('registration failed');
  if (opts.proven !== false) await w.c.persons.markPhoneVerified(res.personId);
  return { ...p, personId: res.personId };
}

/** The code last texted to `mobile` (the send is not awaited by the page: poll the outbox). */
async function textedCode(mobile: string, previous?: string): Promise<string> {
  let code: string | undefined;
  await expect.poll(async () => {
    const sms = await w.admin.lastSms(mobile);
    code = sms?.params.code;
    return Boolean(code && sms?.sentAt !== previous);
  }, { timeout: 5000 }).toBe(true);
  return code!;
}

async function smsPage(ua: UserAgent) {
  const start = await platform.authorize();
  const login = await ua.page(start.url);
  const href = /href="([^"]*\/sms)"/.exec(login.html);
  if (!href) throw new Error('no SMS login link on the login page');
  return { start, page: await ua.page(href[1]!) };
}

async function codePage(ua: UserAgent, phone: string) {
  const { start, page } = await smsPage(ua);
  const sent = (await ua.submit(page, '/sms', { phone })) as Page;
  return { start, sent };
}

describe('SMS-code login', () => {
  it('logs in with the code texted to the proven number: ID token amr sms', async () => {
    const p = await citizen();
    const ua = new UserAgent(w.server.issuer);
    const { start, sent } = await codePage(ua, p.phone);
    expect(sent.status).toBe(200);
    expect(sent.html).toContain(`${p.phone.slice(0, 3)}****${p.phone.slice(-4)}`);
    const code = await textedCode(p.phone);
    const done = await ua.submit(sent, '/sms/verify', { code });
    if (!('redirect' in done)) throw new Error(`expected the platform: ${done.status} ${done.html.slice(0, 300)}`);
    const tokens = await platform.finish(done.redirect, start);
    expect(tokens.claims()).toMatchObject({ amr: ['sms'], acr: 'urn:yihao:loa:1' });
    const trail = await w.c.db.knex('audit_events').where({ action: 'login.success', actor: p.personId }).select('detail');
    expect(trail.map((t) => t.detail.method)).toEqual(['sms']);
  });

  it('answers an unknown or unproven number with the same page, and texts nothing', async () => {
    const known = await citizen();
    const unproven = await citizen({ proven: false });
    const unknown = `137${String(Date.now()).slice(-8)}`;
    const strip = (h: string) => h.replace(/value="[^"]*"/g, '').replace(/\/interaction\/[\w-]+/g, '').replace(/\d{3}\*{4}\d{4}/g, '');
    const pages = [];
    for (const phone of [known.phone, unknown, unproven.phone]) pages.push((await codePage(new UserAgent(w.server.issuer), phone)).sent);
    expect(new Set(pages.map((p) => p.status))).toEqual(new Set([200]));
    expect(strip(pages[1]!.html)).toBe(strip(pages[0]!.html));
    expect(strip(pages[2]!.html)).toBe(strip(pages[0]!.html));
    await textedCode(known.phone);
    expect(await w.admin.lastSms(unknown)).toBeNull();
    expect(await w.admin.lastSms(unproven.phone)).toBeNull();
    // Its decoy code id leads nowhere, with the same message as a wrong code.
    const ua = new UserAgent(w.server.issuer);
    const { sent } = await codePage(ua, `136${String(Date.now()).slice(-8)}`);
    const tried = (await ua.submit(sent, '/sms/verify', { code: '123456' })) as Page;
    expect(tried.status).toBe(401);
    expect(tried.html).toContain('验证码错误或已失效');
  });

  it('refuses wrong, expired and reused codes with one message', async () => {
    const p = await citizen();
    const ua = new UserAgent(w.server.issuer);
    const { sent } = await codePage(ua, p.phone);
    const code = await textedCode(p.phone);
    const wrong = (await ua.submit(sent, '/sms/verify', { code: code === '000000' ? '111111' : '000000' })) as Page;
    expect(wrong.status).toBe(401);
    expect(wrong.html).toContain('验证码错误或已失效');
    // Expired: the code's five minutes have passed.
    await w.c.db.knex('one_time_codes').where({ purpose: 'sms-login' }).update({ expires_at: w.c.db.knex.raw("now() - interval '1 second'") });
    const expired = (await ua.submit(sent, '/sms/verify', { code })) as Page;
    expect(expired.status).toBe(401);
    expect(strip(expired.html)).toBe(strip(wrong.html));

    // Reused: a fresh code (after the resend interval) logs in once; the same code again fails.
    await w.c.db.knex('rate_limits').delete();
    const before = (await w.admin.lastSms(p.phone))?.sentAt;
    const second = await codePage(ua, p.phone);
    const fresh = await textedCode(p.phone, before);
    expect(await ua.submit(second.sent, '/sms/verify', { code: fresh })).toHaveProperty('redirect');
    const ua2 = new UserAgent(w.server.issuer);
    const { page } = await smsPage(ua2);
    const uid = /\/interaction\/([\w-]+)\/sms/.exec(page.html)![1]!;
    const csrf = /name="_csrf" value="([^"]*)"/.exec(page.html)![1]!;
    const form: Page = { url: page.url, status: 200, html: `<form action="/interaction/${uid}/sms/verify"><input type="hidden" name="_csrf" value="${csrf}"></form>` };
    const codeId = /name="codeId" value="([^"]*)"/.exec(second.sent.html)![1]!;
    const reused = (await ua2.submit(form, '/sms/verify', { phone: p.phone, codeId, code: fresh })) as Page;
    expect(reused.status).toBe(401);
    expect(reused.html).toContain('验证码错误或已失效');
  });

  it('lets exactly one of 20 parallel submissions of one code log in', async () => {
    const p = await citizen();
    const ua = new UserAgent(w.server.issuer);
    const { sent } = await codePage(ua, p.phone);
    const code = await textedCode(p.phone);
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => ua.submit(sent, '/sms/verify', { code })));
    const logins = outcomes.filter((o) => 'redirect' in o);
    expect(logins).toHaveLength(1);
    expect(outcomes.filter((o) => !('redirect' in o)).every((o) => (o as Page).status === 401 || (o as Page).status === 429)).toBe(true);
    const trail = await w.c.db.knex('audit_events').where({ action: 'login.success', actor: p.personId }).count<{ count: string }[]>('* as count');
    expect(Number(trail[0]!.count)).toBe(1);
  });

  it('throttles sending: one code a minute per number, whether or not it has an account', async () => {
    const p = await citizen();
    const unknown = `135${String(Date.now()).slice(-8)}`;
    for (const phone of [p.phone, unknown]) {
      const ua = new UserAgent(w.server.issuer);
      const first = await codePage(ua, phone);
      expect(first.sent.status).toBe(200);
      const { page } = await smsPage(ua);
      const second = (await ua.submit(page, '/sms', { phone })) as Page;
      expect(second.status).toBe(429);
      expect(second.html).toContain('验证码发送过于频繁');
    }
  });

  it('still logs the owner in by SMS while their password login is locked', async () => {
    const p = await citizen();
    const ip = '127.0.0.1';
    for (let i = 0; i < 5; i++) await expect(w.c.login.authenticate(p.idNumber, `Wrong-Pass-${i}`, ip)).rejects.toMatchObject({ code: 'login.invalid_credentials' });
    await expect(w.c.login.authenticate(p.idNumber, p.password, ip)).rejects.toMatchObject({ code: 'login.rate_limited' });
    const ua = new UserAgent(w.server.issuer);
    const { start, sent } = await codePage(ua, p.phone);
    const done = await ua.submit(sent, '/sms/verify', { code: await textedCode(p.phone) });
    if (!('redirect' in done)) throw new Error(`expected the platform: ${done.status}`);
    expect((await platform.finish(done.redirect, start)).claims()).toMatchObject({ amr: ['sms'] });
  });

  it('is a second factor at a platform requiring strength 2: amr pwd sms mfa, acr …:aal:2, and proves the number', async () => {
    const p = await citizen({ proven: false });
    const ua = new UserAgent(w.server.issuer);
    const start = await strict.authorize({ scope: 'openid phone' });
    const chooser = await ua.submit(await ua.page(start.url), '/login', { identifier: p.idNumber, password: p.password }) as Page;
    expect(chooser.url).toMatch(/\/mfa$/);
    const factor = await ua.page(/href="([^"]*\/mfa\/sms)"/.exec(chooser.html)![1]!);
    expect(factor.html).toContain(`${p.phone.slice(0, 3)}****${p.phone.slice(-4)}`);
    const codeForm = (await ua.submit(factor, '/mfa/sms/send')) as Page;
    const code = await textedCode(p.phone);
    const wrong = (await ua.submit(codeForm, '/mfa/sms/verify', { code: code === '000000' ? '111111' : '000000' })) as Page;
    expect(wrong.status).toBe(401);
    const done = await ua.submit(codeForm, '/mfa/sms/verify', { code });
    if (!('redirect' in done)) throw new Error(`expected the platform: ${done.status} ${done.html.slice(0, 300)}`);
    const tokens = await strict.finish(done.redirect, start);
    const claims = tokens.claims()!;
    expect(claims.acr).toBe('urn:yihao:loa:1:aal:2');
    expect(claims.amr).toEqual(expect.arrayContaining(['pwd', 'sms', 'mfa']));
    const info = await import('openid-client').then((oidc) => oidc.fetchUserInfo(strict.config, tokens.access_token, claims.sub));
    expect(info.phone_number_verified).toBe(true);
  });

  it('proves the number from the account console ("verify my mobile number"), after which SMS login works', async () => {
    const p = await citizen({ proven: false });
    const ua = new UserAgent(w.server.issuer);
    const home = await consoleLogin(ua, p.idNumber, p.password);
    expect(section(home, 'profile')).toContain('未验证');
    expect(home.html).toMatch(/id="signin-ends"[^>]*>[^<]*\d{2}:\d{2}/);
    const proof = await ua.page('/account/phone');
    const codeForm = (await ua.submit(proof, '/account/phone/send')) as Page;
    const code = await textedCode(p.phone);
    const done = (await ua.submit(codeForm, '/account/phone/verify', { code })) as Page;
    expect(done.html).toContain('手机号码已验证');
    expect(section(done, 'profile')).toContain('已验证');
    expect((await w.c.persons.get(p.personId))!.phoneVerifiedAt).toBeInstanceOf(Date);

    await w.c.db.knex('rate_limits').delete(); // the resend interval
    const previous = (await w.admin.lastSms(p.phone))!.sentAt;
    const other = new UserAgent(w.server.issuer);
    const { start, sent } = await codePage(other, p.phone);
    const login = await other.submit(sent, '/sms/verify', { code: await textedCode(p.phone, previous) });
    if (!('redirect' in login)) throw new Error('expected the platform');
    expect((await platform.finish(login.redirect, start)).claims()).toMatchObject({ amr: ['sms'] });
  });
});

const strip = (h: string) => h.replace(/value="[^"]*"/g, '').replace(/\/interaction\/[\w-]+/g, '');
