import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run.ts';
import { createVerification } from '../../src/container-verification.ts';
import { createLogger } from '../../src/logger.ts';
import { addChannel, startVerificationWorld, type VerificationWorld } from '../helpers/verification.ts';
import { APP_A, APP_B, channel } from '../verification/helpers.ts';

// The admin API for verification channels: Yihao's own JWT access tokens for urn:yihao:admin,
// the system administrator's scope (admin:system) required; changes apply at once here and within
// the polling interval elsewhere.
let w: VerificationWorld;
let api: string;

async function tokenFor(scope: string, resource = 'urn:yihao:admin'): Promise<string> {
  const { clientId, generatedSecret } = await w.c.clients.add({ grant_types: ['client_credentials'], response_types: [], redirect_uris: [], scope });
  const config = await oidc.discovery(new URL(w.server.issuer), clientId, generatedSecret, undefined, { execute: [oidc.allowInsecureRequests] });
  return (await oidc.clientCredentialsGrant(config, { scope, resource })).access_token;
}

const call = (path: string, token: string | undefined, init: RequestInit = {}) => fetch(`${api}${path}`, {
  ...init,
  headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(init.body ? { 'content-type': 'application/json' } : {}), ...(init.headers as Record<string, string>) },
});

let reader: string; // another role's token: refused (403)
let writer: string; // the system administrator's

beforeAll(async () => {
  w = await startVerificationWorld({ CHANNEL_RELOAD_INTERVAL_MS: '200' });
  api = `${w.server.issuer}/admin/api/channels`;
  reader = await tokenFor('admin:security');
  writer = await tokenFor('admin:system');
  await addChannel(w, 'population', 'pop-main', { priority: 1 });
});
afterAll(() => w?.stop());

describe('authorization', () => {
  it('refuses a request without a token, with a garbage token, or with a token for another audience (401)', async () => {
    const none = await call('', undefined);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer realm="yihao-admin"/);
    expect(await none.json()).toMatchObject({ error: 'admin.token_required' });

    const garbage = await call('', 'not.a.jwt');
    expect(garbage.status).toBe(401);
    expect(garbage.headers.get('www-authenticate')).toContain('error="invalid_token"');

    const otherAudience = await call('', await tokenFor('api', 'urn:yihao:api'));
    expect(otherAudience.status).toBe(401);
    expect(await otherAudience.json()).toMatchObject({ error: 'admin.invalid_token' });

    // The right audience, but signed by someone else's key.
    const [header, payload] = reader.split('.');
    const forged = await call('', `${header}.${payload}.${Buffer.alloc(64).toString('base64url')}`);
    expect(forged.status).toBe(401);
  });

  it('enforces the role: only the system administrator reads or changes channels (403)', async () => {
    expect((await call('', writer)).status).toBe(200);
    expect((await call('/health', writer)).status).toBe(200);
    expect((await call('', reader)).status).toBe(403);
    expect((await call('/health', reader)).status).toBe(403);
    const write = await call('', reader, { method: 'POST', body: JSON.stringify(channel(w.sandbox, 'carrier', 'nope')) });
    expect(write.status).toBe(403);
    expect(await write.json()).toMatchObject({ error: 'admin.role_required' });
    expect(write.headers.get('www-authenticate')).toContain('error="insufficient_scope", scope="admin:system"');
    expect((await call('/pop-main/disable', reader, { method: 'POST' })).status).toBe(403);
    expect((await call('/pop-main', reader, { method: 'DELETE' })).status).toBe(403);
  });
});

