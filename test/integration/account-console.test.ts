import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ACCOUNT_CLIENT_ID, AccountClient, ENDPOINTS } from '../../src/account/account-client.ts';
import { UserAgent } from '../helpers/browser.ts';
import { consoleCookie, consoleLogin } from '../helpers/account.ts';
import { person } from '../helpers/identities.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
const citizen = person();

beforeAll(async () => {
  server = await startTestServer();
  await server.container.persons.register(citizen);
});
afterAll(() => server?.stop());
afterEach(() => { vi.restoreAllMocks(); });

const maskedId = (id: string) => `${id.slice(0, 4)}${'*'.repeat(10)}${id.slice(-4)}`;

describe('the account console as an OIDC client of Yihao', () => {
  it('is registered at start as a built-in public client with PKCE and a public subject', async () => {
    await server.container.accountClient.ensure(); // the registration started with the server
    const { metadata } = await server.container.clients.show(ACCOUNT_CLIENT_ID);
    expect(metadata).toMatchObject({
      token_endpoint_auth_method: 'none',
      redirect_uris: [`${server.issuer}/account/callback`],
      post_logout_redirect_uris: [`${server.issuer}/account`],
      subject_type: 'public',
      first_party: true,
    });
    // The endpoints the console calls are the ones the provider publishes.
    const discovery = await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json() as Record<string, string>;
    expect(discovery.authorization_endpoint).toBe(`${server.issuer}${ENDPOINTS.authorization}`);
    expect(discovery.token_endpoint).toBe(`${server.issuer}${ENDPOINTS.token}`);
    expect(discovery.end_session_endpoint).toBe(`${server.issuer}${ENDPOINTS.endSession}`);
    expect(discovery.jwks_uri).toBe(`${server.issuer}${ENDPOINTS.jwks}`);

    // An operator's edit of the fields it depends on is put right at the next start; concurrent
    // starts (several workers) do not trip over each other.
    await server.container.clients.update(ACCOUNT_CLIENT_ID, { redirect_uris: ['https://elsewhere.example/cb'], subject_type: 'pairwise' });
    await Promise.all([1, 2].map(() => new AccountClient(server.container.clients, server.issuer).ensure()));
    expect((await server.container.clients.show(ACCOUNT_CLIENT_ID)).metadata).toMatchObject({
      redirect_uris: [`${server.issuer}/account/callback`], subject_type: 'public',
    });
  });

  it('sends a visitor without a console session to the authorization endpoint with PKCE, state and nonce', async () => {
    const ua = new UserAgent(server.issuer);
    const res = await ua.request('/account');
    expect(res.status).toBe(302);
    const to = new URL(res.headers.get('location')!);
    expect(to.origin + to.pathname).toBe(`${server.issuer}/auth`);
    expect(Object.fromEntries(to.searchParams)).toMatchObject({
      client_id: ACCOUNT_CLIENT_ID, response_type: 'code', scope: 'openid', code_challenge_method: 'S256',
      redirect_uri: `${server.issuer}/account/callback`,
    });
    expect(to.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(to.searchParams.get('state')!.length).toBeGreaterThanOrEqual(32);
    expect(to.searchParams.get('nonce')!.length).toBeGreaterThanOrEqual(32);
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('yihao.account.login='))!;
    expect(cookie).toMatch(/path=\/account/i);
    expect(cookie).toMatch(/httponly/i);
    expect(cookie).toMatch(/samesite=lax/i);
  });

  it('logs in through the login page and keeps a signed, httpOnly, SameSite=Lax console cookie', async () => {
    const ua = new UserAgent(server.issuer);
    const first = await ua.page('/account');
    expect(first.url).toContain('/interaction/');
    const home = await ua.submit(first, '/login', { identifier: citizen.idNumber, password: citizen.password });
    expect('url' in home && home.url).toBe(`${server.issuer}/account`);
    expect(consoleCookie(ua)).toBeTruthy();
    expect(ua.cookies.get('yihao.account.sig')).toBeTruthy();

    // The cookie attributes, seen on the next response that refreshes it.
    const again = await ua.request('/account');
    expect(again.status).toBe(200);
    const cookie = again.headers.getSetCookie().find((c) => c.startsWith('yihao.account='))!;
    expect(cookie).toMatch(/path=\/account/i);
    expect(cookie).toMatch(/httponly/i);
    expect(cookie).toMatch(/samesite=lax/i);
    expect(cookie).not.toMatch(/max-age|expires/i); // ends with the browser
  });

  it('rejects a tampered console cookie and a callback whose state does not match', async () => {
    const ua = new UserAgent(server.issuer);
    await consoleLogin(ua, citizen.idNumber, citizen.password);
    const forged = JSON.parse(Buffer.from(consoleCookie(ua)!, 'base64url').toString());
    ua.cookies.set('yihao.account', Buffer.from(JSON.stringify({ ...forged, sub: '00000000-0000-4000-8000-000000000000' })).toString('base64url'));
    const res = await ua.request('/account');
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toContain('/auth?');

    const bad = await ua.page('/account/callback?code=abc&state=not-the-one');
    expect(bad.status).toBe(400);
    expect(bad.html).toContain('登录已过期');
  });

  it('shows the profile with masked ID and phone numbers, never the full ID number', async () => {
    const ua = new UserAgent(server.issuer);
    const home = await consoleLogin(ua, citizen.idNumber, citizen.password);
    expect(home.html).toContain(citizen.name);
    expect(home.html).toContain(maskedId(citizen.idNumber));
    expect(home.html).toContain(`${citizen.phone.slice(0, 3)}****${citizen.phone.slice(-4)}`);
    expect(home.html).toContain(String(new Date().getFullYear())); // account created date
    expect(home.html).toContain('href="/account/verify"');
    expect(home.html).toContain('一级（自主注册）'); // the level from the assurance ladder

    for (const path of ['/account', '/account?lang=en', '/account/password']) {
      const page = await ua.page(path);
      expect(page.status).toBe(200);
      expect(page.html).not.toContain(citizen.idNumber);
      expect(page.html).not.toContain(citizen.idNumber.slice(4, 14));
      expect(page.html).not.toContain(citizen.phone);
    }
    const en = await ua.page('/account?lang=en');
    expect(en.html).toContain('My account');
    expect(en.html).toContain('Level 1 (self-asserted)');
    const csp = (await ua.request('/account')).headers.get('content-security-policy');
    expect(csp).toContain("default-src 'none'");
  });

  it('ends the console session after 15 idle minutes', async () => {
    const ua = new UserAgent(server.issuer);
    await consoleLogin(ua, citizen.idNumber, citizen.password);
    expect((await ua.request('/account')).status).toBe(200);
    const now = Date.now();
    vi.spyOn(Date, 'now').mockReturnValue(now + 16 * 60_000);
    const idle = await ua.request('/account');
    expect(idle.status).toBe(302);
    expect(idle.headers.get('location')).toContain('/auth?');
  });

  it('rejects forms without a valid CSRF token', async () => {
    const ua = new UserAgent(server.issuer);
    await consoleLogin(ua, citizen.idNumber, citizen.password);
    const post = (path: string, body: Record<string, string>) => ua.request(path, {
      method: 'POST', body: new URLSearchParams(body), headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    for (const [path, body] of [
      ['/account/consents/withdraw', { client: 'x' }],
      ['/account/sessions/end-all', {}],
      ['/account/password', { password: 'An0ther-Passw0rd', passwordConfirm: 'An0ther-Passw0rd' }],
      ['/account/logout', { _csrf: 'forged-token-of-the-right-length!' }],
    ] as const) {
      const res = await post(path, body);
      expect(res.status, path).toBe(403);
      expect(await res.text()).toContain('页面已过期');
    }
    // Nothing happened: the console session is still there.
    expect((await ua.request('/account')).status).toBe(200);
  });

  it('logs out through the provider (RP-initiated logout with id_token_hint)', async () => {
    const ua = new UserAgent(server.issuer);
    const home = await consoleLogin(ua, citizen.idNumber, citizen.password);
    const confirm = await ua.submit(home, '/account/logout');
    expect('url' in confirm && confirm.url).toContain('/session/end?');
    expect(new URL((confirm as { url: string }).url).searchParams.get('id_token_hint')).toBeTruthy();
    expect(consoleCookie(ua)).toBeUndefined();
    const done = await ua.submit(confirm as never, '/session/end/confirm', { logout: 'yes' });
    expect('url' in done && done.url).toBe(`${server.issuer}/account?state=logged_out`);
    expect((done as { html: string }).html).toContain('您已退出登录');
    // The SSO session is gone: the console asks for the password again.
    const again = await ua.page('/account');
    expect(again.html).toContain('name="password"');
  });
});
