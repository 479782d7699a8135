import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserAgent } from '../helpers/browser.ts';
import { person } from '../helpers/identities.ts';
import { loginThrough, registerPlatform, type Platform } from '../helpers/platform.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let platform: Platform;
const citizen = person();

beforeAll(async () => {
  server = await startTestServer();
  platform = await registerPlatform(server.container, server.issuer);
  const res = await server.container.persons.register(citizen);
  expect(res).toMatchObject({ ok: true, created: true });
});
afterAll(() => server?.stop());

describe('authorization code flow with PKCE', () => {
  it('logs a citizen in with ID number + password, asks consent, and issues validated tokens', async () => {
    const ua = new UserAgent(server.issuer);
    const started = await platform.authorize({ scope: 'openid profile phone' });
    const login = await ua.page(started.url);
    expect(login.html).toContain('name="identifier"');
    expect(login.html).toContain(platform.clientId.length ? '平台' : '');
    const consent = await ua.submit(login, '/login', { identifier: citizen.idNumber, password: citizen.password });
    expect('html' in consent && consent.html).toContain('/confirm');
    const done = await ua.submit(consent as never, '/confirm');
    expect('redirect' in done).toBe(true);
    const callback = new URL((done as { redirect: string }).redirect);
    expect(callback.searchParams.get('iss')).toBe(server.issuer); // RFC 9207

    const tokens = await platform.finish(callback.toString(), started);
    const claims = tokens.claims()!;
    expect(claims.iss).toBe(server.issuer);
    expect(claims.aud).toBe(platform.clientId);
    expect(claims.sub).not.toContain(citizen.idNumber);
    expect(claims.amr).toEqual(['pwd']);
    const info = await oidc.fetchUserInfo(platform.config, tokens.access_token, claims.sub);
    expect(info).toMatchObject({ sub: claims.sub, name: citizen.name, phone_number: `+86${citizen.phone}` });
    expect(JSON.stringify(info)).not.toContain(citizen.idNumber);
  });

  it('logs in by mobile number too, and rejects a wrong password with the generic message', async () => {
    const ua = new UserAgent(server.issuer);
    const started = await platform.authorize();
    const login = await ua.page(started.url);
    const wrong = await ua.submit(login, '/login', { identifier: citizen.phone, password: 'Wrong-Password-1' });
    expect('html' in wrong && wrong.status).toBe(401);
    expect((wrong as { html: string }).html).toContain('证件号码（手机号）或密码错误');
    const unknown = await ua.submit(login, '/login', { identifier: '13800000000', password: 'Wrong-Password-1' });
    expect((unknown as { html: string }).html).toContain('证件号码（手机号）或密码错误');
    const callback = await loginThrough(ua, started.url, citizen.phone, citizen.password);
    const tokens = await platform.finish(callback, started);
    expect(tokens.claims()!.sub).toBeTruthy();
  });

  it('rejects an authorization code used twice', async () => {
    const ua = new UserAgent(server.issuer);
    const started = await platform.authorize();
    const callback = await loginThrough(ua, started.url, citizen.idNumber, citizen.password);
    await platform.finish(callback, started);
    await expect(platform.finish(callback, started)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('requires PKCE with S256 for every client', async () => {
    const url = new URL(`${server.issuer}/auth`);
    url.search = new URLSearchParams({ client_id: platform.clientId, redirect_uri: platform.redirectUri, response_type: 'code', scope: 'openid', state: 'abc' }).toString();
    const res = await fetch(url, { redirect: 'manual' });
    const location = new URL(res.headers.get('location')!);
    expect(location.origin + location.pathname).toBe(platform.redirectUri);
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('error_description')).toMatch(/PKCE/);
  });

  it('never redirects to an unregistered redirect_uri', async () => {
    const started = await platform.authorize({ redirect_uri: 'https://evil.example/cb' });
    const res = await fetch(started.url, { redirect: 'manual', headers: { accept: 'text/html' } });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    const html = await res.text();
    expect(html).toContain('invalid_redirect_uri');
    expect(html).not.toMatch(/at .*\.(js|ts):\d+/); // no stack trace
  });

  it('answers prompt=none without a session with login_required', async () => {
    const started = await platform.authorize({ prompt: 'none' });
    const res = await fetch(started.url, { redirect: 'manual' });
    const location = new URL(res.headers.get('location')!);
    expect(location.searchParams.get('error')).toBe('login_required');
    expect(location.searchParams.get('state')).toBe(started.state);
  });

  it('does not offer implicit or password grants', async () => {
    const meta = (await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(meta.response_types_supported).toEqual(['code']);
    expect(meta.grant_types_supported).not.toContain('password');
    expect(meta.grant_types_supported).not.toContain('implicit');
    expect(meta.code_challenge_methods_supported).toEqual(['S256']);
    expect(meta.authorization_response_iss_parameter_supported).toBe(true);
    expect(meta.token_endpoint_auth_methods_supported).toEqual(expect.arrayContaining(['client_secret_basic', 'client_secret_post', 'private_key_jwt']));
  });
});
