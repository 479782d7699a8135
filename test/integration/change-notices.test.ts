/**
 * The per-process caches (clients, tokens, grants, sessions, persons, evidence) must never let
 * revoked state live on: changes made by another process — here a second database connection
 * and a second container, as the CLI or another worker would — reach the server at once.
 * Caching happens only on PostgreSQL (the embedded database is single-process).
 */
import knexFactory, { type Knex } from 'knex';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createContainer, type Container } from '../../src/container.ts';
import { UserAgent } from '../helpers/browser.ts';
import { person } from '../helpers/identities.ts';
import { loginThrough, registerPlatform, type Platform } from '../helpers/platform.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let platform: Platform;
let other: Knex;
let otherContainer: Container;
const citizen = person();

/** Polls `probe` until it returns true; the time it took, or Infinity after `limitMs`. */
async function within(limitMs: number, probe: () => Promise<boolean>): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < limitMs) {
    if (await probe()) return Date.now() - start;
    await new Promise((r) => setTimeout(r, 5));
  }
  return Infinity;
}

const active = async (token: string) => (await oidc.tokenIntrospection(platform.config, token)).active === true;
const userinfoWorks = (token: string) => oidc.fetchUserInfo(platform.config, token, oidc.skipSubjectCheck).then(() => true, () => false);

async function login() {
  const ua = new UserAgent(server.issuer);
  const start = await platform.authorize({ scope: 'openid profile' });
  return platform.finish(await loginThrough(ua, start.url, citizen.idNumber, citizen.password), start);
}

describe.skipIf(!process.env.DATABASE_URL)('caches and changes made by other processes', () => {
  beforeAll(async () => {
    server = await startTestServer();
    platform = await registerPlatform(server.container, server.issuer, { first_party: true });
    await server.container.persons.register(citizen);
    other = knexFactory({ client: 'pg', connection: server.env.DATABASE_URL, pool: { min: 0, max: 1 } });
    otherContainer = await createContainer(loadConfig(server.env));
  });
  afterAll(async () => {
    await otherContainer?.close();
    await other?.destroy();
    await server?.stop();
  });

  it('an access token deleted elsewhere is inactive at once, though it was just read', async () => {
    const { access_token: at } = await login();
    expect(await active(at)).toBe(true);
    expect(await userinfoWorks(at)).toBe(true); // read twice: cached now
    await other('oidc_models').where({ model: 'AccessToken', id: at }).delete();
    expect(await within(1000, async () => !(await active(at)))).toBeLessThan(1000);
    expect(await userinfoWorks(at)).toBe(false);
  });

  it('a grant withdrawn elsewhere ends its tokens at once', async () => {
    const tokens = await login();
    expect(await userinfoWorks(tokens.access_token)).toBe(true);
    const row = await other('oidc_models').where({ model: 'AccessToken', id: tokens.access_token }).first('grant_id');
    await other('oidc_models').where({ model: 'Grant', id: row.grant_id }).delete();
    expect(await within(1000, async () => !(await userinfoWorks(tokens.access_token)))).toBeLessThan(1000);
  });

  it('a client secret rotated by another process is refused at once', async () => {
    const { clientId, generatedSecret } = await server.container.clients.add({ grant_types: ['client_credentials'], response_types: [], redirect_uris: [], scope: 'api' });
    const config = (secret: string) => oidc.discovery(new URL(server.issuer), clientId, secret, undefined, { execute: [oidc.allowInsecureRequests] });
    const old = await config(generatedSecret!);
    const grant = () => oidc.clientCredentialsGrant(old, { scope: 'api' }).then(() => true, () => false);
    expect(await grant()).toBe(true);
    expect(await grant()).toBe(true);
    const { generatedSecret: fresh } = await otherContainer.clients.update(clientId, {}, { rotateSecret: true });
    expect(await within(1000, async () => !(await grant()))).toBeLessThan(1000);
    await expect(oidc.clientCredentialsGrant(await config(fresh!), { scope: 'api' })).resolves.toHaveProperty('access_token');
  });

  it('a person disabled by another process gets no userinfo at once', async () => {
    const { access_token: at } = await login();
    expect(await userinfoWorks(at)).toBe(true);
    const who = await other('persons').first('id');
    await other('persons').where({ id: who.id }).update({ status: 'disabled' });
    try {
      expect(await within(1000, async () => !(await userinfoWorks(at)))).toBeLessThan(1000);
    } finally {
      await other('persons').where({ id: who.id }).update({ status: 'active' });
    }
    expect(await within(1000, () => userinfoWorks(at))).toBeLessThan(1000);
  });

  it('a name corrected by another process is what userinfo says next, though the old one was decrypted', async () => {
    const { access_token: at } = await login();
    const nameNow = async () => (await oidc.fetchUserInfo(platform.config, at, oidc.skipSubjectCheck)).name;
    expect(await nameNow()).toBe(citizen.name);
    const who = await other('persons').first('id', 'name_enc');
    const { name_enc } = otherContainer.persons.sealFields({ name: '李四', idNumber: citizen.idNumber, phone: citizen.phone });
    await other('persons').where({ id: who.id }).update({ name_enc });
    try {
      expect(await within(1000, async () => (await nameNow()) === '李四')).toBeLessThan(1000);
    } finally {
      await other('persons').where({ id: who.id }).update({ name_enc: who.name_enc });
    }
  });

  it('serves nothing from cache while the change feed is down', async () => {
    const { access_token: at } = await login();
    expect(await active(at)).toBe(true);
    expect(await active(at)).toBe(true);
    const killed = await other.raw(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'`);
    expect(killed.rows.length).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 100)); // the server notices the lost connection
    await other('oidc_models').where({ model: 'AccessToken', id: at }).delete();
    expect(await active(at)).toBe(false); // no polling: read through while the feed is down
  });
});
