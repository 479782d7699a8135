/**
 * The SSO session lasts a working day from the last login, however active the person is (it does
 * not slide), and an authorization that changes nothing in the session writes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserAgent } from '../helpers/browser.ts';
import { person } from '../helpers/identities.ts';
import { loginThrough, registerPlatform, type Platform } from '../helpers/platform.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let platform: Platform;
const citizen = person();

interface SessionRow { id: string; exp: number; loginTs: number; expiresAt: Date; version: string }

async function sessionRow(): Promise<SessionRow> {
  const rows = await server.container.db.knex('oidc_models').where({ model: 'Session' })
    .select('id', 'payload', 'expires_at', server.container.db.knex.raw('xmin::text AS version'));
  const mine = rows.filter((r: { payload: { accountId?: string } }) => r.payload.accountId);
  expect(mine).toHaveLength(1);
  const r = mine[0];
  return { id: r.id, exp: r.payload.exp, loginTs: r.payload.loginTs, expiresAt: new Date(r.expires_at), version: r.version };
}

/** A second platform visit in the same browser: straight back with a code, no login page. */
async function ssoVisit(ua: UserAgent): Promise<void> {
  const start = await platform.authorize();
  const out = await ua.follow(start.url);
  expect(out).toHaveProperty('redirect');
  const tokens = await platform.finish((out as { redirect: string }).redirect, start);
  expect(tokens.id_token).toBeTruthy();
}

describe('SSO session lifetime', () => {
  let ua: UserAgent;
  let first: SessionRow;

  beforeAll(async () => {
    server = await startTestServer();
    platform = await registerPlatform(server.container, server.issuer, { first_party: true });
    await server.container.persons.register(citizen);
    ua = new UserAgent(server.issuer);
    const start = await platform.authorize();
    await platform.finish(await loginThrough(ua, start.url, citizen.idNumber, citizen.password), start);
    first = await sessionRow();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('ends the configured time after login', () => {
    expect(first.exp - first.loginTs).toBe(server.container.config.ttl.session);
    expect(Math.abs(first.expiresAt.getTime() / 1000 - first.exp)).toBeLessThanOrEqual(2);
  });

  it('does not slide when the person keeps using it', async () => {
    await new Promise((r) => setTimeout(r, 1100));
    await ssoVisit(ua);
    const later = await sessionRow();
    expect(later.id).toBe(first.id);
    expect(later.exp).toBe(first.exp);
    expect(Math.abs(later.expiresAt.getTime() - first.expiresAt.getTime())).toBeLessThanOrEqual(2000);
  });

  // Write-through caching (and so the skipped write) exists only on PostgreSQL.
  it.skipIf(!process.env.DATABASE_URL)('writes nothing for an authorization that leaves the session as it was', async () => {
    await ssoVisit(ua); // the session as this process last wrote it is now in its cache
    const before = await sessionRow();
    await ssoVisit(ua);
    await ssoVisit(ua);
    expect((await sessionRow()).version).toBe(before.version);
  });
});
