import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserAgent, type Page } from '../helpers/browser.ts';
import { consoleLogin, section } from '../helpers/account.ts';
import { person } from '../helpers/identities.ts';
import { loginThrough, registerPlatform, type Platform } from '../helpers/platform.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let platform: Platform;
let other: Platform;
const citizen = person();

beforeAll(async () => {
  server = await startTestServer();
  platform = await registerPlatform(server.container, server.issuer, { client_name: '社保服务平台' });
  other = await registerPlatform(server.container, server.issuer, { client_name: '公积金平台' });
  await server.container.persons.register(citizen);
});
afterAll(() => server?.stop());

describe('withdrawing consent from the account page', () => {
  it('lists the platforms with consent, and withdrawal revokes tokens and asks for consent again', async () => {
    const ua = new UserAgent(server.issuer);
    const start = await platform.authorize({ scope: 'openid profile offline_access', prompt: 'consent' });
    const tokens = await platform.finish(await loginThrough(ua, start.url, citizen.idNumber, citizen.password), start);
    const refreshed = await oidc.refreshTokenGrant(platform.config, tokens.refresh_token!);
    const startOther = await other.authorize({ scope: 'openid phone' });
    const otherConsent = await ua.page(startOther.url); // already logged in: consent only
    const otherTokens = await other.finish((await ua.submit(otherConsent, '/confirm') as { redirect: string }).redirect, startOther);

    // Same browser: the console opens without a password (single sign-on).
    const home = await consoleLogin(ua, citizen.idNumber, citizen.password);
    const consents = section(home, 'consents');
    expect(consents).toContain('社保服务平台');
    expect(consents).toContain('公积金平台');
    expect(consents).toContain('在您离开后保持访问'); // offline_access, in words
    expect(consents).not.toContain('一号 · 个人中心'); // the console's own grant is not a consent

    const after = await ua.submit(home, '/account/consents/withdraw', { client: platform.clientId });
    expect('url' in after && after.url).toContain('/account?notice=account.consent_withdrawn');
    const page = after as Page;
    expect(page.html).toContain('已撤销授权');
    expect(section(page, 'consents')).not.toContain('社保服务平台');
    expect(section(page, 'consents')).toContain('公积金平台'); // the other platform keeps its consent

    // Its tokens stopped working at once.
    await expect(oidc.refreshTokenGrant(platform.config, refreshed.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect((await oidc.tokenIntrospection(platform.config, refreshed.access_token)).active).toBe(false);
    expect((await oidc.tokenIntrospection(other.config, otherTokens.access_token)).active).toBe(true);

    // The platform must ask again: silently it cannot, interactively the consent page comes back.
    const silent = await platform.authorize({ prompt: 'none' });
    expect(new URL(await ua.redirect(silent.url)).searchParams.get('error')).toBe('consent_required');
    const again = await platform.authorize();
    const consent = await ua.page(again.url);
    expect(consent.html).toContain('/confirm');
    expect(consent.html).not.toContain('name="password"');

    const audit = await server.container.db.knex('audit_events').where({ action: 'consent.withdrawn', target: platform.clientId });
    expect(audit).toHaveLength(1);
    expect(audit[0].actor).toBe((await server.container.persons.findByIdentifier(citizen.idNumber))!.id);
  });

  it('refuses to withdraw a consent the person never gave, or another person\'s', async () => {
    const stranger = person();
    await server.container.persons.register(stranger);
    const ua = new UserAgent(server.issuer);
    const start = await other.authorize();
    await other.finish(await loginThrough(ua, start.url, stranger.idNumber, stranger.password), start);

    // A platform the citizen never authorised is "not found".
    const mine = new UserAgent(server.issuer);
    const home = await consoleLogin(mine, citizen.idNumber, citizen.password);
    const never = await registerPlatform(server.container, server.issuer, { client_name: '从未授权的平台' });
    const none = await mine.submit(home, '/account/consents/withdraw', { client: never.clientId });
    expect('status' in none && none.status).toBe(404);
    // Withdrawing the citizen's consent to `other` leaves the stranger's consent to it alone.
    await mine.submit(home, '/account/consents/withdraw', { client: other.clientId });
    const silent = await other.authorize({ prompt: 'none' });
    expect(new URL(await ua.redirect(silent.url)).searchParams.get('code')).toBeTruthy(); // stranger unaffected
  });
});