describe('managing channels', () => {
  it('adds, lists, reprioritises, disables, enables and removes, effective at once and audited; secrets never come back', async () => {
    const secret = 'a-new-secret-for-the-b-app-0123';
    await w.admin.registerApp('pop-backup-app', secret);
    const input = { ...channel(w.sandbox, 'population', 'pop-backup', { priority: 5, appId: 'pop-backup-app', secret }) };
    const added = await call('', writer, { method: 'POST', body: JSON.stringify(input) });
    expect(added.status).toBe(201);
    const addedText = await added.text();
    expect(addedText).not.toContain(secret);
    expect(JSON.parse(addedText).channel).toMatchObject({ id: 'pop-backup', kind: 'population', priority: 5, enabled: true, hasSecret: true });
    expect((await call('', writer, { method: 'POST', body: JSON.stringify(input) })).status).toBe(409);

    const list = await call('', writer);
    const listText = await list.text();
    expect(listText).not.toContain(secret);
    expect(JSON.parse(listText).items.map((c: { id: string }) => c.id)).toEqual(['pop-main', 'pop-backup']); // by kind, then priority
    const firstPage = await (await call('?limit=1', writer)).json() as { items: Array<{ id: string }>; next_cursor: string; next: string };
    expect(firstPage.items.map((c) => c.id)).toEqual(['pop-main']);
    const secondPage = await (await fetch(`${w.server.issuer}${firstPage.next}`, { headers: { authorization: `Bearer ${writer}` } })).json() as { items: Array<{ id: string }>; next_cursor: string | null };
    expect(secondPage).toMatchObject({ items: [{ id: 'pop-backup' }], next_cursor: null });

    const candidates = () => w.c.verification.registry.candidates('population').map((a) => a.id);
    expect(candidates()).toEqual(['pop-main', 'pop-backup']);
    const patched = await call('/pop-backup', writer, { method: 'PATCH', body: JSON.stringify({ priority: 0, timeoutMs: 800 }) });
    expect(await patched.json()).toMatchObject({ channel: { priority: 0, timeoutMs: 800 } });
    expect(candidates()).toEqual(['pop-backup', 'pop-main']);
    expect((await call('/pop-backup/disable', writer, { method: 'POST' })).status).toBe(200);
    expect(candidates()).toEqual(['pop-main']);
    expect((await call('/pop-backup/enable', writer, { method: 'POST' })).status).toBe(200);
    expect(candidates()).toEqual(['pop-backup', 'pop-main']);

    // The stored secret works: a check goes through the new channel and its app.
    const out = await w.c.verification.registry.verify('population', { name: '张伟', idNumber: '150102198503140177' });
    expect(out).toMatchObject({ channelId: 'pop-backup', response: { result: 'match' } });
    expect(await w.admin.requests({ appId: 'pop-backup-app' })).toHaveLength(1);

    const health = await (await call('/health', writer)).json() as { channels: Array<Record<string, unknown>> };
    expect(health.channels.find((c) => c.id === 'pop-backup')).toMatchObject({ calls: 1, failures: 0, breaker: 'closed', quotaUsedToday: 0, dailyQuota: null });
    expect(health.channels.find((c) => c.id === 'pop-backup')!.p95Ms).toEqual(expect.any(Number));

    expect((await call('/pop-backup', writer, { method: 'DELETE' })).status).toBe(204);
    expect((await call('/pop-backup', writer)).status).toBe(404);
    expect(candidates()).toEqual(['pop-main']);

    const audit = await w.c.db.knex('audit_events').where('action', 'like', 'verification.channel_%').andWhere({ target: 'pop-backup' }).orderBy('id');
    expect(audit.map((a) => a.action)).toEqual([
      'verification.channel_added', 'verification.channel_updated', 'verification.channel_disabled',
      'verification.channel_enabled', 'verification.channel_removed',
    ]);
    expect(audit[0].actor).toMatch(/^client:yh_/);
    expect(audit[0].detail).toMatchObject({ ip: expect.any(String), userAgent: expect.any(String) });
    expect(JSON.stringify(audit)).not.toContain(secret);
  });

  it('refuses invalid bodies with the field names (and never echoes a secret)', async () => {
    const bad = await call('', writer, { method: 'POST', body: JSON.stringify({ id: 'Bad Id', kind: 'telepathy', baseUrl: 'ftp://x', secret: 'hunter2-hunter2' }) });
    expect(bad.status).toBe(400);
    const body = await bad.json() as { error: string; details: { fields: Array<{ in: string; path: string; message: string }> } };
    expect(body.error).toBe('verification.invalid_channel_config');
    expect(body.details.fields.map((f) => f.path)).toEqual(expect.arrayContaining(['id', 'kind', 'baseUrl', 'name', 'appId']));
    expect(body.details.fields[0]).toMatchObject({ in: 'body', message: expect.any(String) });
    expect(JSON.stringify(body)).not.toContain('hunter2');

    const typo = await call('/pop-main', writer, { method: 'PATCH', body: JSON.stringify({ prority: 3 }) });
    expect(await typo.json()).toMatchObject({ error: 'verification.unknown_channel_field', details: { fields: [{ in: 'body', path: 'prority' }] } });
    expect((await call('/pop-main', writer, { method: 'PATCH', body: '[1]' })).status).toBe(400);
    expect((await call('/pop-main', writer, { method: 'PATCH', body: '{"timeoutMs": 5' })).status).toBe(400);
    expect((await call('/nope', writer, { method: 'PATCH', body: '{"priority": 1}' })).status).toBe(404);
  });
});

