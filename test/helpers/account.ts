/** The account console in tests: log in through the pages like a browser would. */
import type { Page, UserAgent } from './browser.ts';

/** Opens /account, logs in on the login page it leads to, and returns the console home page. */
export async function consoleLogin(ua: UserAgent, identifier: string, password: string): Promise<Page> {
  const first = await ua.page('/account');
  if (!first.html.includes('name="password"')) return first; // already logged in (SSO)
  const home = await ua.submit(first, '/login', { identifier, password });
  if ('redirect' in home) throw new Error(`console login left the provider: ${home.redirect}`);
  return home;
}

/** The console's own cookie, as the browser holds it. */
export const consoleCookie = (ua: UserAgent) => ua.cookies.get('yihao.account');

/** Hidden-field value of the first form whose action contains `action` and whose body contains `marker`. */
export function formWith(page: Page, action: string, marker: string): string {
  const forms = [...page.html.matchAll(/<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/g)];
  const form = forms.find((f) => f[1] === action && f[2]!.includes(marker));
  if (!form) throw new Error(`no form ${action} with ${marker}`);
  return form[2]!;
}

/** The HTML of one section of the console home page (profile, assurance, consents, sessions, password). */
export function section(page: Page, id: string): string {
  const m = new RegExp(`<section[^>]*id="${id}"[^>]*>([\\s\\S]*?)</section>`).exec(page.html);
  if (!m) throw new Error(`no section ${id} on ${page.url}`);
  return m[1]!;
}
