import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginLimits } from '../../src/authn/password-login.ts';
import type { ThrottleKey } from '../../src/authn/throttle.ts';
import { UserAgent, type Page } from '../helpers/browser.ts';
import { idNumber, person, phone } from '../helpers/identities.ts';
import { registerPlatform, type Platform } from '../helpers/platform.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

// Password-login throttling: counted before the check, keyed on the account, escalating locks.
let server: TestServer;
let platform: Platform;

beforeAll(async () => {
  // The per-address limit is raised so that the per-account counters decide (one test address).
  server = await startTestServer({ LOGIN_RATE_LIMIT_PER_IP: '100000' });
  platform = await registerPlatform(server.container, server.issuer);
});
afterAll(() => server?.stop());

const limits = () => loginLimits(server.container.config.loginLimits);

async function register(p = person()) {
  const r = await server.container.persons.register(p);
  if (!r.ok || !r.personId) throw new Error('not registered');
  return { ...p, personId: r.personId };
}

/** The account and account+address counters of an identifier, as the login keys them. */
async function accountKeys(identifier: string, ip: string): Promise<{ account: ThrottleKey; accountIp: ThrottleKey }> {
  const subject = await server.container.login.subjectOf(identifier);
  const t = server.container.throttle;
  return { account: t.key(limits().account, subject), accountIp: t.key(limits().accountIp, subject, ip) };
}

const row = async (k: ThrottleKey) => server.container.db.knex('rate_limits').where({ key: k.key }).first();

/** Ends the keys' locks now, as if their time had passed (no sleeping). */
async function endLocks(...keys: ThrottleKey[]) {
  const knex = server.container.db.knex;
  await knex('rate_limits').whereIn('key', keys.map((k) => k.key)).whereNotNull('locked_until')
    .update({ locked_until: knex.raw("now() - interval '1 second'") });
}

/** The login's outcome as its error code, or 'ok'. */
async function attempt(identifier: string, password: string, ip: string): Promise<string> {
  try {
    await server.container.login.authenticate(identifier, password, ip);
    return 'ok';
  } catch (e) {
    return (e as { code: string }).code;
  }
}

async function refusal(identifier: string, password: string, ip: string): Promise<number> {
  try {
    await server.container.login.authenticate(identifier, password, ip);
  } catch (e) {
    const err = e as { code: string; details?: { retryAfterSeconds: number } };
    if (err.code === 'login.rate_limited') return err.details!.retryAfterSeconds;
    throw e;
  }
  throw new Error('not refused');
}

const idEndingInX = () => {
  for (;;) {
    const n = idNumber();
    if (n.endsWith('X')) return n;
  }
};

