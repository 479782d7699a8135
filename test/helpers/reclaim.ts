/** Reclaiming a squatted ID number through the pages: the squatter, the real person, the reclaim forms. */
import { expect } from 'vitest';
import type { Page, UserAgent } from './browser.ts';
import { phone } from './identities.ts';
import type { ChannelKind } from '../../src/verification/channel.ts';
import { startLogoutReceiver, type LogoutReceiver } from './logout-receiver.ts';
import { registerPlatform, type Platform } from './platform.ts';
import { registerThroughPages } from './registration.ts';
import { addChannel, startVerificationWorld, type VerificationWorld } from './verification.ts';
import { person as fixture } from '../verification/helpers.ts';

export const SQUATTER_PASSWORD = 'Squatter-Pass-7';
export const OWNER_PASSWORD = 'Rightful-Owner-8';

/** The squatter registers the fixture person's name and ID number with his own phone. */
export async function squat(w: VerificationWorld, ua: UserAgent, platform: Platform, name: string) {
  const f = fixture(name);
  const mobile = phone();
  const done = await registerThroughPages(ua, platform, w.admin, { name: f.name, idNumber: f.idNumber, phone: mobile, password: SQUATTER_PASSWORD });
  expect(done.html).toContain('注册申请已受理');
  const account = (await w.c.persons.findByIdentifier(f.idNumber))!;
  return { fixture: f, phone: mobile, password: SQUATTER_PASSWORD, personId: account.id };
}

/** Someone registers a taken number (phone proven, real name right): the "already registered" page. */
export async function toldRegistered(w: VerificationWorld, ua: UserAgent, platform: Platform, name: string, mobile = phone()) {
  const f = fixture(name);
  const page = await registerThroughPages(ua, platform, w.admin, { name: f.name, idNumber: f.idNumber, phone: mobile, password: OWNER_PASSWORD });
  expect(page.status).toBe(409);
  return { page, phone: mobile, fixture: f };
}

/** From the "already registered" page to the reclaim page. */
export async function openReclaim(ua: UserAgent, told: Page): Promise<Page> {
  return (await ua.submit(told, '/reclaim')) as Page;
}

/** Submits a form of the page as multipart (the selfie upload), hidden fields included. */
export async function uploadSelfie(ua: UserAgent, page: Page, image: Buffer, headers: Record<string, string> = {}) {
  const form = /<form[^>]*action="([^"]*\/reclaim\/check\/face)"[^>]*>([\s\S]*?)<\/form>/.exec(page.html);
  if (!form) throw new Error(`no face form on ${page.url}: ${page.html.slice(0, 400)}`);
  expect(form[0]).toContain('enctype="multipart/form-data"');
  const body = new FormData();
  for (const m of form[2]!.matchAll(/<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)) body.set(m[1]!, m[2]!);
  body.set('image', new Blob([new Uint8Array(image)], { type: 'image/jpeg' }), 'selfie.jpg');
  return ua.page(new URL(form[1]!, page.url).toString(), { method: 'POST', body, headers });
}

/** The page's first message (notice or error). */
export const messageOf = (p: Page) => /<p class="(?:notice|error)" role="(?:status|alert)"[^>]*>([^<]*)<\/p>/.exec(p.html)?.[1] ?? '';

/**
 * The world both reclaim tests run in: the sandbox with channels of `kinds`, a platform with
 * back-channel logout to a receiver; counters and sandbox faults reset before each test.
 */
export async function startReclaimWorld(kinds: ChannelKind[]): Promise<{ w: VerificationWorld; platform: Platform; receiver: LogoutReceiver; stop(): Promise<void> }> {
  const receiver = await startLogoutReceiver();
  const w = await startVerificationWorld();
  for (const kind of kinds) await addChannel(w, kind, `${kind}-a`);
  const platform = await registerPlatform(w.c, w.server.issuer, { backchannel_logout_uri: `${receiver.url}/bcl`, backchannel_logout_session_required: true });
  return { w, platform, receiver, async stop() { await w.stop(); receiver.close(); } };
}

export async function resetReclaimWorld(w: VerificationWorld): Promise<void> {
  await w.c.db.knex('rate_limits').delete();
  await w.admin.reset();
}
