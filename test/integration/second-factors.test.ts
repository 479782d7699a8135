/**
 * The authenticator app and recovery codes, end to end: enrolled on /account/security, used at
 * the `mfa` prompt of a platform that requires strength 2, through openid-client. Each time step
 * and each recovery code is accepted once, also among parallel submissions. The factor limits are
 * raised here so that parallel submissions all reach the check (the throttle has its own file).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { UserAgent, type Page } from '../helpers/browser.ts';
import { consoleLogin } from '../helpers/account.ts';
import { awaitFreshStep, codeAt, enrolTotp, factorForm, manualKey, shownCodes, stepAt, toMfaPrompt } from '../helpers/factors.ts';
import { person } from '../helpers/identities.ts';
import { registerPlatform, type Platform } from '../helpers/platform.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let strict: Platform;

beforeAll(async () => {
  // (The password logins that lead to the parallel submissions are many too.)
  const high = '1000';
  server = await startTestServer({
    MFA_RATE_LIMIT_PER_ACCOUNT: high, MFA_RATE_LIMIT_PER_ACCOUNT_IP: high,
    LOGIN_RATE_LIMIT_PER_IP: high, LOGIN_RATE_LIMIT_PER_IDENTIFIER: high, LOGIN_RATE_LIMIT_PER_IDENTIFIER_IP: high,
  });
  strict = await registerPlatform(server.container, server.issuer, { first_party: true, minimum_aal: 2 });
});
afterAll(() => server?.stop());
afterEach(() => { vi.restoreAllMocks(); });

async function citizen() {
  const p = person();
  await server.container.persons.register(p);
  const id = (await server.container.persons.findByIdentifier(p.idNumber))!.id;
  return { ...p, id };
}

/** A new browser at the strict platform's second-factor form of `kind`. */
async function atFactor(who: { idNumber: string; password: string }, kind: string) {
  const ua = new UserAgent(server.issuer);
  const start = await strict.authorize();
  const chooser = await toMfaPrompt(ua, start.url, who.idNumber, who.password);
  return { ua, start, form: await factorForm(ua, chooser, kind) };
}

const isRedirect = (r: Page | { redirect: string }): r is { redirect: string } => 'redirect' in r;

