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

/** The HTML of one section of the console home page (profile, assurance, consents, sessions, password). */
export function section(page: Page, id: string): string {
  const m = new RegExp(`<section[^>]*id="${id}"[^>]*>([\\s\\S]*?)</section>`).exec(page.html);
  if (!m) throw new Error(`no section ${id} on ${page.url}`);
  return m[1]!;
}
