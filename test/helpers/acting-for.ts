/** Logging in at a platform and choosing whom to act for, through the pages (openid-client finishes). */
import type { Page, UserAgent } from './browser.ts';
import type { Platform } from './platform.ts';

export const REPRESENTED_SCOPE = 'openid profile represented_person';

/** Authorize → (login) → (consent): the page the login pauses on, or the callback when it does not. */
export async function authorizeAs(p: Platform, ua: UserAgent, who: { idNumber: string; password: string }, scope = REPRESENTED_SCOPE) {
  const start = await p.authorize({ scope });
  let step = await ua.follow(start.url);
  if ('html' in step && step.html.includes('name="password"')) step = await ua.submit(step, '/login', { identifier: who.idNumber, password: who.password });
  if ('html' in step && step.html.includes('/confirm')) step = await ua.submit(step, '/confirm');
  return { start, step };
}

/** Chooses on the "act for whom" page (value `self`, an enterprise id or `person:<grant id>`); returns the callback URL. */
export async function choose(ua: UserAgent, step: Page | { redirect: string }, value: string): Promise<string> {
  if ('redirect' in step) throw new Error(`expected the acting-for page, got the callback ${step.redirect}`);
  const done = await ua.submit(step, '/entity', { entity: value });
  if (!('redirect' in done)) throw new Error(`choice did not finish: ${done.status} ${done.html.slice(0, 400)}`);
  return done.redirect;
}

/** The value of the radio button naming `name` on the acting-for page. */
export function optionFor(page: Page, name: string): string {
  const m = new RegExp(`value="(person:[^"]+)">\\s*<span><strong>${name}</strong>`).exec(page.html);
  if (!m) throw new Error(`no option for ${name} on ${page.url}`);
  return m[1]!;
}

/** A birth date (YYYYMMDD) making someone `years` old today, 40 days past the birthday (computed from today, so tests do not rot). */
export function birthYearsAgo(years: number, now = new Date()): string {
  const d = new Date(Date.UTC(now.getUTCFullYear() - years, now.getUTCMonth(), now.getUTCDate() - 40));
  return d.toISOString().slice(0, 10).replace(/-/g, '');
}

/** Epoch seconds of 00:00 Beijing time on the day a person born on `birth` (YYYYMMDD) turns `years`. */
export function birthdaySeconds(birth: string, years: number): number {
  const y = Number(birth.slice(0, 4)), m = Number(birth.slice(4, 6)), d = Number(birth.slice(6, 8));
  return (Date.UTC(y + years, m - 1, d) - 8 * 3_600_000) / 1000;
}