describe('authenticator app (TOTP)', () => {
  it('is set up from the account page with a server-drawn QR code and the key, and counts only once confirmed', async () => {
    const who = await citizen();
    const ua = new UserAgent(server.issuer);
    await consoleLogin(ua, who.idNumber, who.password);
    const home = await ua.page('/account');
    expect(home.html).toContain('href="/account/security"');
    const security = await ua.page('/account/security');
    expect(security.html).toContain('安全设置');
    const enrol = await ua.submit(security, '/totp/start') as Page;
    expect(enrol.html).toMatch(/<svg class="qr" role="img"[^>]*viewBox/);
    expect(enrol.html).not.toMatch(/<img|<script|https?:\/\/(?!www\.w3\.org)/);
    const secret = manualKey(enrol);
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    // The secret is stored encrypted.
    const row = await server.container.db.knex('totp_authenticators').where({ person_id: who.id }).first();
    expect(JSON.stringify(row)).not.toContain(secret);

    // Not confirmed yet: the platform cannot use it.
    const pending = await toMfaPrompt(new UserAgent(server.issuer), (await strict.authorize()).url, who.idNumber, who.password);
    expect(pending.html).not.toContain('/mfa/totp');

    const wrong = await ua.submit(enrol, '/totp/confirm', { code: codeAt(secret, 3) }) as Page;
    expect(wrong.status).toBe(400);
    expect(wrong.html).toContain('验证码不正确或已使用');
    expect((await server.container.factors.totp.status(who.id)).enrolled).toBe(false);
    const done = await ua.submit(wrong, '/totp/confirm', { code: codeAt(secret) }) as Page;
    expect(done.url).toBe(`${server.issuer}/account/security?notice=factors.totp_enabled`);
    expect(done.html).toContain('验证器应用已设置成功');
    expect((await server.container.factors.totp.status(who.id)).enrolled).toBe(true);
  });

  it('passes the second factor: the ID token has amr pwd, otp, mfa and acr …:aal:2; the same code is refused the second time', async () => {
    await awaitFreshStep();
    const who = await citizen();
    const secret = await enrolTotp(new UserAgent(server.issuer), who.idNumber, who.password); // used step +1
    const code = codeAt(secret, 0);

    const first = await atFactor(who, 'totp');
    expect(first.form.html).toContain('inputmode="numeric"');
    const back = await first.ua.submit(first.form, '/mfa/totp', { code });
    if (!isRedirect(back)) throw new Error(`expected the platform, got ${back.status} ${back.html.slice(0, 200)}`);
    const tokens = await strict.finish(back.redirect, first.start);
    const claims = tokens.claims()!;
    expect(claims.acr).toBe('urn:yihao:loa:1:aal:2');
    expect(claims.amr).toEqual(expect.arrayContaining(['pwd', 'otp', 'mfa']));

    // The same code again (another login): refused, the form again.
    const again = await atFactor(who, 'totp');
    const refused = await again.ua.submit(again.form, '/mfa/totp', { code }) as Page;
    expect(refused.status).toBe(400);
    expect(refused.html).toContain('验证码不正确或已使用');
    // So is the code that confirmed the enrolment; the previous step's code is still good.
    expect((await again.ua.submit(refused, '/mfa/totp', { code: codeAt(secret, 1) }) as Page).status).toBe(400);
    expect(isRedirect(await again.ua.submit(refused, '/mfa/totp', { code: codeAt(secret, -1) }))).toBe(true);
  });

  it('of 20 parallel submissions of one code, exactly one passes', async () => {
    const who = await citizen();
    const secret = await enrolTotp(new UserAgent(server.issuer), who.idNumber, who.password);
    const logins = await Promise.all(Array.from({ length: 20 }, () => atFactor(who, 'totp')));
    await awaitFreshStep(5_000);
    // A step within the window that the enrolment did not use.
    const offset = [0, -1, 1].find((o) => stepAt(o) !== enrolTotp.lastStep)!;
    const code = codeAt(secret, offset);
    const results = await Promise.all(logins.map((l) => l.ua.submit(l.form, '/mfa/totp', { code })));
    expect(results.filter(isRedirect)).toHaveLength(1);
    expect(results.filter((r) => !isRedirect(r)).map((r) => (r as Page).status)).toEqual(Array(19).fill(400));
  });

  it('is removed only after a recent login that used it (a password alone is not enough), and then no longer offered', async () => {
    const who = await citizen();
    const ua = new UserAgent(server.issuer);
    const secret = await enrolTotp(ua, who.idNumber, who.password);
    const now = Date.now();
    vi.spyOn(Date, 'now').mockImplementation(() => now + 6 * 60_000);

    const page = await ua.page('/account/security');
    expect(page.html).toContain('/account/login?to=/account/security&amp;fresh=1');
    const refused = await ua.submit(page, '/totp/remove') as Page;
    expect(refused.status).toBe(403);
    expect(refused.html).toContain('请重新登录验证身份');
    expect((await server.container.factors.totp.status(who.id)).enrolled).toBe(true);
    // Replacing it is refused alike.
    expect((await ua.submit(page, '/totp/start') as Page).status).toBe(403);

    const login = await ua.page('/account/login?to=/account/security&fresh=1');
    expect(login.html).toContain('name="password"');
    // The account has an authenticator: the password leads on to the second factor, not back.
    const chooser = await ua.submit(login, '/login', { identifier: who.idNumber, password: who.password }) as Page;
    expect(chooser.url).toMatch(/\/interaction\/[^/]+\/mfa$/);
    const form = await factorForm(ua, chooser, 'totp');
    const fresh = await ua.submit(form, '/mfa/totp', { code: codeAt(secret) }) as Page;
    expect(fresh.url).toBe(`${server.issuer}/account/security`);
    const removed = await ua.submit(fresh, '/totp/remove') as Page;
    expect(removed.url).toBe(`${server.issuer}/account/security?notice=factors.totp_removed`);
    expect((await server.container.factors.totp.status(who.id)).enrolled).toBe(false);
    vi.restoreAllMocks();
    const later = await toMfaPrompt(new UserAgent(server.issuer), (await strict.authorize()).url, who.idNumber, who.password);
    expect(later.html).not.toContain('/mfa/totp');
  });
});

