/**
 * The storage adapter against oidc-provider's adapter contract (example/my_adapter.js), on the
 * database the suite runs on, through the same layer the provider uses (adapter.ts over
 * OidcModelStore with its cache). On PostgreSQL a second store, as another process would have,
 * with its own change feed, must see every change the first makes: caching may not bend the
 * contract. Concurrency: of many parallel consumes of one token exactly one wins.
 */
import { randomBytes } from 'node:crypto';
import type { Adapter, AdapterPayload } from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adapterFactory } from '../../src/oidc/adapter.ts';
import { ChangeFeed } from '../../src/store/change-feed.ts';
import { openDatabase, type Database } from '../../src/store/db.ts';
import { OidcModelStore } from '../../src/store/oidc-models.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let other: { db: Database; feed: ChangeFeed | undefined; store: OidcModelStore } | undefined;
const noClients = { providerMetadata: async () => undefined };
const id = () => randomBytes(24).toString('base64url');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let adapterFor: (model: string) => Adapter;
/** The same models as seen from a second process (PostgreSQL), or the same one (embedded). */
let otherAdapterFor: (model: string) => Adapter;

beforeAll(async () => {
  server = await startTestServer();
  const Factory = adapterFactory(server.container.models, noClients);
  adapterFor = (model) => new Factory(model);
  if (server.env.DATABASE_URL) {
    const db = await openDatabase({ databaseUrl: server.env.DATABASE_URL, dataDir: null, poolMax: 2 });
    const feed = new ChangeFeed(db.knex);
    feed.start();
    other = { db, feed, store: new OidcModelStore(db.knex, feed) };
    const OtherFactory = adapterFactory(other.store, noClients);
    otherAdapterFor = (model) => new OtherFactory(model);
    for (let i = 0; i < 50 && !feed.live; i++) await sleep(100);
  } else {
    otherAdapterFor = adapterFor;
  }
});
afterAll(async () => {
  await other?.feed?.close();
  await other?.db.close();
  await server?.stop();
});

// Every model the provider stores here, cached by the store (AccessToken, Grant, Session) or not.
const MODELS = ['AccessToken', 'AuthorizationCode', 'RefreshToken', 'ClientCredentials', 'Grant', 'Session', 'Interaction', 'DeviceCode'];

describe.each(MODELS)('%s', (model) => {
  it('finds what was upserted, and the newest version after an update', async () => {
    const a = adapterFor(model);
    const key = id();
    const payload: AdapterPayload = { jti: key, kind: model, grantId: id(), accountId: 'acc-1', scope: 'openid', iat: 1 };
    await a.upsert(key, payload, 60);
    expect(await a.find(key)).toEqual(payload);
    expect(await otherAdapterFor(model).find(key)).toEqual(payload);
    await a.upsert(key, { ...payload, scope: 'openid profile' }, 60);
    expect(await a.find(key)).toMatchObject({ scope: 'openid profile' });
    await eventually(async () => expect(await otherAdapterFor(model).find(key)).toMatchObject({ scope: 'openid profile' }));
  });

  it('returns nothing for an unknown id', async () => {
    expect(await adapterFor(model).find(id())).toBeUndefined();
  });

  it('marks a consumed entry with the time of its first use, seen from every process at once', async () => {
    const a = adapterFor(model);
    const key = id();
    await a.upsert(key, { jti: key, kind: model, grantId: id() }, 60);
    expect((await otherAdapterFor(model).find(key))?.consumed).toBeUndefined(); // now cached there (PostgreSQL)
    const before = Math.floor(Date.now() / 1000) - 1;
    await a.consume(key);
    const consumed = (await a.find(key))?.consumed;
    expect(consumed).toBeGreaterThanOrEqual(before);
    expect(consumed).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 1);
    await eventually(async () => expect((await otherAdapterFor(model).find(key))?.consumed).toBe(consumed));
  });

  it('forgets a destroyed entry everywhere', async () => {
    const a = adapterFor(model);
    const key = id();
    await a.upsert(key, { jti: key, kind: model }, 60);
    expect(await otherAdapterFor(model).find(key)).toBeDefined();
    await a.destroy(key);
    expect(await a.find(key)).toBeUndefined();
    await eventually(async () => expect(await otherAdapterFor(model).find(key)).toBeUndefined());
  });

  it('revokes by grant id only this model\'s entries of that grant', async () => {
    const grantId = id();
    const mine = id();
    const otherGrant = id();
    const sibling = model === 'AccessToken' ? 'RefreshToken' : 'AccessToken';
    await adapterFor(model).upsert(mine, { jti: mine, kind: model, grantId }, 60);
    await adapterFor(model).upsert(otherGrant, { jti: otherGrant, kind: model, grantId: id() }, 60);
    const siblingKey = id();
    await adapterFor(sibling).upsert(siblingKey, { jti: siblingKey, kind: sibling, grantId }, 60);
    await adapterFor(model).revokeByGrantId(grantId);
    expect(await adapterFor(model).find(mine)).toBeUndefined();
    await eventually(async () => expect(await otherAdapterFor(model).find(mine)).toBeUndefined());
    expect(await adapterFor(model).find(otherGrant)).toBeDefined();
    expect(await adapterFor(sibling).find(siblingKey)).toBeDefined();
  });
});

