import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { UserAgent, type Page } from '../helpers/browser.ts';
import { consoleLogin } from '../helpers/account.ts';
import { person } from '../helpers/identities.ts';
import * as oidc from 'openid-client';
import { BACKCHANNEL_EVENT, startLogoutReceiver, type LogoutReceiver } from '../helpers/logout-receiver.ts';
import { offlineLogin, registerPlatform, type Platform } from '../helpers/platform.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let platform: Platform;
let receiver: LogoutReceiver;
const citizen = person();
const NEW_PASSWORD = 'Brand-New-Passw0rd';

/** Logs in at the platform in a fresh browser; returns the page or redirect after the login form. */
async function platformLoginWith(password: string) {
  const ua = new UserAgent(server.issuer);
  const start = await platform.authorize();
  return ua.submit(await ua.page(start.url), '/login', { identifier: citizen.idNumber, password });
}

/** Moves this process's clock (the server runs in it) forward. */
const advanceClock = (ms: number) => {
  const now = Date.now();
  vi.spyOn(Date, 'now').mockImplementation(() => now + ms);
};

beforeAll(async () => {
  receiver = await startLogoutReceiver();
  server = await startTestServer();
  platform = await registerPlatform(server.container, server.issuer, {
    first_party: true, backchannel_logout_uri: `${receiver.url}/bcl`, backchannel_logout_session_required: true,
  });
  await server.container.persons.register(citizen);
});
afterAll(async () => {
  await server?.stop();
  receiver?.close();
});
afterEach(() => { vi.restoreAllMocks(); });

describe('changing the password on the account page', () => {
  it('requires a login within the last 5 minutes', async () => {
    const ua = new UserAgent(server.issuer);
    await consoleLogin(ua, citizen.idNumber, citizen.password);
    advanceClock(6 * 60_000);

    const page = await ua.page('/account/password');
    expect(page.html).toContain('修改密码前请重新登录验证身份');
    expect(page.html).not.toContain('name="passwordConfirm"');
    // Posting anyway (a form kept open, or a forged request with a stolen page) changes nothing.
    const csrf = /name="_csrf" value="([^"]+)"/.exec((await ua.page('/account')).html)![1]!;
    const res = await ua.request('/account/password', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf, password: NEW_PASSWORD, passwordConfirm: NEW_PASSWORD }),
    });
    expect(res.status).toBe(403);
    expect('redirect' in await platformLoginWith(citizen.password)).toBe(true);

    // "Log in again" asks for the password even though the SSO session is alive.
    const login = await ua.page('/account/login?to=/account/password&fresh=1');
    expect(login.html).toContain('name="password"');
    const form = await ua.submit(login, '/login', { identifier: citizen.idNumber, password: citizen.password });
    expect('url' in form && form.url).toBe(`${server.issuer}/account/password`);
    expect((form as Page).html).toContain('name="passwordConfirm"');
  });

  it('rejects weak passwords and mismatched confirmations', async () => {
    const ua = new UserAgent(server.issuer);
    await consoleLogin(ua, citizen.idNumber, citizen.password);
    const form = await ua.page('/account/password');
    const cases: Array<[string, string, string]> = [
      ['Ab1!', 'Ab1!', '密码至少 8 位'],
      ['abcdefghij', 'abcdefghij', '密码过于简单'],
      ['Password123', 'Password123', '该密码过于常见'],
      [`Aa!${citizen.phone}`, `Aa!${citizen.phone}`, '密码不能包含证件号码或手机号码'],
      [NEW_PASSWORD, `${NEW_PASSWORD}x`, '两次输入的密码不一致'],
    ];
    for (const [password, passwordConfirm, message] of cases) {
      const res = await ua.submit(form, '/account/password', { password, passwordConfirm });
      expect('status' in res && res.status, message).toBe(400);
      expect((res as Page).html).toContain(message);
      expect((res as Page).html).not.toContain(citizen.phone);
    }
    expect('redirect' in await platformLoginWith(citizen.password)).toBe(true);
  });

  it('changes it: the old password stops working, the new one works, other sessions and all refresh tokens end', async () => {
    const other = new UserAgent(server.issuer);
    const otherTokens = await offlineLogin(platform, other, citizen.idNumber, citizen.password);
    await consoleLogin(other, citizen.idNumber, citizen.password);
    const ua = new UserAgent(server.issuer);
    const hereTokens = await offlineLogin(platform, ua, citizen.idNumber, citizen.password);
    await consoleLogin(ua, citizen.idNumber, citizen.password);
    receiver.received.length = 0;

    const form = await ua.page('/account/password');
    expect(form.html).toContain('其他浏览器和设备上的登录将全部退出');
    const done = await ua.submit(form, '/account/password', { password: NEW_PASSWORD, passwordConfirm: NEW_PASSWORD });
    expect('url' in done && done.url).toContain('/account?notice=account.password_changed');
    expect((done as Page).html).toContain('密码已修改');

    const old = await platformLoginWith(citizen.password);
    expect('html' in old && old.html).toContain('证件号码（手机号）或密码错误');
    expect('redirect' in await platformLoginWith(NEW_PASSWORD)).toBe(true);
    // The other browser was logged out; this one stays.
    expect((await other.request('/account')).status).toBe(302);
    expect((await ua.request('/account')).status).toBe(200);
    // Every refresh token dies, this browser's too (the person may not know which ones leaked);
    // this browser's platform gets new tokens without a login, the other browser's must log in.
    for (const tokens of [otherTokens, hereTokens]) {
      await expect(oidc.refreshTokenGrant(platform.config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    }
    const silent = async (agent: UserAgent) => new URL(await agent.redirect((await platform.authorize({ prompt: 'none' })).url)).searchParams;
    expect((await silent(ua)).get('code')).toBeTruthy();
    expect((await silent(other)).get('error')).toBe('login_required');
    const logouts = await receiver.tokensFor(server.issuer, platform.clientId);
    // (Earlier tests' platform logins were other sessions too.)
    expect(logouts.find((t) => t.sid === otherTokens.claims()!.sid)).toMatchObject({ sub: otherTokens.claims()!.sub, events: { [BACKCHANNEL_EVENT]: {} } });
    expect(logouts.find((t) => t.sid === hereTokens.claims()!.sid)).toBeUndefined();

    const personId = (await server.container.persons.findByIdentifier(citizen.idNumber))!.id;
    const audit = await server.container.db.knex('audit_events').where({ action: 'password.changed', actor: personId });
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit)).not.toContain(NEW_PASSWORD);
    const revoked = await server.container.db.knex('audit_events').where({ action: 'grants.revoked', target: personId });
    expect(revoked).toHaveLength(1);
    expect(revoked[0].detail).toMatchObject({ reason: 'password_changed', kept: 2 });
    expect(await server.container.db.knex('audit_events').where({ action: 'session.ended' }).whereRaw(`detail->>'reason' = 'password_changed'`)).not.toHaveLength(0);
  });
});
