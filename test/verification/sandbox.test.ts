import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { computeSignature, signRequest } from '../../src/verification/signing.ts';
import { APP_A, person, startSandbox, type Harness } from './helpers.ts';

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

const PATH = '/v1/population/verify';
const zhang = person('张伟');
const body = JSON.stringify({ name: zhang.name, idNumber: zhang.idNumber });

async function post(headers: Record<string, string>, payload = body) {
  const res = await fetch(h.sandbox.url + PATH, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: payload,
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe('sandbox request signing', () => {
  it('answers a correctly signed request with a reference id', async () => {
    const res = await post(signRequest(APP_A, { method: 'POST', path: PATH, body }));
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ result: 'match' });
    expect(res.json.referenceId).toMatch(/^POP\d{8}[0-9A-F]{12}$/);
  });

  it('rejects a missing or wrong signature', async () => {
    expect((await post({})).json).toEqual({ error: 'missing_signature' });
    const headers = signRequest({ appId: APP_A.appId, secret: 'not-the-secret' }, { method: 'POST', path: PATH, body });
    expect(await post(headers)).toEqual({ status: 401, json: { error: 'invalid_signature' } });
  });

  it('rejects a body changed after signing', async () => {
    const headers = signRequest(APP_A, { method: 'POST', path: PATH, body });
    const tampered = JSON.stringify({ name: '李娜', idNumber: zhang.idNumber });
    expect(await post(headers, tampered)).toEqual({ status: 401, json: { error: 'invalid_signature' } });
  });

  it('rejects an unknown app', async () => {
    const headers = signRequest({ appId: 'nobody', secret: 'whatever-secret' }, { method: 'POST', path: PATH, body });
    expect(await post(headers)).toEqual({ status: 401, json: { error: 'unknown_app' } });
  });

  it('rejects a timestamp more than five minutes off', async () => {
    const stale = signRequest(APP_A, { method: 'POST', path: PATH, body }, Date.now() - 5 * 60_000 - 1_000);
    expect(await post(stale)).toEqual({ status: 401, json: { error: 'stale_timestamp' } });
    const future = signRequest(APP_A, { method: 'POST', path: PATH, body }, Date.now() + 6 * 60_000);
    expect((await post(future)).json).toEqual({ error: 'stale_timestamp' });
  });

  it('rejects a replayed nonce', async () => {
    const headers = signRequest(APP_A, { method: 'POST', path: PATH, body });
    expect((await post(headers)).status).toBe(200);
    expect(await post(headers)).toEqual({ status: 401, json: { error: 'replayed_nonce' } });
  });

  it('signs over method, path, timestamp, nonce and body hash', () => {
    const input = { method: 'POST', path: PATH, timestamp: '1700000000000', nonce: '0123456789abcdef', body };
    const sig = computeSignature('k', input);
    expect(sig).toMatch(/^[0-9a-f]{64}$/);
    expect(computeSignature('k', { ...input, path: '/v1/carrier/verify' })).not.toBe(sig);
    expect(computeSignature('k', { ...input, nonce: '0123456789abcdee' })).not.toBe(sig);
  });

  it('rejects a well-signed request that does not fit the schema', async () => {
    const bad = JSON.stringify({ name: zhang.name, idNumber: '123' });
    const res = await post(signRequest(APP_A, { method: 'POST', path: PATH, body: bad }), bad);
    expect(res).toEqual({ status: 400, json: { error: 'invalid_request' } });
  });
});

describe('sandbox admin endpoints', () => {
  it('require the admin token', async () => {
    for (const [method, path] of [['POST', '/_admin/faults'], ['POST', '/_admin/reset'], ['GET', '/_admin/sms/13900000001']]) {
      const res = await fetch(h.sandbox.url + path, { method: method ?? 'GET', headers: { authorization: 'Bearer wrong' } });
      expect(res.status).toBe(401);
    }
  });

  it('target faults by kind and app id, expire them by count and clear them with ok', async () => {
    await h.admin.setFault({ kind: 'population', appId: APP_A.appId, mode: 'error', status: 503, count: 1 });
    expect(await h.admin.faults()).toHaveLength(1);
    const first = await post(signRequest(APP_A, { method: 'POST', path: PATH, body }));
    expect(first.status).toBe(503);
    const second = await post(signRequest(APP_A, { method: 'POST', path: PATH, body }));
    expect(second.status).toBe(200);
    expect(await h.admin.faults()).toHaveLength(0);
    await h.admin.setFault({ mode: 'down' });
    await h.admin.setFault({ mode: 'ok' });
    expect(await h.admin.faults()).toHaveLength(0);
    const log = await h.admin.requests({ kind: 'population' });
    expect(log.map((r) => r.outcome)).toEqual([503, 200]);
  });

  it('drops the connection when told the authority is down', async () => {
    await h.admin.setFault({ mode: 'down' });
    await expect(post(signRequest(APP_A, { method: 'POST', path: PATH, body }))).rejects.toThrow();
  });

  it('answers 404 for a number that received no SMS', async () => {
    expect(await h.admin.lastSms('13900000001')).toBeNull();
  });
});
