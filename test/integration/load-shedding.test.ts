import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserAgent } from '../helpers/browser.ts';
import { registerPlatform, type Platform } from '../helpers/platform.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

// Past MAX_IN_FLIGHT a process answers 503 with Retry-After at once instead of queueing.
let server: TestServer;
let platform: Platform;

beforeAll(async () => {
  server = await startTestServer({ MAX_IN_FLIGHT: '2' });
  platform = await registerPlatform(server.container, server.issuer);
});
afterAll(() => server?.stop());

describe('load shedding', () => {
  it('parallel password logins (argon2, the slowest route) beyond the cap get 503 + Retry-After; /healthz still answers', async () => {
    const ua = new UserAgent(server.issuer);
    const page = await ua.page((await platform.authorize()).url);
    const csrf = /name="_csrf" value="([^"]*)"/.exec(page.html)![1]!;
    const action = new URL(/action="([^"]*\/login)"/.exec(page.html)![1]!, server.issuer);
    const burst = Array.from({ length: 12 }, (_, i) => ua.request(action.toString(), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf, identifier: `1390000${String(i).padStart(4, '0')}`, password: 'Wrong-Passw0rd' }),
    }));
    const health = fetch(`${server.issuer}/healthz`);
    const responses = await Promise.all(burst);
    const shed = responses.filter((r) => r.status === 503);
    expect(shed.length).toBeGreaterThan(0);
    expect(responses.length - shed.length).toBeGreaterThan(0); // the ones within the cap were served
    for (const r of shed) {
      expect(r.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(await r.text()).toContain('服务暂时不可用');
    }
    expect((await health).status).toBe(200);

    // Nothing leaks: once the burst is over, requests are served again.
    const after = await fetch(`${server.issuer}/.well-known/openid-configuration`);
    expect(after.status).toBe(200);
  });

  it('JSON clients get the OAuth error', async () => {
    const burst = await Promise.all(Array.from({ length: 12 }, () => fetch(`${server.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${platform.clientId}:${platform.clientSecret}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: 'unknown', redirect_uri: platform.redirectUri, code_verifier: 'x'.repeat(43) }),
    })));
    const shed = burst.filter((r) => r.status === 503);
    expect(shed.length).toBeGreaterThan(0);
    expect(await shed[0]!.json()).toMatchObject({ error: 'temporarily_unavailable' });
    expect(shed[0]!.headers.get('retry-after')).toMatch(/^\d+$/);
  });
});
