/**
 * Passkeys over real HTTP against a real database, with a software authenticator standing in
 * for the browser: registration on the account page, usernameless login, the passkey as the
 * phishing-resistant second factor, and the refusals (a replayed challenge, a wrong origin, a
 * counter that does not move forward, another account's credential at the second-factor step).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { consoleLogin } from '../helpers/account.ts';
import { UserAgent, type Page } from '../helpers/browser.ts';
import { person } from '../helpers/identities.ts';
import { registerPlatform, type Platform } from '../helpers/platform.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { SoftAuthenticator } from '../helpers/soft-authenticator.ts';

let server: TestServer;
let strong: Platform;
let aliceId: string;
const alice = person();
const bob = person();

beforeAll(async () => {
  server = await startTestServer();
  strong = await registerPlatform(server.container, server.issuer, { first_party: true, minimum_aal: 3 });
  await server.container.persons.register(alice);
  aliceId = (await server.container.persons.findByIdentifier(alice.idNumber))!.id;
  await server.container.persons.register(bob);
});
afterAll(() => server?.stop());

const csrfOf = (page: Page) => /name="_csrf" value="([^"]+)"/.exec(page.html)![1]!;

async function postOptions(ua: UserAgent, path: string, page: Page) {
  const res = await ua.request(path, { method: 'POST', headers: { 'x-csrf-token': csrfOf(page) } });
  expect(res.status).toBe(200);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- WebAuthn options JSON, read field by field
  return res.json() as Promise<any>;
}

/**
 * Logs in to the console and adds a passkey of `auth` named `name`. An account that has a passkey
 * already must log in again with it first (`existing`): a password alone adds no factor.
 */
