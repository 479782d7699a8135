/**
 * A login from a browser the account never used before texts the account's phone a notice, once
 * per device (the device cookie); the account page lists each session's device, login time and
 * platforms.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleLogin, section } from '../helpers/account.ts';
import { UserAgent } from '../helpers/browser.ts';
import { person } from '../helpers/identities.ts';
import { loginThrough, registerPlatform, type Platform } from '../helpers/platform.ts';
import { addChannel, startVerificationWorld, type VerificationWorld } from '../helpers/verification.ts';

const FIREFOX_ANDROID = 'Mozilla/5.0 (Android 14; Mobile; rv:128.0) Gecko/128.0 Firefox/128.0';
const EDGE_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0';

/** A browser with its own User-Agent header and cookie jar. */
class Browser extends UserAgent {
  constructor(origin: string, readonly userAgent: string) { super(origin); }
  override request(url: string, init: RequestInit = {}): Promise<Response> {
    return super.request(url, { ...init, headers: { ...(init.headers as Record<string, string>), 'user-agent': this.userAgent } });
  }
}

let w: VerificationWorld;
let platform: Platform;

beforeAll(async () => {
  w = await startVerificationWorld({ NEW_DEVICE_SMS: 'true' });
  await addChannel(w, 'sms', 'sms-a');
  platform = await registerPlatform(w.c, w.server.issuer, { client_name: '电子税务局', first_party: true });
});
afterAll(() => w?.stop());

async function login(b: UserAgent, p: ReturnType<typeof person>) {
  const start = await platform.authorize({ prompt: 'login' });
  await platform.finish(await loginThrough(b, start.url, p.idNumber, p.password), start);
}

describe('new-device notice', () => {
  it('texts the phone once per device new to the account (its first device silently)', async () => {
    const p = person();
    await w.c.persons.register(p);
    const laptop = new Browser(w.server.issuer, EDGE_WINDOWS);
    await login(laptop, p);
    expect(await w.admin.lastSms(p.phone)).toBeNull();

    const phone = new Browser(w.server.issuer, FIREFOX_ANDROID);
    await login(phone, p);
    const notice = await w.admin.lastSms(p.phone);
    expect(notice).toMatchObject({ templateId: 'new_device', params: { device: 'Firefox 128 · Android' } });
    expect(notice!.params.time).toMatch(/^\d{2}:\d{2}$/);

    // The same browsers again: nothing more.
    await login(phone, p);
    await login(laptop, p);
    expect((await w.admin.lastSms(p.phone))!.sentAt).toBe(notice!.sentAt);
    const trail = await w.c.db.knex('audit_events').where({ action: 'login.new_device' }).select('detail');
    expect(trail.map((t) => t.detail)).toEqual([expect.objectContaining({ device: 'Firefox 128 · Android', notified: true })]);
    // Stored by keyed hash: the table holds no cookie value.
    const cookie = phone.cookies.get('yihao.device')!;
    const rows = await w.c.db.knex('person_devices').select('device_hash');
    expect(rows.some((r) => r.device_hash.includes(cookie))).toBe(false);
  });

  it('shows each session with its device, login time and platforms on the account page', async () => {
    const p = person();
    await w.c.persons.register(p);
    const phone = new Browser(w.server.issuer, FIREFOX_ANDROID);
    await login(phone, p);
    const laptop = new Browser(w.server.issuer, EDGE_WINDOWS);
    const home = await consoleLogin(laptop, p.idNumber, p.password);
    const sessions = section(home, 'sessions');
    expect(sessions).toContain('Edge 120 · Windows');
    expect(sessions).toContain('Firefox 128 · Android');
    expect(sessions).toContain('电子税务局');
    expect([...sessions.matchAll(/登录时间：\S+/g)]).toHaveLength(2);
  });
});
