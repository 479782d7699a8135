/**
 * The SSO session ends SESSION_IDLE_SECONDS after the last authorization that used it, and in
 * any case SESSION_ABSOLUTE_SECONDS after the login, both enforced by the server (the stored
 * session expires; the next authorization asks for the login again). An authorization that
 * changes nothing in the session (its end moves at most once per step) writes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserAgent } from '../helpers/browser.ts';
import { person } from '../helpers/identities.ts';
import { loginThrough, registerPlatform, type Platform } from '../helpers/platform.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

interface SessionRow { id: string; exp: number; loginTs: number; expiresAt: Date; version: string }

async function sessionRow(server: TestServer, accountId: string): Promise<SessionRow | undefined> {
  const rows = await server.container.db.knex('oidc_models').where({ model: 'Session' })
    .andWhereRaw(`payload->>'accountId' = ?`, [accountId]).andWhere('expires_at', '>', server.container.db.knex.fn.now())
    .select('id', 'payload', 'expires_at', server.container.db.knex.raw('xmin::text AS version'));
  expect(rows.length).toBeLessThanOrEqual(1);
  const r = rows[0];
  return r && { id: r.id, exp: r.payload.exp, loginTs: r.payload.loginTs, expiresAt: new Date(r.expires_at), version: r.version };
}

/** A platform visit in the same browser: true when it came straight back with a code (SSO), false when it showed the login page. */
async function ssoVisit(platform: Platform, ua: UserAgent): Promise<boolean> {
  const start = await platform.authorize();
  const out = await ua.follow(start.url);
  if (!('redirect' in out)) {
    expect(out.html).toContain('/login"');
    return false;
  }
  expect((await platform.finish(out.redirect, start)).id_token).toBeTruthy();
  return true;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function world(env: Record<string, string> = {}) {
  const server = await startTestServer(env);
  const platform = await registerPlatform(server.container, server.issuer, { first_party: true });
  const login = async () => {
    const citizen = person();
    const { personId } = await server.container.persons.register(citizen) as { personId: string };
    const ua = new UserAgent(server.issuer);
    const start = await platform.authorize();
    await platform.finish(await loginThrough(ua, start.url, citizen.idNumber, citizen.password), start);
    return { ua, personId };
  };
  return { server, platform, login };
}

describe('SSO session lifetime (defaults: 30 min idle, 8 h absolute)', () => {
  let w: Awaited<ReturnType<typeof world>>;
  beforeAll(async () => { w = await world(); });
  afterAll(() => w?.server.stop());

  it('ends the idle time after the login, stored as the row expiry', async () => {
    const { personId } = await w.login();
    const row = (await sessionRow(w.server, personId))!;
    expect(w.server.container.config.ttl.sessionIdle).toBe(1800);
    expect(w.server.container.config.ttl.session).toBe(8 * 3600);
    expect(row.exp - row.loginTs).toBeGreaterThanOrEqual(1799);
    expect(row.exp - row.loginTs).toBeLessThanOrEqual(1801);
    expect(Math.abs(row.expiresAt.getTime() / 1000 - row.exp)).toBeLessThanOrEqual(2);
  });

  // Write-through caching (and so the skipped write) exists only on PostgreSQL.
  it.skipIf(!process.env.DATABASE_URL)('writes nothing for an authorization that leaves the session as it was', async () => {
    const { ua, personId } = await w.login();
    await ssoVisit(w.platform, ua); // the session as this process last wrote it is now in its cache
    const before = (await sessionRow(w.server, personId))!;
    await ssoVisit(w.platform, ua);
    await ssoVisit(w.platform, ua);
    expect((await sessionRow(w.server, personId))!.version).toBe(before.version);
  });
});

describe('SSO session lifetime, shortened (5 s idle, 9 s absolute)', () => {
  let w: Awaited<ReturnType<typeof world>>;
  beforeAll(async () => { w = await world({ SESSION_IDLE_SECONDS: '5', SESSION_ABSOLUTE_SECONDS: '9' }); });
  afterAll(() => w?.server.stop());

  it('ends after the idle time without use: the next authorization asks for the login again', async () => {
    const { ua, personId } = await w.login();
    await sleep(2500);
    expect(await ssoVisit(w.platform, ua)).toBe(true);
    await sleep(6000);
    expect(await sessionRow(w.server, personId)).toBeUndefined();
    expect(await ssoVisit(w.platform, ua)).toBe(false);
  });

  it('slides with use, yet ends at the absolute limit however active the person is', async () => {
    const { ua, personId } = await w.login();
    const first = (await sessionRow(w.server, personId))!;
    await sleep(3000);
    expect(await ssoVisit(w.platform, ua)).toBe(true);
    const slid = (await sessionRow(w.server, personId))!;
    expect(slid.exp).toBeGreaterThan(first.exp);
    await sleep(3000);
    expect(await ssoVisit(w.platform, ua)).toBe(true);
    const capped = (await sessionRow(w.server, personId))!;
    expect(capped.exp).toBeLessThanOrEqual(capped.loginTs + 9);
    // loginTs is in whole seconds, and the row's expiry rounds up: a second's margin.
    await sleep(Math.max(0, (first.loginTs + 10.2) * 1000 - Date.now()));
    // Used 3 s ago (within the idle time), but 9 s after the login: over.
    expect(await ssoVisit(w.platform, ua)).toBe(false);
  });
});
