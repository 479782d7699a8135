import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVIDENCE_HASH_CONTEXT } from '../../src/container-verification.ts';
import { DashboardStats, type DashboardData } from '../../src/admin/dashboard-stats.ts';
import { DashboardStatsStore } from '../../src/store/dashboard-stats.ts';
import { person } from '../helpers/identities.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let data: DashboardData;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const now = Date.now();
const ago = (ms: number) => new Date(now - ms);
const ids: string[] = [];

async function evidence(channelId: string, kind: string, result: string, at: Date, personId: string | null, who?: { name: string; idNumber: string }) {
  const h = (v: string) => server.container.crypto.blindIndex(v, EVIDENCE_HASH_CONTEXT);
  await server.container.verification.evidence.record({
    id: randomUUID(), channelId, kind, result, errorCode: result === 'error' ? 'verification.channel_timeout' : null, authorityRef: null,
    checked: who ? [{ field: 'name', hash: h(who.name), masked: '*' }, { field: 'idNumber', hash: h(who.idNumber), masked: '*' }] : [],
    at: at.toISOString(), latencyMs: 5, subjectPersonId: personId, actor: 'test',
  });
}

beforeAll(async () => {
  server = await startTestServer();
  const c = server.container;
  const knex = c.db.knex;
  const people = Array.from({ length: 7 }, () => person());
  for (const p of people) {
    const r = await c.persons.register(p);
    if (!r.ok || !r.personId) throw new Error('seed failed');
    ids.push(r.personId);
  }
  // Levels: 0 none (L1); 1 population (L2); 2 population + face (L3); 3 counter (L4);
  // 4 population 4 years ago (expired: L1); 5 face alone (L1); 6 counter but disabled (not counted).
  await evidence('pop-a', 'population', 'match', ago(10 * DAY), ids[1]!, people[1]);
  await evidence('pop-a', 'population', 'match', ago(400 * DAY), ids[2]!, people[2]);
  await evidence('face-b', 'face', 'match', ago(100 * DAY), ids[2]!, people[2]);
  await evidence('counter-desk', 'counter', 'match', ago(DAY * 2), ids[3]!, people[3]);
  await evidence('pop-a', 'population', 'match', ago(4 * 365 * DAY), ids[4]!, people[4]);
  await evidence('face-b', 'face', 'match', ago(2 * DAY), ids[5]!, people[5]);
  await evidence('counter-desk', 'counter', 'match', ago(3 * DAY), ids[6]!, people[6]);
  await c.persons.setStatus(ids[6]!, 'disabled');
  // The last day's calls: pop-a 2 match, 1 mismatch, 1 error; face-b 1 match.
  for (const result of ['match', 'match', 'mismatch', 'error']) await evidence('pop-a', 'population', result, ago(2 * HOUR), null);
  await evidence('face-b', 'face', 'match', ago(3 * HOUR), null);

  const event = (action: string, at: Date, detail: Record<string, unknown> = {}) => knex('audit_events').insert({ actor: 'test', action, at, detail: JSON.stringify(detail) });
  for (let i = 0; i < 3; i++) await event('login.success', ago(HOUR), { method: 'password' });
  await event('login.failure', ago(HOUR), { method: 'password' });
  await event('login.failure', ago(HOUR), { method: 'password' });
  await event('login.success', ago(5 * HOUR), { method: 'sms' });
  await event('login.success', ago(30 * HOUR), { method: 'password' }); // outside the day
  await event('person.disabled', ago(2 * HOUR));
  await event('person.enabled', ago(2 * HOUR)); // not a lock

  await knex('rate_limits').insert([
    { key: 'k-locked', count: 5, expires_at: ago(-HOUR), locked_until: ago(-10 * 60_000) },
    { key: 'k-unlocked', count: 5, expires_at: ago(-HOUR), locked_until: ago(10 * 60_000) },
  ]);
  const session = (accountId: string, expires: Date) => ({ model: 'Session', id: randomUUID(), payload: JSON.stringify({ accountId }), expires_at: expires });
  await knex('oidc_models').insert([session(ids[0]!, ago(-HOUR)), session(ids[0]!, ago(-HOUR)), session(ids[1]!, ago(-HOUR)), session(ids[2]!, ago(HOUR))]);

  // The seeding's clock: an hour boundary passed meanwhile must not shift the buckets.
  data = await new DashboardStats(new DashboardStatsStore(knex), c.verification.ladder, () => now).collect();
});
afterAll(() => server?.stop());

describe('the dashboard aggregates', () => {
  it('counts logins per hour by method over the last 24 hours', () => {
    expect(data.hours).toHaveLength(24);
    expect(data.hours[23]!.getTime()).toBe(Math.floor(now / HOUR) * HOUR);
    const password = data.logins.find((m) => m.method === 'password')!;
    const sms = data.logins.find((m) => m.method === 'sms')!;
    expect(password.success[22]).toBe(3);
    expect(password.failure[22]).toBe(2);
    expect(password.success.reduce((a, b) => a + b)).toBe(3); // the one 30 hours ago is left out
    expect(sms.success[18]).toBe(1);
  });

  it('counts verification calls and failures per channel', () => {
    const byId = Object.fromEntries(data.verifications.map((v) => [v.channelId, v]));
    expect(byId['pop-a']).toMatchObject({ kind: 'population', match: 2, mismatch: 1, error: 1 });
    expect(byId['face-b']).toMatchObject({ kind: 'face', match: 1, mismatch: 0, error: 0 });
    expect(byId['counter-desk']).toBeUndefined(); // days ago
  });

  it('counts locks, throttle locks in force and live sessions', () => {
    expect(data.locks).toEqual([{ action: 'person.disabled', perHour: expect.any(Array) }]);
    expect(data.locks[0]!.perHour[21]).toBe(1);
    expect(data.throttleLocks).toBe(1);
    expect(data.sessions).toEqual({ sessions: 3, accounts: 2 });
  });

  it('places active accounts at the level the assurance service gives them', async () => {
    expect(data.assurance.map((l) => [l.levelId, l.count])).toEqual([['L1', 3], ['L2', 1], ['L3', 1], ['L4', 1]]);
    // The same answer, one account at a time, from the service tokens use.
    const levels: Record<string, number> = {};
    for (const id of ids.slice(0, 6)) {
      const { level } = await server.container.verification.assurance.levelOf(id);
      levels[level.id] = (levels[level.id] ?? 0) + 1;
    }
    expect(levels).toEqual({ L1: 3, L2: 1, L3: 1, L4: 1 });
  });
});
