/** Second factors in tests: enrol through the account pages, reach and pass the `mfa` prompt. */
import { totpCode } from '../../src/authn/totp.ts';
import type { Page, UserAgent } from './browser.ts';
import { consoleLogin } from './account.ts';

/** The code of the step `offset` steps from now (±1 is accepted). */
export const codeAt = (secret: string, offset = 0) => totpCode(secret, Date.now() + offset * 30_000);

/** Waits for a new time step when less than `margin` ms are left of this one (no step change mid-test). */
export async function awaitFreshStep(margin = 8_000): Promise<void> {
  const left = 30_000 - (Date.now() % 30_000);
  if (left < margin) await new Promise((r) => setTimeout(r, left + 100));
}

/** The manual key shown on the enrolment page, without its spaces. */
export function manualKey(page: Page): string {
  const m = /id="manual-key">([A-Z2-7 ]+)</.exec(page.html);
  if (!m) throw new Error(`no manual key on ${page.url}`);
  return m[1]!.replace(/ /g, '');
}

/** The time step holding now + `offset` steps. */
export const stepAt = (offset = 0) => Math.floor(Date.now() / 30_000) + offset;

/**
 * Logs in to the console, sets up an authenticator (confirmed with the next step's code);
 * returns its secret (and `enrolTotp.lastStep`, the step that confirmation used).
 */
export async function enrolTotp(ua: UserAgent, identifier: string, password: string): Promise<string> {
  await consoleLogin(ua, identifier, password);
  const security = await ua.page('/account/security');
  const enrol = await ua.submit(security, '/account/security/totp/start');
  if ('redirect' in enrol) throw new Error('enrolment left the provider');
  const secret = manualKey(enrol);
  enrolTotp.lastStep = stepAt(1);
  const done = await ua.submit(enrol, '/totp/confirm', { code: codeAt(secret, 1) });
  if ('redirect' in done || !done.url.endsWith('/account/security?notice=factors.totp_enabled')) throw new Error(`enrolment not confirmed: ${'url' in done ? done.html.slice(0, 300) : ''}`);
  return secret;
}

enrolTotp.lastStep = 0;

/** The recovery codes a generation page shows. */
export function shownCodes(page: Page): string[] {
  const list = /<ol class="codes mono" id="recovery-code-list">([\s\S]*?)<\/ol>/.exec(page.html);
  if (!list) throw new Error(`no recovery codes on ${page.url}`);
  return [...list[1]!.matchAll(/<li>([^<]+)<\/li>/g)].map((m) => m[1]!.trim());
}

/** Password login at `url` that stops at the second-factor chooser; returns its page. */
export async function toMfaPrompt(ua: UserAgent, url: string, identifier: string, password: string): Promise<Page> {
  const login = await ua.page(url);
  const page = await ua.submit(login, '/login', { identifier, password });
  if ('redirect' in page) throw new Error(`expected the second-factor page, got ${page.redirect}`);
  if (!/\/interaction\/[^/]+\/mfa$/.test(page.url)) throw new Error(`expected the second-factor page, got ${page.url}`);
  return page;
}

/** Opens the factor's form from the chooser (`kind`: totp, recovery-code). */
export async function factorForm(ua: UserAgent, chooser: Page, kind: string): Promise<Page> {
  const href = new RegExp(`href="(/interaction/[^/"]+/mfa/${kind})"`).exec(chooser.html)?.[1];
  if (!href) throw new Error(`the chooser offers no ${kind}`);
  return ua.page(href);
}
