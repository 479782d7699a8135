/**
 * Second-factor codes are throttled like passwords (reserve before the check): with the default
 * limits, wrong codes spend the account's counters, after which even the right code is refused
 * with 429 until the lock ends; parallel guesses get no more tries than sequential ones.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from '../helpers/browser.ts';
import { UserAgent } from '../helpers/browser.ts';
import { codeAt, enrolTotp, factorForm, toMfaPrompt } from '../helpers/factors.ts';
import { person } from '../helpers/identities.ts';
import { registerPlatform, type Platform } from '../helpers/platform.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let strict: Platform;

beforeAll(async () => {
  server = await startTestServer();
  strict = await registerPlatform(server.container, server.issuer, { first_party: true, minimum_aal: 2 });
});
afterAll(() => server?.stop());

async function enrolled() {
  const who = person();
  await server.container.persons.register(who);
  const secret = await enrolTotp(new UserAgent(server.issuer), who.idNumber, who.password);
  const ua = new UserAgent(server.issuer);
  const chooser = await toMfaPrompt(ua, (await strict.authorize()).url, who.idNumber, who.password);
  return { who, secret, ua, form: await factorForm(ua, chooser, 'totp') };
}

/** A six-digit code that is none of the window's codes. */
const wrongCode = (secret: string) => {
  const valid = new Set([-1, 0, 1, 2].map((o) => codeAt(secret, o)));
  let n = 0;
  while (valid.has(String(n).padStart(6, '0'))) n += 1;
  return String(n).padStart(6, '0');
};

describe('second-factor throttle', () => {
  it('locks the account\'s factor checks after 5 wrong codes from one address: the right code is then refused too', async () => {
    const { secret, ua, form } = await enrolled();
    for (let i = 0; i < 5; i++) {
      const r = await ua.submit(form, '/mfa/totp', { code: wrongCode(secret) }) as Page;
      expect(r.status).toBe(400);
    }
    const res = await ua.request(new URL(/action="([^"]*\/mfa\/totp)"/.exec(form.html)![1]!, form.url).toString(), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: /name="_csrf" value="([^"]+)"/.exec(form.html)![1]!, code: codeAt(secret, 0) }),
    });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await res.text()).toContain('验证尝试次数过多');
  });

  it('lets at most 5 of 20 parallel wrong codes reach the check', async () => {
    const { secret, ua, form } = await enrolled();
    const results = await Promise.all(Array.from({ length: 20 }, () => ua.submit(form, '/mfa/totp', { code: wrongCode(secret) }) as Promise<Page>));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 400).length).toBeLessThanOrEqual(5);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(15);
  });

  it('counts recovery codes on the same counters as authenticator codes', async () => {
    const { who, secret, ua, form } = await enrolled();
    await server.container.factors.recoveryCodes.generate((await server.container.persons.findByIdentifier(who.idNumber))!.id, '127.0.0.1');
    const chooser = await ua.page(form.url.replace(/\/totp$/, ''));
    const codeForm = await factorForm(ua, chooser, 'recovery-code');
    for (let i = 0; i < 5; i++) expect((await ua.submit(codeForm, '/mfa/recovery-code', { code: 'AAAAA-AAAAA' }) as Page).status).toBe(400);
    expect((await ua.submit(form, '/mfa/totp', { code: codeAt(secret, 0) }) as Page).status).toBe(429);
  });
});