describe('health', () => {
  it('shows a channel\'s breaker opening after failures, and closing again once it answers', async () => {
    await w.admin.registerApp('fragile-app', 'fragile-secret-0123456789');
    await addChannel(w, 'social_security', 'ss-fragile', { appId: 'fragile-app', secret: 'fragile-secret-0123456789', breaker: { failureThreshold: 2, openMs: 300, halfOpenMaxCalls: 1 } });
    const breaker = async () => ((await (await call('/health', writer)).json()) as { channels: Array<{ id: string; breaker: string; failures: number; calls: number }> })
      .channels.find((c) => c.id === 'ss-fragile')!;
    await w.admin.setFault({ appId: 'fragile-app', mode: 'error', status: 503 });
    const request = { name: '张伟', idNumber: '150102198503140177' };
    for (let i = 0; i < 3; i++) await expect(w.c.verification.registry.verify('social_security', request)).rejects.toMatchObject({ code: 'verification.unavailable' });
    expect(await breaker()).toMatchObject({ breaker: 'open', calls: 3, failures: 3 });
    expect(await w.admin.requests({ appId: 'fragile-app' })).toHaveLength(2); // the third was refused locally
    await w.admin.setFault({ mode: 'ok' });
    await new Promise((r) => setTimeout(r, 350));
    await expect(w.c.verification.registry.verify('social_security', request)).resolves.toMatchObject({ response: { result: 'match' } });
    expect(await breaker()).toMatchObject({ breaker: 'closed' });
    await w.c.verification.channels.remove('ss-fragile', 'test');
  });
});

describe('changes made by another process', () => {
  it('reach this process within the polling interval, from another container or the command line', async () => {
    await w.c.verification.channelSync.ready();
    const logger = createLogger('silent');
    const other = createVerification({ config: w.c.config, db: w.c.db, crypto: w.c.crypto, persons: w.c.persons, limits: w.c.limits, audit: w.c.audit, logger });
    await other.channels.add(channel(w.sandbox, 'carrier', 'carrier-elsewhere', { appId: APP_B.appId, secret: APP_B.secret }), 'test');
    const ids = () => w.c.verification.registry.list().map((c) => c.id);
    await expect.poll(ids, { timeout: 3_000, interval: 50 }).toContain('carrier-elsewhere');

    const out: string[] = [];
    const io = { out: (s: string) => out.push(s), err: (s: string) => out.push(`ERR ${s}`), readStdin: async () => `${APP_A.secret}\n` };
    const add = ['channel', 'add', '--id', 'sms-cli', '--kind', 'sms', '--name', 'SMS via CLI', '--base-url', w.sandbox.url, '--app-id', APP_A.appId, '--secret-stdin', '--priority', '3', '--daily-quota', '100'];
    expect(await runCli(add, io, w.server.env)).toBe(0);
    await expect.poll(ids, { timeout: 3_000, interval: 50 }).toContain('sms-cli');
    expect(await runCli(['channel', 'disable', 'sms-cli'], io, w.server.env)).toBe(0);
    await expect.poll(() => w.c.verification.registry.candidates('sms').length, { timeout: 3_000, interval: 50 }).toBe(0);
    expect(await runCli(['channel', 'health'], io, w.server.env)).toBe(0);
    expect(await runCli(['channel', 'remove', 'sms-cli'], io, w.server.env)).toBe(0);
    await expect.poll(ids, { timeout: 3_000, interval: 50 }).not.toContain('sms-cli');
    expect(out.join('\n')).toMatch(/sms-cli\tsms\tpriority 3\tenabled/);
    expect(out.join('\n')).toMatch(/sms-cli\tsms\tdisabled\tcalls 0/);
    expect(out.join('\n')).not.toContain(APP_A.secret);
    expect(out.join('\n')).not.toContain('ERR');
    other.close();
  });
});
