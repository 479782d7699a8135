/**
 * Changing the bound mobile number from the account console: a recent (and, with an enrolled
 * factor, strong) login; a code to the NEW number; a notice to the OLD one; audit; the login
 * identifier moves with it.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { totpCode } from '../../src/authn/totp.ts';
import { consoleLogin } from '../helpers/account.ts';
import { UserAgent, type Page } from '../helpers/browser.ts';
import { person, phone } from '../helpers/identities.ts';
import { textedCode } from '../helpers/registration.ts';
import { addChannel, startVerificationWorld, type VerificationWorld } from '../helpers/verification.ts';

let w: VerificationWorld;

beforeAll(async () => {
  w = await startVerificationWorld();
  await addChannel(w, 'sms', 'sms-a');
});
afterAll(() => w?.stop());
beforeEach(async () => { await w.c.db.knex('rate_limits').delete(); });

async function citizen() {
  const p = person();
  const res = await w.c.persons.register(p);
  if (!res.ok || !res.personId) throw new Error('registration failed');
  return { ...p, personId: res.personId };
}

async function changePage(p: { idNumber: string; password: string }) {
  const ua = new UserAgent(w.server.issuer);
  await consoleLogin(ua, p.idNumber, p.password);
  return { ua, page: await ua.page('/account/phone-change') };
}

describe('changing the bound mobile number', () => {
  it('proves the new number, notifies the old one, audits, and moves the login identifier', async () => {
    const p = await citizen();
    const { ua, page } = await changePage(p);
    const next = phone();
    const sent = (await ua.submit(page, '/account/phone-change/send', { phone: next })) as Page;
    expect(sent.status).toBe(200);
    expect(sent.html).toContain(`${next.slice(0, 3)}****${next.slice(-4)}`);
    expect(await w.admin.lastSms(p.phone)).toBeNull(); // the code goes to the new number only
    const code = await textedCode(w.admin, next);
    expect((await w.admin.lastSms(next))!.templateId).toBe('phone_change_code');
    // A code for this number does not move the account to another one.
    const swapped = (await ua.submit(sent, '/account/phone-change/verify', { code, phone: phone() })) as Page;
    expect(swapped.status).toBe(401);
    expect((await w.c.persons.get(p.personId))!.phone).toBe(p.phone);

    const done = (await ua.submit(sent, '/account/phone-change/verify', { code })) as Page;
    expect(done.html).toContain('手机号码已更换');
    const after = (await w.c.persons.get(p.personId))!;
    expect(after.phone).toBe(next);
    expect(after.phoneVerifiedAt).toBeInstanceOf(Date);
    const notice = await w.admin.lastSms(p.phone);
    expect(notice?.templateId).toBe('phone_changed');
    expect(notice?.params.phone).toBe(`${next.slice(0, 3)}****${next.slice(-4)}`);
    const audit = await w.c.db.knex('audit_events').where({ action: 'person.phone_changed', actor: p.personId }).select('detail');
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit)).not.toContain(next);
    // Login identifier: the new number logs in, the old one no longer does.
    await expect(w.c.login.authenticate(next, p.password, '10.1.1.1')).resolves.toBe(p.personId);
    await expect(w.c.login.authenticate(p.phone, p.password, '10.1.1.2')).rejects.toMatchObject({ code: 'login.invalid_credentials' });
  });

  it('refuses a number bound to another account, after its proof', async () => {
    const p = await citizen();
    const other = await citizen();
    const { ua, page } = await changePage(p);
    const sent = (await ua.submit(page, '/account/phone-change/send', { phone: other.phone })) as Page;
    const code = await textedCode(w.admin, other.phone);
    const taken = (await ua.submit(sent, '/account/phone-change/verify', { code })) as Page;
    expect(taken.status).toBe(409);
    expect(taken.html).toContain('该手机号码已绑定其他账号');
    expect((await w.c.persons.get(p.personId))!.phone).toBe(p.phone);
  });

  it('needs a re-authentication with the second factor when the account has one', async () => {
    const p = await citizen();
    await w.c.factors.totp.start(p.personId);
    const secret = (await w.c.factors.totp.pendingSecret(p.personId))!;
    expect(await w.c.factors.totp.confirm(p.personId, totpCode(secret, Date.now() - 30_000), '10.0.0.1')).toBe(true);
    const { ua, page } = await changePage(p); // a password-only console login
    expect(page.html).toContain('请先重新登录再更换手机号码');
    expect(page.html).toContain('href="/account/login?to=/account/phone-change&amp;fresh=1"');
    const csrf = /name="_csrf" value="([^"]+)"/.exec((await ua.page('/account')).html)![1]!; // the page offers no form
    const forced = await ua.request('/account/phone-change/send', {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ phone: phone(), _csrf: csrf }),
    });
    expect(forced.status).toBe(403);
    expect((await w.c.persons.get(p.personId))!.phone).toBe(p.phone);
  });
});
