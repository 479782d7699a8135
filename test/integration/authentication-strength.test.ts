/**
 * A platform can require a stronger authentication than a password, by its registration
 * (`minimum_aal`, or an acr value naming a strength) or per request (`acr_values`); with no
 * factor to offer (strength 3 without a passkey), the platform gets unmet_authentication_requirements,
 * never a weaker token.
 * The token's acr names what is held, in the form asked for; amr says how.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserAgent } from '../helpers/browser.ts';
import { person } from '../helpers/identities.ts';
import { loginThrough, loginToPage, registerPlatform, type Platform } from '../helpers/platform.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let plain: Platform;
let strict: Platform;
const citizen = person();

beforeAll(async () => {
  server = await startTestServer();
  plain = await registerPlatform(server.container, server.issuer, { first_party: true });
  strict = await registerPlatform(server.container, server.issuer, { first_party: true, minimum_aal: 2 });
  await server.container.persons.register(citizen);
});
afterAll(() => server?.stop());

const passwordLogin = (ua: UserAgent, url: string) => loginToPage(ua, url, citizen.idNumber, citizen.password);

describe('authentication strength', () => {
  it('advertises identity levels, strengths and both in discovery', async () => {
    const values = plain.config.serverMetadata().acr_values_supported!;
    expect(values).toEqual(expect.arrayContaining(['urn:yihao:loa:1', 'urn:yihao:aal:2', 'urn:yihao:aal:3', 'urn:yihao:loa:3:aal:2']));
  });

  it('reports a password login as strength 1 with amr pwd, in the form asked for', async () => {
    const ua = new UserAgent(server.issuer);
    const identityOnly = await plain.authorize({ acr_values: 'urn:yihao:loa:1' });
    const a = await plain.finish(await loginThrough(ua, identityOnly.url, citizen.idNumber, citizen.password), identityOnly);
    expect(a.claims()).toMatchObject({ acr: 'urn:yihao:loa:1', amr: ['pwd'] });
    // The same SSO session, asked for a strength: named in the combined form.
    const withStrength = await plain.authorize({ acr_values: 'urn:yihao:aal:1' });
    const b = await plain.finish(await ua.redirect(withStrength.url), withStrength);
    expect(b.claims()).toMatchObject({ acr: 'urn:yihao:loa:1:aal:1', amr: ['pwd'] });
  });

  it.each([
    ['a registered minimum_aal', () => strict, {}],
    ['acr_values asking for strength 2', () => plain, { acr_values: 'urn:yihao:aal:2' }],
    ['acr_values asking for level and strength', () => plain, { acr_values: 'urn:yihao:loa:1:aal:2' }],
    ['a registered floor that the request tries to lower', () => strict, { acr_values: 'urn:yihao:aal:1 urn:yihao:loa:1' }],
  ])('with %s, a password alone leads to the second-factor page, which offers a code to the bound mobile', async (_label, platform, params) => {
    const ua = new UserAgent(server.issuer);
    const start = await platform().authorize(params as Record<string, string>);
    const page = await passwordLogin(ua, start.url);
    expect(page.url).toMatch(/\/interaction\/[^/]+\/mfa$/);
    expect(page.html).toContain('/mfa/sms');
    expect(page.html).not.toContain('/mfa/unmet');
  });

  it('with strength 3 asked for and no passkey, leads to unmet_authentication_requirements (an SMS code is not enough)', async () => {
    const ua = new UserAgent(server.issuer);
    const start = await plain.authorize({ acr_values: 'urn:yihao:aal:3' });
    const page = await passwordLogin(ua, start.url);
    if ('redirect' in page) throw new Error(`expected the second-factor page, got ${page.redirect}`);
    expect(page.html).not.toContain('/mfa/sms');
    const back = await ua.submit(page, '/mfa/unmet');
    if (!('redirect' in back)) throw new Error('expected a redirect to the platform');
    expect(new URL(back.redirect).searchParams.get('error')).toBe('unmet_authentication_requirements');
    await expect(plain.finish(back.redirect, start)).rejects.toMatchObject({ error: 'unmet_authentication_requirements' });
  });

  it('lets the person decline: access_denied', async () => {
    const ua = new UserAgent(server.issuer);
    const start = await strict.authorize();
    const page = await passwordLogin(ua, start.url);
    const back = await ua.submit(page, '/mfa/cancel');
    if (!('redirect' in back)) throw new Error('expected a redirect to the platform');
    expect(new URL(back.redirect).searchParams.get('error')).toBe('access_denied');
  });

  it('refuses a minimum_aal that is not 1, 2 or 3 at registration', async () => {
    await expect(server.container.clients.add({ client_name: 'x', redirect_uris: ['http://127.0.0.1:9/cb/x'], minimum_aal: 5 } as never)).rejects.toThrow(/minimum_aal/);
  });

  it('never answers prompt=none with a token below the strength required', async () => {
    const ua = new UserAgent(server.issuer);
    const first = await plain.authorize();
    await loginThrough(ua, first.url, citizen.idNumber, citizen.password);
    const silent = await strict.authorize({ prompt: 'none' });
    const back = new URL(await ua.redirect(silent.url));
    expect(back.searchParams.get('code')).toBeNull();
    expect(back.searchParams.get('error')).toMatch(/interaction_required|login_required|unmet_authentication_requirements/);
  });
});
