import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserAgent, type Page } from '../helpers/browser.ts';
import * as oidc from 'openid-client';
import { BACKCHANNEL_EVENT, startLogoutReceiver, type LogoutReceiver } from '../helpers/logout-receiver.ts';
import { offlineLogin, registerPlatform, type Platform } from '../helpers/platform.ts';
import { addChannel, registerFixture, startVerificationWorld, type VerificationWorld } from '../helpers/verification.ts';

// Forgotten password: ID number + registered mobile → SMS code (the sandbox's SMS channel) → new password.
let w: VerificationWorld;
let platform: Platform;
let receiver: LogoutReceiver;

beforeAll(async () => {
  receiver = await startLogoutReceiver();
  w = await startVerificationWorld();
  await addChannel(w, 'sms', 'sms-a');
  platform = await registerPlatform(w.c, w.server.issuer, { backchannel_logout_uri: `${receiver.url}/bcl`, backchannel_logout_session_required: true });
});
afterAll(async () => {
  await w?.stop();
  receiver?.close();
});

async function recoverPage(ua: UserAgent): Promise<Page> {
  const start = await platform.authorize();
  const login = await ua.page(start.url);
  return ua.page(/href="([^"]*\/recover)"/.exec(login.html)![1]!);
}

describe('password recovery', () => {
  it('resets the password with the code texted to the registered mobile, and ends old sessions and refresh tokens', async () => {
    const { fixture, password, personId } = await registerFixture(w.c, '张伟');
    const mobile = fixture.mobiles[0]!.number;
    const old = new UserAgent(w.server.issuer);
    const oldTokens = await offlineLogin(platform, old, fixture.idNumber, password);
    expect(await w.c.models.sessionsOf(personId)).toHaveLength(1);

    const ua = new UserAgent(w.server.issuer);
    const codePage = (await ua.submit(await recoverPage(ua), '/recover', { idNumber: fixture.idNumber, phone: mobile })) as Page;
    expect(codePage.html).toContain('如果信息与账号一致');
    const sms = await w.admin.lastSms(mobile);
    const code = sms!.params.code!;
    expect(code).toMatch(/^\d{6}$/);

    const wrong = (await ua.submit(codePage, '/recover/complete', { code: code === '000000' ? '111111' : '000000', password: 'New-Passw0rd-2026', passwordConfirm: 'New-Passw0rd-2026' })) as Page;
    expect(wrong.status).toBe(400);
    expect(wrong.html).toContain('验证码错误或已过期');

    const done = (await ua.submit(codePage, '/recover/complete', { code, password: 'New-Passw0rd-2026', passwordConfirm: 'New-Passw0rd-2026' })) as Page;
    expect(done.html).toContain('密码已重置');
    expect(await w.c.models.sessionsOf(personId)).toHaveLength(0);
    // Whoever knew the old password loses the tokens they got with it, offline ones included.
    await expect(oidc.refreshTokenGrant(platform.config, oldTokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(oidc.fetchUserInfo(platform.config, oldTokens.access_token, oidc.skipSubjectCheck)).rejects.toBeDefined();
    const [logout, ...more] = await receiver.tokensFor(w.server.issuer, platform.clientId);
    expect(more).toHaveLength(0);
    expect(logout).toMatchObject({ aud: platform.clientId, sub: oldTokens.claims()!.sub, sid: oldTokens.claims()!.sid, events: { [BACKCHANNEL_EVENT]: {} } });
    const trail = await w.c.db.knex('audit_events').whereIn('action', ['grants.revoked', 'session.ended', 'backchannel.sent'])
      .whereRaw(`detail->>'reason' = 'password_reset'`).select('action', 'actor');
    expect(trail.map((e) => e.action).sort()).toEqual(['backchannel.sent', 'grants.revoked', 'session.ended']);
    expect(trail.every((e) => e.actor === personId)).toBe(true);
    // The code is single-use; the new password works and the old one no longer does.
    expect(((await ua.submit(codePage, '/recover/complete', { code, password: 'Other-Passw0rd-1', passwordConfirm: 'Other-Passw0rd-1' })) as Page).status).toBe(400);
    await expect(w.c.login.authenticate(fixture.idNumber, password, '10.1.1.1')).rejects.toMatchObject({ code: 'login.invalid_credentials' });
    await expect(w.c.login.authenticate(fixture.idNumber, 'New-Passw0rd-2026', '10.1.1.1')).resolves.toBe(personId);
  });

  it('answers the same for details that match no account, and sends nothing', async () => {
    const { fixture } = await registerFixture(w.c, '李娜');
    const ua = new UserAgent(w.server.issuer);
    const matched = (await ua.submit(await recoverPage(ua), '/recover', { idNumber: fixture.idNumber, phone: fixture.mobiles[0]!.number })) as Page;
    const wrongPhone = (await ua.submit(await recoverPage(ua), '/recover', { idNumber: fixture.idNumber, phone: '13900000000' })) as Page;
    const strip = (h: string) => h.replace(/value="[^"]*"/g, '').replace(/\/interaction\/[\w-]+/g, '');
    expect(strip(wrongPhone.html)).toBe(strip(matched.html));
    expect(wrongPhone.status).toBe(matched.status);
    expect(await w.admin.lastSms('13900000000')).toBeNull();
  });

  it('gives up after five wrong codes', async () => {
    const { fixture } = await registerFixture(w.c, '王芳');
    const ua = new UserAgent(w.server.issuer);
    const codePage = (await ua.submit(await recoverPage(ua), '/recover', { idNumber: fixture.idNumber, phone: fixture.mobiles[0]!.number })) as Page;
    const code = (await w.admin.lastSms(fixture.mobiles[0]!.number))!.params.code!;
    const wrongCode = code === '999999' ? '999998' : '999999';
    for (let i = 0; i < 5; i++) await ua.submit(codePage, '/recover/complete', { code: wrongCode, password: 'New-Passw0rd-2026', passwordConfirm: 'New-Passw0rd-2026' });
    const late = (await ua.submit(codePage, '/recover/complete', { code, password: 'New-Passw0rd-2026', passwordConfirm: 'New-Passw0rd-2026' })) as Page;
    expect(late.status).toBe(400);
    expect(late.html).toContain('验证码错误或已过期');
  });

  it('stays open while password login is locked, and the reset lifts the lock', async () => {
    const { fixture, password, personId } = await registerFixture(w.c, '刘洋');
    const mobile = fixture.mobiles[0]!.number;
    const ip = '127.0.0.1';
    for (let i = 0; i < 5; i++) await expect(w.c.login.authenticate(fixture.idNumber, `Wrong-Pass-${i}`, ip)).rejects.toMatchObject({ code: 'login.invalid_credentials' });
    await expect(w.c.login.authenticate(fixture.idNumber, password, ip)).rejects.toMatchObject({ code: 'login.rate_limited' });

    const ua = new UserAgent(w.server.issuer);
    const codePage = (await ua.submit(await recoverPage(ua), '/recover', { idNumber: fixture.idNumber, phone: mobile })) as Page;
    expect(codePage.status).toBe(200);
    const code = (await w.admin.lastSms(mobile))!.params.code!;
    const done = (await ua.submit(codePage, '/recover/complete', { code, password: 'New-Passw0rd-2026', passwordConfirm: 'New-Passw0rd-2026' })) as Page;
    expect(done.html).toContain('密码已重置');
    await expect(w.c.login.authenticate(fixture.idNumber, 'New-Passw0rd-2026', ip)).resolves.toBe(personId);
  });

  it('throttles recovery requests per account, counted before the details are compared', async () => {
    const { fixture } = await registerFixture(w.c, '陈静');
    const statuses = [];
    for (let i = 0; i < 4; i++) {
      const ua = new UserAgent(w.server.issuer);
      statuses.push(((await ua.submit(await recoverPage(ua), '/recover', { idNumber: fixture.idNumber, phone: '13900000001' })) as Page).status);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
  });
});
