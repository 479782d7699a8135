/** Passkeys through the account console in tests: add one, and "log in again" with it. */
import { consoleLogin } from './account.ts';
import { UserAgent, type Page } from './browser.ts';
import type { SoftAuthenticator } from './soft-authenticator.ts';

export const csrfOf = (page: Page) => /name="_csrf" value="([^"]+)"/.exec(page.html)![1]!;

async function postOptions(ua: UserAgent, path: string, page: Page) {
  const res = await ua.request(path, { method: 'POST', headers: { 'x-csrf-token': csrfOf(page) } });
  if (res.status !== 200) throw new Error(`passkey options: ${res.status}`);
  // WebAuthn options JSON, handed to the soft authenticator as is.
  return res.json() as Promise<never>;
}

/** Logs in to the console with the password and adds the account's first passkey. */
export async function addFirstPasskey(issuer: string, who: { idNumber: string; password: string }, auth: SoftAuthenticator, name: string): Promise<UserAgent> {
  const ua = new UserAgent(issuer);
  await consoleLogin(ua, who.idNumber, who.password);
  const page = await ua.page('/account/passkeys');
  const options = await postOptions(ua, '/account/passkeys/options', page);
  const body = new URLSearchParams({ _csrf: csrfOf(page), credential: JSON.stringify(auth.create(options)), name });
  const done = await ua.page('/account/passkeys', { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  if (!done.html.includes(name)) throw new Error('the passkey was not added');
  return ua;
}

/** "Log in again" from the console to `to`: the password, then the passkey as second factor. */
export async function reauthenticateWithPasskey(ua: UserAgent, to: string, who: { idNumber: string; password: string }, auth: SoftAuthenticator): Promise<Page> {
  const login = await ua.page(`/account/login?to=${encodeURIComponent(to)}&fresh=1`);
  const chooser = await ua.submit(login, '/login', { identifier: who.idNumber, password: who.password });
  if ('redirect' in chooser || !/\/mfa$/.test(chooser.url)) throw new Error('expected the second-factor page after the password');
  const factorPage = await ua.page(/href="([^"]*\/mfa\/passkey)"/.exec(chooser.html)![1]!);
  const options = await postOptions(ua, new URL(factorPage.url).pathname + '/options', factorPage);
  const done = await ua.submit(factorPage, '/mfa/passkey/verify', { credential: JSON.stringify(auth.get(options)) });
  if ('redirect' in done || !done.url.endsWith(to)) throw new Error('the re-authentication did not return to the console');
  return done;
}

/** Usernameless passkey login on the login page `url` leads to; the redirect, or the page refusing it. */
export async function passkeyLogin(ua: UserAgent, url: string, auth: SoftAuthenticator) {
  const login = await ua.page(url);
  const uid = /\/interaction\/([^/]+)\/passkey\/options/.exec(login.html)![1]!;
  const options = await postOptions(ua, `/interaction/${uid}/passkey/options`, login);
  return ua.submit(login, '/passkey/verify', { credential: JSON.stringify(auth.get(options)) });
}