describe('recovery codes', () => {
  async function generate(ua: UserAgent): Promise<string[]> {
    const codes = shownCodes(await ua.submit(await ua.page('/account/security'), '/account/security/recovery-codes') as Page);
    expect(codes).toHaveLength(10);
    return codes;
  }

  it('are shown once, stored hashed, single use at login (amr otp), counted on the account page', async () => {
    const who = await citizen();
    const ua = new UserAgent(server.issuer);
    await consoleLogin(ua, who.idNumber, who.password);
    const codes = await generate(ua);
    for (const c of codes) expect(c).toMatch(/^[2-9A-HJKMNP-Z]{5}-[2-9A-HJKMNP-Z]{5}$/);
    expect(new Set(codes).size).toBe(10);
    const stored = await server.container.db.knex('mfa_recovery_codes').where({ person_id: who.id });
    expect(stored).toHaveLength(10);
    expect(JSON.stringify(stored)).not.toMatch(new RegExp(codes.map((c) => c.replace('-', '-?')).join('|')));
    expect((await ua.page('/account/security')).html).toContain('剩余 10 个可用恢复码');

    const first = await atFactor(who, 'recovery-code');
    // Typed in lower case with a space: still the code.
    const back = await first.ua.submit(first.form, '/mfa/recovery-code', { code: codes[0]!.toLowerCase().replace('-', ' ') });
    if (!isRedirect(back)) throw new Error(`expected the platform, got ${back.status}`);
    const claims = (await strict.finish(back.redirect, first.start)).claims()!;
    expect(claims.amr).toEqual(expect.arrayContaining(['pwd', 'otp', 'mfa']));
    expect(claims.acr).toBe('urn:yihao:loa:1:aal:2');
    expect((await ua.page('/account/security')).html).toContain('剩余 9 个可用恢复码');

    const again = await atFactor(who, 'recovery-code');
    expect((await again.ua.submit(again.form, '/mfa/recovery-code', { code: codes[0]! }) as Page).status).toBe(400);

    // Of 20 parallel uses of one code, exactly one wins.
    const logins = await Promise.all(Array.from({ length: 20 }, () => atFactor(who, 'recovery-code')));
    const results = await Promise.all(logins.map((l) => l.ua.submit(l.form, '/mfa/recovery-code', { code: codes[1]! })));
    expect(results.filter(isRedirect)).toHaveLength(1);
    expect((await ua.page('/account/security')).html).toContain('剩余 8 个可用恢复码');
  });

  it('regenerating voids the old codes, and needs a recent login', async () => {
    const who = await citizen();
    const ua = new UserAgent(server.issuer);
    await consoleLogin(ua, who.idNumber, who.password);
    const old = await generate(ua);
    const fresh = await generate(ua);
    expect(fresh).not.toEqual(old);
    const login = await atFactor(who, 'recovery-code');
    expect((await login.ua.submit(login.form, '/mfa/recovery-code', { code: old[2]! }) as Page).status).toBe(400);
    expect(isRedirect(await login.ua.submit(login.form, '/mfa/recovery-code', { code: fresh[2]! }))).toBe(true);

    const now = Date.now();
    vi.spyOn(Date, 'now').mockImplementation(() => now + 6 * 60_000);
    const refused = await ua.submit(await ua.page('/account/security'), '/account/security/recovery-codes') as Page;
    expect(refused.status).toBe(403);
    expect(refused.html).not.toContain('recovery-code-list');
    vi.restoreAllMocks();
    const still = await atFactor(who, 'recovery-code');
    expect(isRedirect(await still.ua.submit(still.form, '/mfa/recovery-code', { code: fresh[3]! }))).toBe(true);
  });
});