async function addPasskey(who: typeof alice, auth: SoftAuthenticator, name: string, existing?: SoftAuthenticator) {
  const ua = new UserAgent(server.issuer);
  await consoleLogin(ua, who.idNumber, who.password);
  if (existing) await reauthenticateWithPasskey(ua, who, existing);
  const page = await ua.page('/account/passkeys');
  const options = await postOptions(ua, '/account/passkeys/options', page);
  expect(options.authenticatorSelection).toMatchObject({ residentKey: 'required', userVerification: 'required' });
  const body = new URLSearchParams({ _csrf: csrfOf(page), credential: JSON.stringify(auth.create(options)), name });
  const done = await ua.page('/account/passkeys', { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  expect(done.html).toContain(name);
  return { ua, page: done };
}

/** "Log in again" from the console: the password, then (the account has one) the passkey. */
async function reauthenticateWithPasskey(ua: UserAgent, who: typeof alice, auth: SoftAuthenticator): Promise<Page> {
  const login = await ua.page('/account/login?to=/account/passkeys&fresh=1');
  const chooser = await ua.submit(login, '/login', { identifier: who.idNumber, password: who.password });
  if ('redirect' in chooser || !/\/mfa$/.test(chooser.url)) throw new Error('expected the second-factor page after the password');
  const factorPage = await ua.page(/href="([^"]*\/mfa\/passkey)"/.exec(chooser.html)![1]!);
  const options = await postOptions(ua, new URL(factorPage.url).pathname + '/options', factorPage);
  const done = await submitPasskey(ua, factorPage, '/mfa/passkey/verify', auth.get(options));
  if ('redirect' in done || !done.url.endsWith('/account/passkeys')) throw new Error('the re-authentication did not return to the console');
  return done;
}

/** Starts a login at `platform`, asks for passkey options; returns the page and the options. */
async function passkeyLoginStart(ua: UserAgent, platform: Platform) {
  const start = await platform.authorize();
  const login = await ua.page(start.url);
  const uid = /\/interaction\/([^/]+)\/passkey\/options/.exec(login.html)![1]!;
  const options = await postOptions(ua, `/interaction/${uid}/passkey/options`, login);
  return { start, login, options };
}

const submitPasskey = (ua: UserAgent, page: Page, action: string, credential: unknown) =>
  ua.submit(page, action, { credential: JSON.stringify(credential) });

describe('passkeys', () => {
  const aliceKey = new SoftAuthenticator('');
  const bobKey = new SoftAuthenticator('', { backupEligible: true });

  beforeAll(async () => {
    Object.assign(aliceKey, { origin: server.issuer });
    Object.assign(bobKey, { origin: server.issuer });
    await addPasskey(alice, aliceKey, '我的手机');
    await addPasskey(bob, bobKey, 'Bob’s laptop');
  });

  it('lets only the passkey pages run script, and only our own two files', async () => {
    const ua = new UserAgent(server.issuer);
    const start = await strong.authorize();
    const loginUrl = new URL((await ua.request(start.url)).headers.get('location')!, server.issuer);
    const login = await ua.request(loginUrl.toString());
    expect(login.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await login.text();
    expect([...html.matchAll(/<script[^>]*>/g)].map((m) => m[0])).toEqual(['<script src="/assets/webauthn.js" defer>', '<script src="/assets/passkey.js" defer>']);
    const register = await ua.request(`${loginUrl.pathname}/register`);
    expect(register.status).toBe(200);
    expect(register.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(register.headers.get('content-security-policy')).not.toContain('script-src');
    for (const file of ['webauthn.js', 'passkey.js']) {
      const res = await ua.request(`/assets/${file}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/javascript/);
      expect(await res.text()).toContain(file === 'webauthn.js' ? 'SimpleWebAuthnBrowser' : 'data-passkey');
    }
  });

  it('logs in usernameless at a strength-3 platform: amr hwk for a device-bound passkey, swk for a synced one, acr aal 3', async () => {
    for (const [auth, amr] of [[aliceKey, 'hwk'], [bobKey, 'swk']] as const) {
      const ua = new UserAgent(server.issuer);
      const { start, login, options } = await passkeyLoginStart(ua, strong);
      expect(options.allowCredentials ?? []).toEqual([]);
      expect(options.userVerification).toBe('required');
      const back = await submitPasskey(ua, login, '/passkey/verify', auth.get(options));
      if (!('redirect' in back)) throw new Error(`expected the platform, got ${back.status} ${back.html.slice(0, 300)}`);
      const claims = (await strong.finish(back.redirect, start)).claims()!;
      expect(claims).toMatchObject({ amr: [amr], acr: 'urn:yihao:loa:1:aal:3' });
    }
  });

  it('answers a challenge once: a wrong origin is refused, and the same challenge then fails even when correct', async () => {
    const ua = new UserAgent(server.issuer);
    const { start, login, options } = await passkeyLoginStart(ua, strong);
    const phished = await submitPasskey(ua, login, '/passkey/verify', aliceKey.get(options, { origin: 'https://yihao.example.com' }));
    expect('redirect' in phished).toBe(false);
    expect((phished as Page).status).toBe(401);
    const replay = await submitPasskey(ua, login, '/passkey/verify', aliceKey.get(options));
    expect((replay as Page).status).toBe(401);
    // A new challenge for the same interaction works: the refusal was the challenge's.
    const fresh = await postOptions(ua, new URL(login.url).pathname + '/passkey/options', login);
    const ok = await submitPasskey(ua, login, '/passkey/verify', aliceKey.get(fresh));
    if (!('redirect' in ok)) throw new Error(`expected the platform, got ${ok.status}`);
    expect((await strong.finish(ok.redirect, start)).claims()!.amr).toEqual(['hwk']);
  });

  it('refuses an assertion whose signature counter does not move forward', async () => {
    const ua = new UserAgent(server.issuer);
    const { login, options } = await passkeyLoginStart(ua, strong);
    const stale = aliceKey.credentials[0]!.counter; // the counter the server last saw
    const refused = await submitPasskey(ua, login, '/passkey/verify', aliceKey.get(options, { counter: stale }));
    expect((refused as Page).status).toBe(401);
    expect((refused as Page).html).toContain('通行密钥验证未通过');
  });

  it('refuses an assertion made for another account at the second-factor step, then accepts the account\'s own', async () => {
    const ua = new UserAgent(server.issuer);
    const start = await strong.authorize();
    const login = await ua.page(start.url);
    const chooser = await ua.submit(login, '/login', { identifier: alice.idNumber, password: alice.password });
    if ('redirect' in chooser) throw new Error('expected the second-factor page');
    expect(chooser.url).toMatch(/\/mfa$/);
    const factorPage = await ua.page(/href="([^"]*\/mfa\/passkey)"/.exec(chooser.html)![1]!);
    const options = await postOptions(ua, new URL(factorPage.url).pathname + '/options', factorPage);
    expect(options.allowCredentials.map((c: { id: string }) => c.id)).toEqual([aliceKey.credentials[0]!.id]);
    // Bob's own passkey, used on the challenge of Alice's step (as if the allow list were ignored).
    const foreign = await submitPasskey(ua, factorPage, '/mfa/passkey/verify', bobKey.get({ ...options, allowCredentials: undefined }));
    expect((foreign as Page).status).toBe(401);
    const again = await postOptions(ua, new URL(factorPage.url).pathname + '/options', factorPage);
    const done = await submitPasskey(ua, factorPage, '/mfa/passkey/verify', aliceKey.get(again));
    if (!('redirect' in done)) throw new Error(`expected the platform, got ${done.status} ${done.html.slice(0, 300)}`);
    expect((await strong.finish(done.redirect, start)).claims()).toMatchObject({ amr: ['pwd', 'hwk', 'mfa'], acr: 'urn:yihao:loa:1:aal:3' });
  });

  it('throttles assertion checks per credential: reserved before the check, so the eleventh failure is refused unchecked', async () => {
    const ua = new UserAgent(server.issuer);
    const { login, options } = await passkeyLoginStart(ua, strong);
    const stranger = new SoftAuthenticator(server.issuer);
    stranger.create({ challenge: 'x', rp: {}, user: { id: 'nobody' } });
    const statuses: number[] = [];
    for (let n = 0; n < 11; n++) statuses.push(((await submitPasskey(ua, login, '/passkey/verify', stranger.get(options))) as Page).status);
    expect(statuses).toEqual([...Array(10).fill(401), 429]);
  });

  it('adds no passkey to an account that has one on a password login alone', async () => {
    const ua = new UserAgent(server.issuer);
    await consoleLogin(ua, alice.idNumber, alice.password);
    const page = await ua.page('/account/passkeys');
    const res = await ua.request('/account/passkeys/options', { method: 'POST', headers: { 'x-csrf-token': csrfOf(page) } });
    expect(res.status).toBe(403);
    const thief = new SoftAuthenticator(server.issuer);
    const body = new URLSearchParams({ _csrf: csrfOf(page), credential: JSON.stringify(thief.create({ challenge: 'eA', rp: {}, user: { id: 'eA' } })), name: '小偷' });
    const refused = await ua.page('/account/passkeys', { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(refused.status).toBe(403);
    expect((await server.container.passkeys.list(aliceId)).map((p) => p.name)).not.toContain('小偷');
  });

  it('renames a passkey, and removes it only after a recent login with a passkey', async () => {
    const extra = new SoftAuthenticator(server.issuer);
    const { ua, page } = await addPasskey(alice, extra, '旧电脑', aliceKey);
    // Listed oldest first: the one just added is the last.
    const id = [...page.html.matchAll(/data-passkey-id="([^"]+)"/g)].at(-1)![1]!;
    const post = (path: string, fields: Record<string, string>) => ua.follow(path, {
      method: 'POST', body: new URLSearchParams({ _csrf: csrfOf(page), ...fields }), headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    const renamed = await post('/account/passkeys/rename', { id, name: '办公室电脑' }) as Page;
    expect(renamed.html).toContain('办公室电脑');
    expect(renamed.html).not.toContain('旧电脑');

    const now = Date.now();
    const later = vi.spyOn(Date, 'now').mockReturnValue(now + 6 * 60_000);
    try {
      const stale = await post('/account/passkeys/remove', { id }) as Page;
      expect(stale.status).toBe(403);
    } finally {
      later.mockRestore();
    }
    expect((await server.container.passkeys.list(aliceId)).map((p) => p.name)).toContain('办公室电脑');
    // The console cookie written "in the future" is refused now: open the console again (SSO).
    await consoleLogin(ua, alice.idNumber, alice.password);
    const removed = await post('/account/passkeys/remove', { id }) as Page;
    expect(removed.html).toContain('通行密钥已删除');
    expect(removed.html).not.toContain('办公室电脑');
  });

  it('keeps a challenge to the console session that asked for it', async () => {
    const carol = person(); // no passkey yet: a password login may add the first
    await server.container.persons.register(carol);
    const other = new SoftAuthenticator(server.issuer);
    const ua1 = new UserAgent(server.issuer);
    await consoleLogin(ua1, carol.idNumber, carol.password);
    const page1 = await ua1.page('/account/passkeys');
    const options = await postOptions(ua1, '/account/passkeys/options', page1);
    const ua2 = new UserAgent(server.issuer);
    await consoleLogin(ua2, carol.idNumber, carol.password);
    const page2 = await ua2.page('/account/passkeys');
    const body = new URLSearchParams({ _csrf: csrfOf(page2), credential: JSON.stringify(other.create(options)), name: 'x' });
    const res = await ua2.follow('/account/passkeys', { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } }) as Page;
    expect(res.status).toBe(400);
  });
});
