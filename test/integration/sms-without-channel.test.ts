/**
 * With no SMS channel enabled: in development the login code goes to the server log and the
 * page says so; in production SMS codes are not offered at all (fail closed).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { UserAgent, type Page } from '../helpers/browser.ts';
import { person } from '../helpers/identities.ts';
import { registerPlatform } from '../helpers/platform.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const servers: TestServer[] = [];
afterAll(() => Promise.all(servers.map((s) => s.stop())));

async function world(env: Record<string, string>) {
  const server = await startTestServer(env);
  servers.push(server);
  const platform = await registerPlatform(server.container, server.issuer, { first_party: true, minimum_aal: 2 });
  const p = person();
  const { personId } = await server.container.persons.register(p) as { personId: string };
  await server.container.persons.markPhoneVerified(personId);
  return { server, platform, p };
}

describe('SMS codes without an SMS channel', () => {
  it('in development: offered, and the code page says the code is in the server log', async () => {
    const { server, platform, p } = await world({});
    const ua = new UserAgent(server.issuer);
    const login = await ua.page((await platform.authorize()).url);
    expect(login.html).toContain('短信验证码登录');
    const smsPage = await ua.page(/href="([^"]*\/sms)"/.exec(login.html)![1]!);
    const sent = (await ua.submit(smsPage, '/sms', { phone: p.phone })) as Page;
    expect(sent.status).toBe(200);
    expect(sent.html).toContain('验证码已写入服务器日志');
  });

  it('in production: not offered on the login page, the SMS page refuses, and no SMS second factor', async () => {
    const { server, platform, p } = await world({ NODE_ENV: 'production', ALLOW_HTTP_LOOPBACK_ISSUER: 'true', ALLOW_LOOPBACK_FETCH: 'false' });
    const ua = new UserAgent(server.issuer);
    const start = await platform.authorize();
    const login = await ua.page(start.url);
    expect(login.html).not.toContain('/sms"');
    const uid = /\/interaction\/([\w-]+)\/login/.exec(login.html)![1]!;
    const smsPage = await ua.page(`/interaction/${uid}/sms`);
    expect(smsPage.html).toContain('短信验证码服务暂未开通');
    expect(smsPage.html).not.toContain('name="phone"');
    const chooser = (await ua.submit(login, '/login', { identifier: p.idNumber, password: p.password })) as Page;
    expect(chooser.url).toMatch(/\/mfa$/);
    expect(chooser.html).not.toContain('/mfa/sms');
    expect(chooser.html).toContain('/mfa/unmet');
  });
});
