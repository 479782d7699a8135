import { createServer } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CHANNEL_ERROR, VERIFICATION_UNAVAILABLE } from '../../src/verification/channel.ts';
import { HttpChannelClient } from '../../src/verification/http-channel-client.ts';
import { APP_A, APP_B, channel, pair, person, registry, rejectsWithCode, startSandbox, type Harness } from './helpers.ts';

let h: Harness;
beforeAll(async () => {
  h = await startSandbox();
});
afterAll(async () => {
  await h.sandbox.close();
});
beforeEach(async () => {
  await h.admin.reset();
});

const zhang = person('张伟');
const popReq = { name: zhang.name, idNumber: zhang.idNumber };
const mobile = zhang.mobiles[0]?.number ?? '';

/** A port on which nothing listens: connection refused. */
async function deadPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

describe('fallback to the next channel of the same kind', () => {
  it.each([
    ['timeout', { mode: 'slow', delayMs: 1_000 }, CHANNEL_ERROR.timeout],
    ['5xx', { mode: 'error', status: 503 }, CHANNEL_ERROR.httpError],
    ['malformed answer', { mode: 'malformed' }, CHANNEL_ERROR.malformed],
    ['outage', { mode: 'down' }, CHANNEL_ERROR.network],
  ] as const)('%s of the first channel', async (_name, fault, code) => {
    const { registry: reg, evidence } = registry(pair(h.sandbox, 'population'));
    await h.admin.setFault({ appId: APP_A.appId, ...fault });
    const started = Date.now();
    const out = await reg.verify('population', popReq);
    expect(out.channelId).toBe('population-b');
    expect(out.response.result).toBe('match');
    expect(out.failedAttempts.map((e) => [e.channelId, e.result, e.errorCode])).toEqual([['population-a', 'error', code]]);
    expect(evidence.records.map((e) => e.result)).toEqual(['error', 'match']);
    expect(Date.now() - started).toBeLessThan(900); // the 200 ms timeout cut the slow answer short
  });

  it('does not fall back on a definitive mismatch', async () => {
    const { registry: reg } = registry(pair(h.sandbox, 'population'));
    const out = await reg.verify('population', { ...popReq, name: '张三' });
    expect(out).toMatchObject({ channelId: 'population-a', response: { result: 'mismatch' }, failedAttempts: [] });
    expect(await h.admin.requests({ appId: APP_B.appId })).toHaveLength(0);
  });

  it('fails closed with verification.unavailable when every channel is down', async () => {
    const port = await deadPort();
    const configs = [...pair(h.sandbox, 'population'), channel(h.sandbox, 'population', 'population-c', { priority: 3, baseUrl: `http://127.0.0.1:${port}` })];
    const { registry: reg, evidence } = registry(configs);
    await h.admin.setFault({ mode: 'down' });
    const err = await rejectsWithCode(reg.verify('population', popReq), VERIFICATION_UNAVAILABLE);
    expect(err.kind).toBe('unavailable');
    expect(err.details).toMatchObject({
      kind: 'population',
      attempts: [
        { channelId: 'population-a', code: CHANNEL_ERROR.network },
        { channelId: 'population-b', code: CHANNEL_ERROR.network },
        { channelId: 'population-c', code: CHANNEL_ERROR.network },
      ],
    });
    expect(evidence.records.map((e) => e.result)).toEqual(['error', 'error', 'error']);
    expect(JSON.stringify(evidence.records)).not.toContain(zhang.idNumber);
  });

  it('fails closed when no channel of the kind is configured or enabled', async () => {
    const { registry: reg } = registry([channel(h.sandbox, 'population', 'population-a', { enabled: false })]);
    await rejectsWithCode(reg.verify('population', popReq), VERIFICATION_UNAVAILABLE);
    await rejectsWithCode(reg.verify('carrier', { ...popReq, mobile }), VERIFICATION_UNAVAILABLE);
  });

  it('moves on when the first channel has used its daily quota', async () => {
    const { registry: reg, evidence } = registry(pair(h.sandbox, 'population', { dailyQuota: 1 }));
    expect((await reg.verify('population', popReq)).channelId).toBe('population-a');
    const second = await reg.verify('population', popReq);
    expect(second.channelId).toBe('population-b');
    expect(second.failedAttempts[0]?.errorCode).toBe(CHANNEL_ERROR.quotaExhausted);
    expect(evidence.records).toHaveLength(3);
    const health = await reg.health();
    expect(health.find((c) => c.id === 'population-a')).toMatchObject({ quotaUsedToday: 1, dailyQuota: 1, skipped: 1 });
    expect(await h.admin.requests({ appId: APP_A.appId })).toHaveLength(1);
  });

  it('moves on when the first channel is at its concurrency limit', async () => {
    const { registry: reg } = registry(pair(h.sandbox, 'population', { maxConcurrency: 1, timeoutMs: 2_000 }));
    await h.admin.setFault({ appId: APP_A.appId, mode: 'slow', delayMs: 300 });
    const [first, second] = await Promise.all([reg.verify('population', popReq), reg.verify('population', popReq)]);
    expect(first.channelId).toBe('population-a');
    expect(second.channelId).toBe('population-b');
    expect(second.failedAttempts[0]?.errorCode).toBe(CHANNEL_ERROR.busy);
  });

  it('retries idempotent checks within the bound', async () => {
    const { registry: reg } = registry(pair(h.sandbox, 'population', { maxRetries: 2 }));
    await h.admin.setFault({ appId: APP_A.appId, mode: 'error', count: 2 });
    expect((await reg.verify('population', popReq)).channelId).toBe('population-a');
    expect((await h.admin.requests({ appId: APP_A.appId })).map((r) => r.outcome)).toEqual([500, 500, 200]);
    await h.admin.reset();
    await h.admin.setFault({ appId: APP_A.appId, mode: 'error' });
    expect((await reg.verify('population', popReq)).channelId).toBe('population-b');
    expect(await h.admin.requests({ appId: APP_A.appId })).toHaveLength(3); // 1 + maxRetries, then give up
  });

  it('never retries an SMS send, and delivers through the next channel', async () => {
    const { registry: reg } = registry(pair(h.sandbox, 'sms', { maxRetries: 3 }));
    await h.admin.setFault({ appId: APP_A.appId, mode: 'error' });
    const out = await reg.verify('sms', { mobile, templateId: 'login_code', params: { code: '135790' } });
    expect(out.channelId).toBe('sms-b');
    expect(await h.admin.requests({ kind: 'sms', appId: APP_A.appId })).toHaveLength(1);
    expect((await h.admin.lastSms(mobile))?.appId).toBe(APP_B.appId);
  });

  it('rejected credentials count as a channel failure, not a result', async () => {
    const configs = pair(h.sandbox, 'population', { secret: 'a-wrong-secret-for-app-a' });
    const out = await registry(configs).registry.verify('population', popReq);
    expect(out.channelId).toBe('population-b');
    expect(out.failedAttempts[0]?.errorCode).toBe(CHANNEL_ERROR.rejected);
  });
});

