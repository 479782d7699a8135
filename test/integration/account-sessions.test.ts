import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserAgent, type Page } from '../helpers/browser.ts';
import { consoleCookie, consoleLogin, section } from '../helpers/account.ts';
import { person } from '../helpers/identities.ts';
import { BACKCHANNEL_EVENT, startLogoutReceiver, type LogoutReceiver } from '../helpers/logout-receiver.ts';
import { offlineLogin, registerPlatform, type Platform } from '../helpers/platform.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let platform: Platform;
let receiver: LogoutReceiver;
let personId: string;
const citizen = person();

/** The `session` field of each "end this session" form that is not the current session's. */
const otherSessions = (page: Page) => [...section(page, 'sessions').matchAll(/<li class="item">[\s\S]*?name="session" value="([^"]+)"/g)].map((m) => m[1]!);
const sessionCount = (page: Page) => [...section(page, 'sessions').matchAll(/name="session"/g)].length;

async function silentAt(ua: UserAgent): Promise<URLSearchParams> {
  const start = await platform.authorize({ prompt: 'none' });
  return new URL(await ua.redirect(start.url)).searchParams;
}

const platformLogin = (ua: UserAgent) => offlineLogin(platform, ua, citizen.idNumber, citizen.password);
const refreshRefused = (refreshToken: string) => expect(oidc.refreshTokenGrant(platform.config, refreshToken)).rejects.toMatchObject({ error: 'invalid_grant' });
const userinfoRefused = (accessToken: string) => expect(oidc.fetchUserInfo(platform.config, accessToken, oidc.skipSubjectCheck)).rejects.toBeDefined();
const audit = (action: string, where: Record<string, string> = {}) => server.container.db.knex('audit_events').where({ action, ...where });

beforeAll(async () => {
  receiver = await startLogoutReceiver();
  server = await startTestServer();
  platform = await registerPlatform(server.container, server.issuer, {
    client_name: '不动产登记平台',
    backchannel_logout_uri: `${receiver.url}/bcl`,
    backchannel_logout_session_required: true,
  });
  await server.container.persons.register(citizen);
  personId = (await server.container.persons.findByIdentifier(citizen.idNumber))!.id;
});
afterAll(async () => {
  await server?.stop();
  receiver?.close();
});

describe('sessions on the account page', () => {
  it('ends another device\'s session: its platform is told, its refresh token dies, this console stays', async () => {
    const laptop = new UserAgent(server.issuer);
    await consoleLogin(laptop, citizen.idNumber, citizen.password);
    const phone = new UserAgent(server.issuer);
    const phoneTokens = await platformLogin(phone);
    expect((await silentAt(phone)).get('code')).toBeTruthy();
    receiver.received.length = 0;

    const home = await laptop.page('/account');
    expect(sessionCount(home)).toBe(2);
    expect(section(home, 'sessions')).toContain('当前会话');
    expect(section(home, 'sessions')).toContain('不动产登记平台'); // the phone's session used it
    const [phoneSession] = otherSessions(home);

    const after = await laptop.submit(home, '/account/sessions/end', { session: phoneSession! });
    expect('url' in after && after.url).toContain('notice=account.session_ended');
    expect(sessionCount(after as Page)).toBe(1);
    expect((await silentAt(phone)).get('error')).toBe('login_required');
    // The grant made in that session goes although it was an offline one: that device may be lost.
    await refreshRefused(phoneTokens.refresh_token!);
    await userinfoRefused(phoneTokens.access_token);
    expect((await oidc.tokenIntrospection(platform.config, phoneTokens.access_token)).active).toBe(false);
    expect((await laptop.request('/account')).status).toBe(200);

    const [logout] = await receiver.tokensFor(server.issuer, platform.clientId);
    expect(logout).toMatchObject({ sub: phoneTokens.claims()!.sub, sid: phoneTokens.claims()!.sid, events: { [BACKCHANNEL_EVENT]: {} } });

    const again = await laptop.submit(home, '/account/sessions/end', { session: phoneSession! });
    expect((again as Page).html).toContain('该会话已结束或已过期');
    expect(await audit('session.ended', { target: phoneSession! })).toHaveLength(1);
    expect(await audit('grants.revoked', { target: personId })).toHaveLength(1);
    expect(await audit('backchannel.sent', { target: platform.clientId })).toHaveLength(1);
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

  it('ends every session, this one too: all refresh tokens die and every platform is told', async () => {
    const laptop = new UserAgent(server.issuer);
    const laptopTokens = await platformLogin(laptop); // this browser also uses the platform
    await consoleLogin(laptop, citizen.idNumber, citizen.password);
    const tablet = new UserAgent(server.issuer);
    const tabletTokens = await platformLogin(tablet);
    expect((await silentAt(tablet)).get('code')).toBeTruthy();
    receiver.received.length = 0;
    const ended = (await audit('session.ended')).length;
    const open = (await server.container.models.sessionsOf(personId)).length;
    expect(open).toBeGreaterThanOrEqual(2);

    const done = await laptop.submit(await laptop.page('/account'), '/account/sessions/end-all');
    expect('url' in done && done.url).toContain('state=logged_out');
    expect((done as Page).html).toContain('您已退出');
    expect(consoleCookie(laptop)).toBeUndefined();

    expect((await silentAt(tablet)).get('error')).toBe('login_required');
    expect((await silentAt(laptop)).get('error')).toBe('login_required');
    expect((await laptop.page('/account')).html).toContain('name="password"');
    for (const tokens of [laptopTokens, tabletTokens]) {
      await refreshRefused(tokens.refresh_token!);
      await userinfoRefused(tokens.access_token);
    }
    expect(await server.container.models.sessionsOf(personId)).toHaveLength(0);
    expect(await server.container.models.grantsOf(personId)).toHaveLength(0);

    // Both sessions' platforms were told, each with its own sid, before the page answered.
    const logouts = await receiver.tokensFor(server.issuer, platform.clientId);
    expect(logouts.map((t) => t.sid).sort()).toEqual([laptopTokens.claims()!.sid, tabletTokens.claims()!.sid].sort());
    for (const t of logouts) expect(t).toMatchObject({ sub: laptopTokens.claims()!.sub, events: { [BACKCHANNEL_EVENT]: {} } });
    expect((await audit('session.ended')).length - ended).toBe(open);
  });

  it('ending this session from its own entry signs this browser out', async () => {
    const laptop = new UserAgent(server.issuer);
    const home = await consoleLogin(laptop, citizen.idNumber, citizen.password);
    const current = /<li class="item current">[\s\S]*?name="session" value="([^"]+)"/.exec(section(home, 'sessions'))![1]!;
    const done = await laptop.submit(home, '/account/sessions/end', { session: current });
    expect('url' in done && done.url).toContain('state=logged_out');
    expect(consoleCookie(laptop)).toBeUndefined();
    expect(await audit('session.ended', { target: current })).toHaveLength(1);
    expect((await laptop.page('/account')).html).toContain('name="password"');
  });
});
