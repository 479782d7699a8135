import http from 'node:http';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserAgent, type Page } from '../helpers/browser.ts';
import { consoleCookie, consoleLogin, section } from '../helpers/account.ts';
import { person } from '../helpers/identities.ts';
import { loginThrough, registerPlatform, type Platform } from '../helpers/platform.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let platform: Platform;
let receiver: http.Server;
const logoutTokens: string[] = [];
const citizen = person();

/** The `session` field of each "end this session" form that is not the current session's. */
const otherSessions = (page: Page) => [...section(page, 'sessions').matchAll(/<li class="item">[\s\S]*?name="session" value="([^"]+)"/g)].map((m) => m[1]!);
const sessionCount = (page: Page) => [...section(page, 'sessions').matchAll(/name="session"/g)].length;

async function silentAt(ua: UserAgent): Promise<URLSearchParams> {
  const start = await platform.authorize({ prompt: 'none' });
  return new URL(await ua.redirect(start.url)).searchParams;
}

async function platformLogin(ua: UserAgent) {
  const start = await platform.authorize();
  return platform.finish(await loginThrough(ua, start.url, citizen.idNumber, citizen.password), start);
}

beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => { logoutTokens.push(new URLSearchParams(body).get('logout_token')!); res.end(); });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  server = await startTestServer();
  platform = await registerPlatform(server.container, server.issuer, {
    client_name: '不动产登记平台',
    backchannel_logout_uri: `http://127.0.0.1:${(receiver.address() as { port: number }).port}/bcl`,
  });
  await server.container.persons.register(citizen);
});
afterAll(async () => {
  await server?.stop();
  receiver?.close();
});

describe('sessions on the account page', () => {
  it('ends another device\'s session: the platform there must log in again, this console stays', async () => {
    const laptop = new UserAgent(server.issuer);
    await consoleLogin(laptop, citizen.idNumber, citizen.password);
    const phone = new UserAgent(server.issuer);
    const phoneTokens = await platformLogin(phone);
    expect((await silentAt(phone)).get('code')).toBeTruthy();

    const home = await laptop.page('/account');
    expect(sessionCount(home)).toBe(2);
    expect(section(home, 'sessions')).toContain('当前会话');
    expect(section(home, 'sessions')).toContain('不动产登记平台'); // the phone's session used it
    const [phoneSession] = otherSessions(home);

    const after = await laptop.submit(home, '/account/sessions/end', { session: phoneSession! });
    expect('url' in after && after.url).toContain('notice=account.session_ended');
    expect(sessionCount(after as Page)).toBe(1);
    expect((await silentAt(phone)).get('error')).toBe('login_required');
    // Its grant did not outlive the session (no offline_access), nor did its tokens.
    expect((await oidc.tokenIntrospection(platform.config, phoneTokens.access_token)).active).toBe(false);
    expect((await laptop.request('/account')).status).toBe(200);

    const again = await laptop.submit(home, '/account/sessions/end', { session: phoneSession! });
    expect((again as Page).html).toContain('该会话已结束或已过期');
    const audit = await server.container.db.knex('audit_events').where({ action: 'session.ended', target: phoneSession });
    expect(audit).toHaveLength(1);
  });

  it('logs a console out at once when its SSO session is ended from elsewhere', async () => {
    const laptop = new UserAgent(server.issuer);
    await consoleLogin(laptop, citizen.idNumber, citizen.password);
    const kiosk = new UserAgent(server.issuer);
    await consoleLogin(kiosk, citizen.idNumber, citizen.password);
    const home = await laptop.page('/account');
    for (const uid of otherSessions(home)) await laptop.submit(home, '/account/sessions/end', { session: uid });

    const res = await kiosk.request('/account');
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toContain('/auth?');
    expect(consoleCookie(kiosk)).toBeUndefined();
  });

  it('ends every session, this one through the provider\'s logout (with back-channel logout)', async () => {
    const laptop = new UserAgent(server.issuer);
    await platformLogin(laptop); // this browser also uses the platform
    await consoleLogin(laptop, citizen.idNumber, citizen.password);
    const tablet = new UserAgent(server.issuer);
    await platformLogin(tablet);
    expect((await silentAt(tablet)).get('code')).toBeTruthy();
    logoutTokens.length = 0;

    const confirm = await laptop.submit(await laptop.page('/account'), '/account/sessions/end-all');
    expect('url' in confirm && confirm.url).toContain('/session/end?');
    expect(consoleCookie(laptop)).toBeUndefined();
    const done = await laptop.submit(confirm as Page, '/session/end/confirm', { logout: 'yes' });
    expect((done as Page).html).toContain('您已退出登录');

    expect((await silentAt(tablet)).get('error')).toBe('login_required');
    expect((await silentAt(laptop)).get('error')).toBe('login_required');
    expect((await laptop.page('/account')).html).toContain('name="password"');
    // The platform used in this browser was told over the back channel.
    await expect.poll(() => logoutTokens.length, { timeout: 5000 }).toBeGreaterThanOrEqual(1);
    expect(await server.container.models.sessionsOf((await server.container.persons.findByIdentifier(citizen.idNumber))!.id)).toHaveLength(0);
  });

  it('ending this session from its own entry is a logout', async () => {
    const laptop = new UserAgent(server.issuer);
    const home = await consoleLogin(laptop, citizen.idNumber, citizen.password);
    const current = /<li class="item current">[\s\S]*?name="session" value="([^"]+)"/.exec(section(home, 'sessions'))![1]!;
    const confirm = await laptop.submit(home, '/account/sessions/end', { session: current });
    expect('url' in confirm && confirm.url).toContain('/session/end?');
    expect(new URL((confirm as Page).url).searchParams.get('post_logout_redirect_uri')).toBe(`${server.issuer}/account`);
  });
});
