/** Registering through the pages: the form, the code texted to the phone (sandbox outbox), the code page. */
import { expect } from 'vitest';
import type { SandboxAdmin } from '../../src/sandbox/admin-client.ts';
import type { Page, UserAgent } from './browser.ts';
import type { Platform } from './platform.ts';

export interface Applicant { name: string; idNumber: string; phone: string; password: string }

export const registrationForm = (p: Applicant) => ({ name: p.name, idNumber: p.idNumber, phone: p.phone, password: p.password, passwordConfirm: p.password });

/** Opens the registration page from a fresh authorization's login page. */
export async function registerPage(ua: UserAgent, platform: Platform): Promise<Page> {
  const start = await platform.authorize();
  const login = await ua.page(start.url);
  return ua.page(/href="([^"]*\/register)"/.exec(login.html)![1]!);
}

/** Step 1: submits the form; returns the code page (or whatever page answered). */
export async function startRegistration(ua: UserAgent, platform: Platform, p: Applicant): Promise<Page> {
  return (await ua.submit(await registerPage(ua, platform), '/register', registrationForm(p))) as Page;
}

/** The code last texted to `mobile` (newer than `previous`, a sentAt). */
export async function textedCode(admin: SandboxAdmin, mobile: string, previous?: string): Promise<string> {
  let code: string | undefined;
  await expect.poll(async () => {
    const sms = await admin.lastSms(mobile);
    code = sms?.params.code;
    return Boolean(code && sms?.sentAt !== previous);
  }, { timeout: 5000 }).toBe(true);
  return code!;
}

/** Both steps; returns the page the registration ends on (the login page with its notice, or another). */
export async function registerThroughPages(ua: UserAgent, platform: Platform, admin: SandboxAdmin, p: Applicant): Promise<Page> {
  const previous = (await admin.lastSms(p.phone))?.sentAt;
  const codePage = await startRegistration(ua, platform, p);
  if (!codePage.html.includes('/register/verify')) throw new Error(`no code page: ${codePage.status} ${codePage.html.slice(0, 500)}`);
  return (await ua.submit(codePage, '/register/verify', { code: await textedCode(admin, p.phone, previous) })) as Page;
}

/** Page text with what differs per request removed (interaction ids, hidden values, masked numbers). */
export const strip = (h: string) => h.replace(/value="[^"]*"/g, '').replace(/\/interaction\/[\w-]+/g, '').replace(/\d{3}\*{4}\d{4}/g, '');
