import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserAgent, type Page } from '../helpers/browser.ts';
import { consoleLogin } from '../helpers/account.ts';
import { person } from '../helpers/identities.ts';
import { registerPlatform, type Platform } from '../helpers/platform.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

// A form of ours posted from another site is refused before anything happens, even with every
// field (CSRF token included) present: Origin, or Referer when there is no Origin, must be ours.
let server: TestServer;
let platform: Platform;
const citizen = person();

beforeAll(async () => {
  server = await startTestServer();
  await server.container.persons.register(citizen);
  platform = await registerPlatform(server.container, server.issuer, { first_party: true });
});
afterAll(() => server?.stop());

const FOREIGN = 'https://evil.example';

async function loginPage(ua: UserAgent) {
  const started = await platform.authorize();
  return { started, page: await ua.page(started.url) };
}

function expectRefused(result: Page | { redirect: string }) {
  expect('html' in result && result.status).toBe(403);
  expect((result as Page).html).toContain('origin.foreign');
  expect((result as Page).html).toContain('请求并非来自本站页面');
}

describe('the login form', () => {
  it.each([
    ['a foreign Origin', { origin: FOREIGN }],
    ['a foreign Referer without Origin', { referer: `${FOREIGN}/phish` }],
    ['Origin: null', { origin: 'null' }],
    ['a foreign Origin with our Referer', { origin: FOREIGN, referer: 'SELF' }],
    ['an unparseable Referer', { referer: 'not a url' }],
  ])('%s: 403 and nobody is logged in', async (_name, given: Record<string, string>) => {
    const headers = { ...given, ...(given.referer === 'SELF' ? { referer: `${server.issuer}/interaction/x` } : {}) };
    const ua = new UserAgent(server.issuer);
    const { page } = await loginPage(ua);
    expectRefused(await ua.submit(page, '/login', { identifier: citizen.idNumber, password: citizen.password }, headers));
    // The same browser is still anonymous: the next authorization request asks for a login.
    const again = await ua.page((await platform.authorize()).url);
    expect(again.html).toContain('name="password"');
  });

  it('from our own origin (Origin, or only Referer, or neither) the login works', async () => {
    const origin = new URL(server.issuer).origin;
    const variants: Record<string, string>[] = [{ origin }, { referer: `${server.issuer}/interaction/abc` }, {}];
    for (const headers of variants) {
      const ua = new UserAgent(server.issuer);
      const { started, page } = await loginPage(ua);
      const after = await ua.submit(page, '/login', { identifier: citizen.idNumber, password: citizen.password }, headers);
      expect('redirect' in after).toBe(true);
      const tokens = await platform.finish((after as { redirect: string }).redirect, started);
      expect(tokens.claims()?.sub).toBeTruthy();
    }
  });

  it('the forgotten-password form too; JSON clients get the stable code', async () => {
    const ua = new UserAgent(server.issuer);
    const { page } = await loginPage(ua);
    const recover = await ua.page(new URL(/href="([^"]*\/recover)"/.exec(page.html)![1]!, server.issuer).toString());
    expectRefused(await ua.submit(recover, '/recover', { idNumber: citizen.idNumber, phone: citizen.phone }, { origin: FOREIGN }));
    const res = await fetch(new URL(/action="([^"]*\/login)"/.exec(page.html)![1]!, server.issuer), {
      method: 'POST', headers: { origin: FOREIGN, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: '',
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: 'origin.foreign' });
  });
});

describe('the account console and the verify pages', () => {
  it('a foreign origin cannot end sessions or post a check; our own origin can', async () => {
    const ua = new UserAgent(server.issuer);
    const home = await consoleLogin(ua, citizen.idNumber, citizen.password);
    expectRefused(await ua.submit(home, '/account/sessions/end-all', {}, { origin: FOREIGN }));
    expect((await ua.page('/account')).html).not.toContain('name="password"'); // still logged in

    const verify = await ua.page('/account/verify');
    expectRefused(await ua.submit(verify, '/account/verify/check/population', {}, { referer: `${FOREIGN}/` }));

    const ended = await ua.submit(await ua.page('/account'), '/account/sessions/end-all', {}, { origin: new URL(server.issuer).origin });
    expect('html' in ended ? ended.status : 200).toBeLessThan(400);
  });
});

describe("what is not ours to check", () => {
  it("the provider's token endpoint (browser-based platforms post cross-origin) and the Bearer admin API", async () => {
    const token = await fetch(`${server.issuer}/token`, {
      method: 'POST',
      headers: { origin: FOREIGN, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: 'x', client_id: platform.clientId }),
    });
    expect(token.status).not.toBe(403);
    expect(((await token.json()) as { error: string }).error).toMatch(/^invalid_/);

    const admin = await fetch(`${server.issuer}/admin/api/channels`, {
      method: 'POST', headers: { origin: FOREIGN, 'content-type': 'application/json' }, body: '{}',
    });
    expect(admin.status).toBe(401);
  });
});
