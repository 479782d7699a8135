import http from 'node:http';
import * as oidc from 'openid-client';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserAgent } from '../helpers/browser.ts';
import { person } from '../helpers/identities.ts';
import { loginThrough, registerPlatform, type Platform } from '../helpers/platform.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let a: Platform;
let b: Platform;
let firstParty: Platform;
const citizen = person();
const logoutTokens: Array<{ path: string; token: string }> = [];
let receiver: http.Server;
let receiverUrl: string;

beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      logoutTokens.push({ path: req.url!, token: new URLSearchParams(body).get('logout_token')! });
      res.end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}`;
  server = await startTestServer();
  a = await registerPlatform(server.container, server.issuer, { backchannel_logout_uri: `${receiverUrl}/a`, backchannel_logout_session_required: true });
  b = await registerPlatform(server.container, server.issuer, { backchannel_logout_uri: `${receiverUrl}/b`, backchannel_logout_session_required: true });
  firstParty = await registerPlatform(server.container, server.issuer, { first_party: true });
  await server.container.persons.register(citizen);
});
afterAll(async () => {
  await server?.stop();
  receiver?.close();
});

describe('single sign-on', () => {
  it('signs in at platform B without a password after logging in at A, and logout ends both', async () => {
    const ua = new UserAgent(server.issuer);
    const startA = await a.authorize();
    const tokensA = await a.finish(await loginThrough(ua, startA.url, citizen.idNumber, citizen.password), startA);
    const sub = tokensA.claims()!.sub;

    // B: no login form, only B's own consent.
    const startB = await b.authorize();
    const consent = await ua.page(startB.url);
    expect(consent.html).toContain('/confirm');
    expect(consent.html).not.toContain('name="password"');
    const callbackB = await ua.submit(consent, '/confirm');
    const tokensB = await b.finish((callbackB as { redirect: string }).redirect, startB);
    const claimsB = tokensB.claims()!;
    expect(claimsB.sub).toBe(sub);
    expect(claimsB.sid).toBeTruthy();

    // Silent re-authentication works while the session lives.
    const silent = await b.authorize({ prompt: 'none' });
    expect(new URL(await ua.redirect(silent.url)).searchParams.get('code')).toBeTruthy();

    // RP-initiated logout from A, confirmed on our logout page.
    const end = oidc.buildEndSessionUrl(a.config, { id_token_hint: tokensA.id_token!, post_logout_redirect_uri: `http://127.0.0.1:9/bye/${a.redirectUri.split('/').pop()}` });
    const confirm = await ua.page(end.toString());
    expect(confirm.html).toContain('op.logoutForm');
    const after = await ua.submit(confirm, '/session/end/confirm', { logout: 'yes' });
    expect('redirect' in after && after.redirect).toContain('/bye/');

    // Both platforms were told over the back channel, with a valid logout token each.
    await expect.poll(() => logoutTokens.length, { timeout: 5000 }).toBeGreaterThanOrEqual(2);
    const byPath = Object.fromEntries(logoutTokens.map((t) => [t.path, decodeJwt(t.token)]));
    expect(byPath['/a']).toMatchObject({ iss: server.issuer, aud: a.clientId, sub, sid: tokensA.claims()!.sid });
    expect(byPath['/b']).toMatchObject({ aud: b.clientId, sid: claimsB.sid, events: { 'http://schemas.openid.net/event/backchannel-logout': {} } });

    // The session is gone for both platforms.
    for (const p of [a, b]) {
      const again = await p.authorize({ prompt: 'none' });
      expect(new URL(await ua.redirect(again.url)).searchParams.get('error')).toBe('login_required');
    }
  });

  it('skips consent for a first-party platform', async () => {
    const ua = new UserAgent(server.issuer);
    const start = await firstParty.authorize();
    const login = await ua.page(start.url);
    const after = await ua.submit(login, '/login', { identifier: citizen.idNumber, password: citizen.password });
    expect('redirect' in after).toBe(true);
    const tokens = await firstParty.finish((after as { redirect: string }).redirect, start);
    expect(tokens.claims()!.sub).toBeTruthy();
  });

  it('forces a new login when max_age has passed', async () => {
    const ua = new UserAgent(server.issuer);
    const start = await firstParty.authorize();
    await firstParty.finish(await loginThrough(ua, start.url, citizen.idNumber, citizen.password), start);
    await new Promise((r) => setTimeout(r, 1100));
    const again = await firstParty.authorize({ max_age: '0' });
    const page = await ua.page(again.url);
    expect(page.html).toContain('name="password"');
    const callback = await ua.submit(page, '/login', { identifier: citizen.idNumber, password: citizen.password });
    const tokens = await firstParty.finish((callback as { redirect: string }).redirect, again);
    expect(tokens.claims()!.auth_time).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000) - 2);
  });
});
