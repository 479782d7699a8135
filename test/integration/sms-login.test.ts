/**
 * Logging in with a code texted to the mobile number (first factor): the code is read from the
 * sandbox authority's outbox, the platform gets an ID token with amr ['sms'] (openid-client).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserAgent, type Page } from '../helpers/browser.ts';
import { person } from '../helpers/identities.ts';
import { registerPlatform, type Platform } from '../helpers/platform.ts';
import { addChannel, startVerificationWorld, type VerificationWorld } from '../helpers/verification.ts';

let w: VerificationWorld;
let platform: Platform;

beforeAll(async () => {
  w = await startVerificationWorld();
  await addChannel(w, 'sms', 'sms-a');
  platform = await registerPlatform(w.c, w.server.issuer, { first_party: true });
});
afterAll(() => w?.stop());

/** A registered account whose mobile is proven (as after the console's "verify my number"). */
async function citizen(opts: { proven?: boolean } = {}) {
  const p = person();
  const res = await w.c.persons.register(p);
  if (!res.ok || !res.personId) throw new Error('registration failed');
  if (opts.proven !== false) await w.c.persons.markPhoneVerified(res.personId);
  return { ...p, personId: res.personId };
}

/** The code last texted to `mobile` (the send is not awaited by the page: poll the outbox). */
async function textedCode(mobile: string, after?: string): Promise<string> {
  let code: string | undefined;
  await expect.poll(async () => {
    const sms = await w.admin.lastSms(mobile);
    code = sms?.params.code;
    return Boolean(code && sms?.sentAt !== after);
  }, { timeout: 5000 }).toBe(true);
  return code!;
}

async function smsPage(ua: UserAgent) {
  const start = await platform.authorize();
  const login = await ua.page(start.url);
  const href = /href="([^"]*\/sms)"/.exec(login.html);
  if (!href) throw new Error('no SMS login link on the login page');
  return { start, page: await ua.page(href[1]!) };
}

async function codePage(ua: UserAgent, phone: string) {
  const { start, page } = await smsPage(ua);
  const sent = (await ua.submit(page, '/sms', { phone })) as Page;
  return { start, sent };
}

describe('SMS-code login', () => {
  it('logs in with the code texted to the proven number: ID token amr sms', async () => {
    const p = await citizen();
    const ua = new UserAgent(w.server.issuer);
    const { start, sent } = await codePage(ua, p.phone);
    expect(sent.status).toBe(200);
    expect(sent.html).toContain(`${p.phone.slice(0, 3)}****${p.phone.slice(-4)}`);
    const code = await textedCode(p.phone);
    const done = await ua.submit(sent, '/sms/verify', { code });
    if (!('redirect' in done)) throw new Error(`expected the platform: ${done.status} ${done.html.slice(0, 300)}`);
    const tokens = await platform.finish(done.redirect, start);
    expect(tokens.claims()).toMatchObject({ amr: ['sms'], acr: 'urn:yihao:loa:1' });
    const trail = await w.c.db.knex('audit_events').where({ action: 'login.success', actor: p.personId }).select('detail');
    expect(trail.map((t) => t.detail.method)).toEqual(['sms']);
  });
});
