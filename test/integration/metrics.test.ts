import Koa from 'koa';
import request from 'supertest';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestLog } from '../../src/http/request-log.ts';
import { UserAgent } from '../helpers/browser.ts';
import { person } from '../helpers/identities.ts';
import { registerPlatform, type Platform } from '../helpers/platform.ts';
import { parsePrometheus, sampleValue } from '../helpers/prometheus.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

// /metrics over real HTTP: one proxy hop is trusted, so X-Forwarded-For decides the client address.
const TOKEN = 'metrics-token-0123456789-abcdefghijklmnop';
let server: TestServer;
let platform: Platform;
const citizen = person();

beforeAll(async () => {
  server = await startTestServer({ TRUST_PROXY: '1', METRICS_TOKEN: TOKEN });
  platform = await registerPlatform(server.container, server.issuer, { 'first_party': true } as never);
  expect(await server.container.persons.register(citizen)).toMatchObject({ ok: true });
});
afterAll(() => server?.stop());

async function scrape(headers: Record<string, string> = {}) {
  const res = await fetch(`${server.issuer}/metrics`, { headers });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheus(await res.text());
}

describe('/metrics', () => {
  it('counts logins, token requests and routes by pattern, in strict Prometheus text', async () => {
    const before = (await scrape()).samples;
    const ua = new UserAgent(server.issuer);
    const wrong = await ua.submit(await ua.page((await platform.authorize()).url), '/login', { identifier: citizen.idNumber, password: 'Wrong-Password-1' });
    expect('html' in wrong && wrong.status).toBe(401);
    const started = await platform.authorize();
    const done = await ua.submit(await ua.page(started.url), '/login', { identifier: citizen.idNumber, password: citizen.password });
    const callback = 'redirect' in done ? done.redirect : (await ua.submit(done, '/confirm') as { redirect: string }).redirect;
    await platform.finish(callback, started);
    await fetch(`${server.issuer}/no/such/path/${Math.random()}`);

    const { samples, types } = await scrape();
    const delta = (name: string, labels: Record<string, string>) => sampleValue(samples, name, labels) - sampleValue(before, name, labels);
    expect(delta('yihao_logins_total', { method: 'password', result: 'success' })).toBe(1);
    expect(delta('yihao_logins_total', { method: 'password', result: 'failure' })).toBe(1);
    expect(delta('yihao_http_requests_total', { route: 'oidc:token', method: 'POST', status: '200' })).toBe(1);
    expect(delta('yihao_http_request_duration_seconds_count', { route: 'oidc:token', method: 'POST' })).toBe(1);
    expect(delta('yihao_http_requests_total', { route: 'oidc:authorization', method: 'GET' })).toBeGreaterThanOrEqual(2);
    expect(delta('yihao_http_requests_total', { route: 'unmatched', status: '404' })).toBeGreaterThanOrEqual(1);
    // Route patterns, never raw paths: no label holds a random path or an interaction id.
    const routes = new Set(samples.filter((s) => s.name === 'yihao_http_requests_total').map((s) => s.labels.route!));
    expect([...routes].some((r) => r.includes('/no/such'))).toBe(false);
    expect([...routes].every((r) => r === 'unmatched' || r.startsWith('oidc:') || r.startsWith('/'))).toBe(true);
    expect([...routes].filter((r) => r.startsWith('/interaction')).every((r) => r.includes(':'))).toBe(true);
    expect(types.get('yihao_http_request_duration_seconds')).toBe('histogram');
    expect(types.get('yihao_logins_total')).toBe('counter');
    expect(sampleValue(samples, 'yihao_db_pool_connections', { state: 'free' }) + sampleValue(samples, 'yihao_db_pool_connections', { state: 'used' })).toBeGreaterThan(0);
    expect(types.get('yihao_verification_breaker_state')).toBe('gauge');
  });

  it('is a 404 from an address outside METRICS_ALLOW, unless the bearer token is given', async () => {
    const outside = { 'X-Forwarded-For': '203.0.113.9' };
    const refused = await fetch(`${server.issuer}/metrics`, { headers: outside });
    expect(refused.status).toBe(404);
    expect(await refused.text()).not.toContain('yihao_');
    expect((await fetch(`${server.issuer}/metrics`, { headers: { ...outside, Authorization: 'Bearer wrong-token' } })).status).toBe(404);
    await scrape({ ...outside, Authorization: `Bearer ${TOKEN}` });
    // The client's own claim (left-most entry) is not believed behind the one trusted hop.
    expect((await fetch(`${server.issuer}/metrics`, { headers: { 'X-Forwarded-For': '127.0.0.1, 203.0.113.9' } })).status).toBe(404);
  });
});

describe('request ids', () => {
  it('answers with X-Request-Id, keeping one sent by the trusted proxy', async () => {
    const own = await fetch(`${server.issuer}/healthz`);
    expect(own.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const relayed = await fetch(`${server.issuer}/healthz`, { headers: { 'X-Request-Id': 'edge-42.abc' } });
    expect(relayed.headers.get('x-request-id')).toBe('edge-42.abc');
    const bad = await fetch(`${server.issuer}/healthz`, { headers: { 'X-Request-Id': 'x'.repeat(200) } });
    expect(bad.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('replaces an X-Request-Id that does not come from a trusted proxy, and logs the request with its id', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'debug' }, { write: (l: string) => { lines.push(JSON.parse(l)); } });
    const app = new Koa();
    app.use(requestLog(logger, { hops: 0 }));
    app.use((ctx) => { if (ctx.path === '/x') ctx.body = 'ok'; });
    const res = await request(app.callback()).get('/x?code=secret').set('X-Request-Id', 'planted');
    expect(res.headers['x-request-id']).not.toBe('planted');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ msg: 'request', level: 20, reqId: res.headers['x-request-id'], method: 'GET', route: 'unmatched', status: 200 });
    expect(JSON.stringify(lines[0])).not.toContain('secret');
    // At info, only failures (and slow requests) are logged.
    logger.level = 'info';
    await request(app.callback()).get('/x');
    const missing = await request(app.callback()).get('/nothing-here');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({ level: 30, status: 404, reqId: missing.headers['x-request-id'] });
  });
});