describe('password-login throttle', () => {
  it('lets exactly the limit of 200 parallel wrong passwords reach the password check', async () => {
    const victim = await register();
    const ua = new UserAgent(server.issuer);
    const login = await ua.page((await platform.authorize()).url);
    const pages = await Promise.all(Array.from({ length: 200 }, (_, i) =>
      ua.submit(login, '/login', { identifier: victim.idNumber, password: `Wrong-Pass-${i}` }) as Promise<Page>));
    const invalid = pages.filter((p) => p.status === 401 && p.html.includes('证件号码（手机号）或密码错误'));
    const limited = pages.filter((p) => p.status === 429 && p.html.includes('尝试次数过多'));
    const max = limits().accountIp.max;
    expect(invalid).toHaveLength(max);
    expect(limited).toHaveLength(200 - max);

    // The counters hold exactly the attempts that were let through; the account+address one is locked.
    const { account, accountIp } = await accountKeys(victim.idNumber, '127.0.0.1');
    expect((await row(account)).count).toBe(max);
    const locked = await row(accountIp);
    expect(locked.lock_level).toBe(1);
    expect(new Date(locked.locked_until).getTime()).toBeGreaterThan(Date.now());
    const ip = await row(server.container.throttle.key(limits().ip, '127.0.0.1'));
    expect(ip.count).toBe(max);
    // Nothing in the table names the person.
    const dump = JSON.stringify(await server.container.db.knex('rate_limits').select());
    expect(dump).not.toContain(victim.idNumber);
    expect(dump).not.toContain(victim.personId);
    expect(dump).not.toContain('127.0.0.1');
  });

  it('counts every spelling of one mobile number or ID number against one counter', async () => {
    const ip = '198.51.100.20';
    const mobile = phone();
    const [a, b, c] = [mobile.slice(0, 3), mobile.slice(3, 7), mobile.slice(7)];
    const fullWidth = [...mobile].map((d) => String.fromCharCode(d.charCodeAt(0) + 0xfee0)).join('');
    const spellings = [`+86${mobile}`, `${a} ${b} ${c}`, fullWidth, `86${mobile}`, `0086-${a}-${b}-${c}`];
    for (const s of spellings) expect(await attempt(s, 'Wrong-Pass-1', ip), s).toBe('login.invalid_credentials');
    expect(await attempt(mobile, 'Wrong-Pass-1', ip)).toBe('login.rate_limited');

    // A registered ID number: the counter is the account's, whatever is typed; the owner's variant finds it too.
    const owner = await register({ ...person(), idNumber: idEndingInX() });
    const n = owner.idNumber;
    const idSpellings = [n.toLowerCase(), `${n.slice(0, 6)} ${n.slice(6, 14)} ${n.slice(14)}`,
      [...n].map((ch) => String.fromCharCode(ch.charCodeAt(0) + 0xfee0)).join(''), ` ${n} `, `${n.slice(0, 9)}-${n.slice(9).toLowerCase()}`];
    for (const s of idSpellings) expect(await attempt(s, 'Wrong-Pass-1', ip), s).toBe('login.invalid_credentials');
    expect(await attempt(n, owner.password, ip)).toBe('login.rate_limited');
    expect(await attempt(owner.phone, owner.password, ip)).toBe('login.rate_limited');
    expect(await attempt(`+86 ${owner.phone}`, owner.password, '198.51.100.21')).toBe('ok');
  });

  it('locks a spent account for a minute, doubling with each further lock up to an hour, and lets the owner back in', async () => {
    const ip = '198.51.100.30';
    const owner = await register();
    const { account, accountIp } = await accountKeys(owner.idNumber, ip);
    const round = async () => {
      for (let i = 0; i < limits().accountIp.max; i++) expect(await attempt(owner.idNumber, `Wrong-Pass-${i}`, ip)).toBe('login.invalid_credentials');
      return refusal(owner.idNumber, owner.password, ip);
    };
    const first = await round();
    expect(first).toBeGreaterThan(50);
    expect(first).toBeLessThanOrEqual(60);
    expect((await row(accountIp)).lock_level).toBe(1);

    await endLocks(account, accountIp);
    const second = await round();
    expect(second).toBeGreaterThan(110);
    expect(second).toBeLessThanOrEqual(120);
    expect((await row(accountIp)).lock_level).toBe(2);

    // Many locks later the lock stops growing at the cap.
    await endLocks(account, accountIp);
    await server.container.db.knex('rate_limits').where({ key: accountIp.key }).update({ lock_level: 12 });
    const capped = await round();
    expect(capped).toBeGreaterThan(3500);
    expect(capped).toBeLessThanOrEqual(3600);

    // Never permanent: once the lock has passed the right password works and forgets it all.
    await endLocks(account, accountIp);
    expect(await attempt(owner.idNumber, owner.password, ip)).toBe('ok');
    expect(await row(account)).toBeUndefined();
    expect(await row(accountIp)).toBeUndefined();
    const fresh = await round();
    expect(fresh).toBeLessThanOrEqual(60);
  });

  it('forgets earlier failures after a successful login', async () => {
    const ip = '198.51.100.40';
    const owner = await register();
    for (let i = 0; i < 4; i++) expect(await attempt(owner.idNumber, `Wrong-Pass-${i}`, ip)).toBe('login.invalid_credentials');
    expect(await attempt(owner.idNumber, owner.password, ip)).toBe('ok');
    for (let i = 0; i < 5; i++) expect(await attempt(owner.idNumber, `Wrong-Pass-${i}`, ip)).toBe('login.invalid_credentials');
    expect(await attempt(owner.idNumber, owner.password, ip)).toBe('login.rate_limited');
  });

  it('answers a locked account exactly like a locked unknown number, and a wrong password like an unknown number', async () => {
    const owner = await register();
    const ghost = idNumber('19800101');
    const ua = new UserAgent(server.issuer);
    const start = await platform.authorize();
    const strip = (h: string) => h.replace(/value="[^"]*"/g, '').replace(/\/interaction\/[\w-]+/g, '');
    const answers = async (identifier: string) => {
      const out: Array<{ status: number; html: string }> = [];
      for (let i = 0; i < 6; i++) {
        const p = (await ua.submit(await ua.page(start.url), '/login', { identifier, password: `Wrong-Pass-${i}` })) as Page;
        out.push({ status: p.status, html: strip(p.html) });
      }
      return out;
    };
    const known = await answers(owner.idNumber);
    const unknown = await answers(ghost);
    expect(known.map((a) => a.status)).toEqual([401, 401, 401, 401, 401, 429]);
    expect(unknown).toEqual(known);
  });
});

describe('client address behind trusted proxies', () => {
  let proxied: TestServer;
  let proxiedPlatform: Platform;
  beforeAll(async () => {
    proxied = await startTestServer({ TRUST_PROXY: '127.0.0.1,10.0.0.0/8' });
    proxiedPlatform = await registerPlatform(proxied.container, proxied.issuer);
  });
  afterAll(() => proxied?.stop());

  it('keys limits and the audit trail on the right-most untrusted X-Forwarded-For entry', async () => {
    const r = await proxied.container.persons.register(person());
    if (!r.ok || !r.personId) throw new Error('not registered');
    const victim = (await proxied.container.persons.get(r.personId))!;
    const ua = new UserAgent(proxied.issuer);
    const start = await proxiedPlatform.authorize();
    const submit = async (forwardedFor: string) => ((await ua.submit(await ua.page(start.url), '/login',
      { identifier: victim.idNumber, password: 'Wrong-Pass-1' }, { 'x-forwarded-for': forwardedFor })) as Page).status;
    // The client changes the left-most entry at will; our proxies append the real address.
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push(await submit(`6.6.6.${i}, 203.0.113.7, 10.1.2.3`));
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    // Another client behind the same proxies has its own account+address counter.
    expect(await submit('6.6.6.6, 203.0.113.8, 10.1.2.3')).toBe(401);

    const t = proxied.container.throttle;
    const l = loginLimits(proxied.container.config.loginLimits);
    const locked = await proxied.container.db.knex('rate_limits').where({ key: t.key(l.accountIp, `account:${victim.id}`, '203.0.113.7').key }).first();
    expect(locked.lock_level).toBe(1);
    const failures = await proxied.container.db.knex('audit_events').where({ action: 'login.failure' }).select('detail', 'target');
    expect(failures.map((f) => (typeof f.detail === 'string' ? JSON.parse(f.detail) : f.detail).ip).sort())
      .toEqual([...Array(6).fill('203.0.113.7'), '203.0.113.8']);
    // Each names the account tried by its id, never by the identifier typed.
    expect(new Set(failures.map((f) => f.target))).toEqual(new Set([victim.id]));
    expect(JSON.stringify(failures)).not.toContain(victim.idNumber);
  });
});