describe('expiry', () => {
  it('returns nothing for an entry of any model once it has expired, from any process', async () => {
    const keys = await Promise.all(MODELS.map(async (model) => {
      const key = id();
      await adapterFor(model).upsert(key, { jti: key, kind: model, uid: id() }, 1);
      expect(await otherAdapterFor(model).find(key)).toBeDefined(); // cached there where caching applies
      return key;
    }));
    await sleep(1100);
    for (const [i, model] of MODELS.entries()) {
      expect(await adapterFor(model).find(keys[i]!)).toBeUndefined();
      expect(await otherAdapterFor(model).find(keys[i]!)).toBeUndefined();
    }
  });
});

describe('lookups by uid and user code', () => {
  it('finds a session by its uid, and not after it is destroyed', async () => {
    const a = adapterFor('Session');
    const key = id();
    const uid = id();
    await a.upsert(key, { jti: key, kind: 'Session', uid, accountId: 'acc-2' }, 60);
    expect(await a.findByUid(uid)).toMatchObject({ jti: key, uid });
    expect(await otherAdapterFor('Session').findByUid(uid)).toMatchObject({ jti: key });
    await a.destroy(key);
    expect(await a.findByUid(uid)).toBeUndefined();
    await eventually(async () => expect(await otherAdapterFor('Session').findByUid(uid)).toBeUndefined());
  });

  it('finds a device code by its user code', async () => {
    const a = adapterFor('DeviceCode');
    const key = id();
    await a.upsert(key, { jti: key, kind: 'DeviceCode', userCode: 'BCDF-GHJK', grantId: id() }, 60);
    expect(await a.findByUserCode('BCDF-GHJK')).toMatchObject({ jti: key });
    expect(await a.findByUserCode('XXXX-XXXX')).toBeUndefined();
  });
});

describe('single use under concurrency', () => {
  it.each(['AuthorizationCode', 'RefreshToken', 'DeviceCode'])('lets exactly one of 50 parallel consumes of one %s win, and revokes the grant for the others', async (model) => {
    const grantId = id();
    const key = id();
    const issued = id();
    await adapterFor('Grant').upsert(grantId, { jti: grantId, kind: 'Grant', accountId: 'acc-3' }, 60);
    await adapterFor(model).upsert(key, { jti: key, kind: model, grantId }, 60);
    await adapterFor('AccessToken').upsert(issued, { jti: issued, kind: 'AccessToken', grantId }, 60);
    // Half from each "process": the database decides, not a cache.
    const results = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => (i % 2 ? otherAdapterFor : adapterFor)(model).consume(key)));
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(49);
    for (const r of lost) expect(r.reason).toMatchObject({ error: 'invalid_grant' });
    expect(await adapterFor('Grant').find(grantId)).toBeUndefined();
    expect(await adapterFor('AccessToken').find(issued)).toBeUndefined();
  });

  it('refuses a consume of something already consumed, one after the other', async () => {
    const key = id();
    await adapterFor('AuthorizationCode').upsert(key, { jti: key, kind: 'AuthorizationCode', grantId: id() }, 60);
    await adapterFor('AuthorizationCode').consume(key);
    await expect(adapterFor('AuthorizationCode').consume(key)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('records a client assertion jti once: of 50 parallel first uses one passes', async () => {
    const key = id();
    const results = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => (i % 2 ? otherAdapterFor : adapterFor)('ReplayDetection').upsert(key, { jti: key, iss: 'client-a' }, 60)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(lost).toHaveLength(49);
    for (const r of lost) expect(r.reason).toMatchObject({ error: 'invalid_client' });
    expect(await adapterFor('ReplayDetection').find(key)).toMatchObject({ iss: 'client-a' });
  });

  it('accepts a jti again once its record has expired', async () => {
    const key = id();
    await adapterFor('ReplayDetection').upsert(key, { jti: key, iss: 'client-b' }, 1);
    await sleep(1100);
    await expect(adapterFor('ReplayDetection').upsert(key, { jti: key, iss: 'client-b' }, 60)).resolves.toBeUndefined();
    await expect(adapterFor('ReplayDetection').upsert(key, { jti: key, iss: 'client-b' }, 60)).rejects.toMatchObject({ error: 'invalid_client' });
  });
});

/** Change notices take milliseconds to reach the other process: retry briefly. */
async function eventually(check: () => Promise<void>, ms = 2000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      return await check();
    } catch (e) {
      if (Date.now() > until) throw e;
      await sleep(25);
    }
  }
}