describe('configuration at run time', () => {
  it('disables, reprioritises and removes channels without a restart', async () => {
    const [a, b] = pair(h.sandbox, 'population');
    if (!a || !b) throw new Error('pair');
    const { registry: reg } = registry([a, b]);
    expect((await reg.verify('population', popReq)).channelId).toBe('population-a');
    reg.upsert({ ...a, enabled: false });
    expect((await reg.verify('population', popReq)).channelId).toBe('population-b');
    reg.upsert({ ...a, enabled: true, priority: 5 });
    expect((await reg.verify('population', popReq)).channelId).toBe('population-b');
    expect(reg.remove('population-b')).toBe(true);
    expect((await reg.verify('population', popReq)).channelId).toBe('population-a');
    reg.replaceAll([b]);
    expect(reg.list().map((c) => c.id)).toEqual(['population-b']);
    expect(JSON.stringify(reg.list())).not.toContain(APP_B.secret);
  });

  it('reports per-channel health', async () => {
    const { registry: reg } = registry(pair(h.sandbox, 'population'));
    await h.admin.setFault({ appId: APP_A.appId, mode: 'error', count: 1 });
    for (let i = 0; i < 4; i++) await reg.verify('population', popReq);
    const [a, b] = await reg.health();
    expect(a).toMatchObject({ id: 'population-a', calls: 4, failures: 1, breaker: 'closed', lastError: { code: CHANNEL_ERROR.httpError } });
    expect(b).toMatchObject({ id: 'population-b', calls: 1, failures: 0 });
    expect(a?.p50Ms).toBeGreaterThanOrEqual(0);
    expect(a?.p95Ms).toBeGreaterThanOrEqual(a?.p50Ms ?? 0);
  });

  it('rejects an invalid channel configuration with the field names only', () => {
    const { registry: reg } = registry([]);
    expect(() => reg.upsert({ id: 'x', kind: 'telepathy', baseUrl: 'ftp://x', secret: 'super-secret-value' })).toThrow(
      expect.objectContaining({ code: 'verification.invalid_channel_config', message: expect.not.stringContaining('super-secret-value') }),
    );
  });
});

describe('the HTTP client alone', () => {
  it('limits concurrency and validates answers', async () => {
    const client = new HttpChannelClient(channel(h.sandbox, 'population', 'solo', { maxConcurrency: 1, timeoutMs: 1_000 }));
    await h.admin.setFault({ mode: 'slow', delayMs: 200, count: 1 });
    const slow = client.call(popReq);
    await rejectsWithCode(client.call(popReq), CHANNEL_ERROR.busy);
    await expect(slow).resolves.toMatchObject({ result: 'match' });
    expect((await client.status()).inFlight).toBe(0);
    await h.admin.setFault({ mode: 'malformed' });
    await rejectsWithCode(client.call(popReq), CHANNEL_ERROR.malformed);
  });
});
