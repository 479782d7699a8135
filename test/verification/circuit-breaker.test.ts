import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CHANNEL_ERROR } from '../../src/verification/channel.ts';
import { CircuitBreaker } from '../../src/verification/circuit-breaker.ts';
import { APP_A, pair, person, registry, startSandbox, type Harness } from './helpers.ts';

function fakeClock(start = Date.now()) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

describe('CircuitBreaker', () => {
  const settings = { failureThreshold: 3, openMs: 1_000, halfOpenMaxCalls: 1 };

  it('opens after the threshold of consecutive failures, not before', () => {
    const clock = fakeClock();
    const b = new CircuitBreaker(settings, clock.now);
    for (const outcome of ['failure', 'failure', 'success', 'failure', 'failure'] as const) {
      expect(b.acquire()).toBe(true);
      b.record(outcome);
    }
    expect(b.state).toBe('closed'); // the success reset the run
    b.acquire();
    b.record('failure');
    expect(b.state).toBe('open');
    expect(b.acquire()).toBe(false);
  });

  it('lets one trial through after the open period and closes on its success', () => {
    const clock = fakeClock();
    const b = new CircuitBreaker(settings, clock.now);
    for (let i = 0; i < 3; i++) (b.acquire(), b.record('failure'));
    clock.advance(999);
    expect(b.state).toBe('open');
    clock.advance(1);
    expect(b.state).toBe('half_open');
    expect(b.acquire()).toBe(true);
    expect(b.acquire()).toBe(false); // only one trial at a time
    b.record('success');
    expect(b.state).toBe('closed');
    expect(b.acquire()).toBe(true);
  });

  it('re-opens for a full period when the trial fails', () => {
    const clock = fakeClock();
    const b = new CircuitBreaker(settings, clock.now);
    for (let i = 0; i < 3; i++) (b.acquire(), b.record('failure'));
    clock.advance(1_000);
    expect(b.acquire()).toBe(true);
    b.record('failure');
    expect(b.state).toBe('open');
    clock.advance(999);
    expect(b.state).toBe('open');
    clock.advance(1);
    expect(b.state).toBe('half_open');
  });

  it('neutral outcomes free a trial slot without judging', () => {
    const clock = fakeClock();
    const b = new CircuitBreaker(settings, clock.now);
    for (let i = 0; i < 3; i++) (b.acquire(), b.record('failure'));
    clock.advance(1_000);
    b.acquire();
    b.record('neutral');
    expect(b.state).toBe('half_open');
    expect(b.acquire()).toBe(true);
  });
});

describe('breaker in the registry, against the sandbox', () => {
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
  const req = { name: zhang.name, idNumber: zhang.idNumber };

  it('opens after N failures, skips the channel while open, closes after the open period', async () => {
    const clock = fakeClock();
    const configs = pair(h.sandbox, 'population', { breaker: { failureThreshold: 2, openMs: 10_000, halfOpenMaxCalls: 1 } });
    const { registry: reg } = registry(configs, { now: clock.now });
    const stateOfA = async () => (await reg.health()).find((c) => c.id === 'population-a')?.breaker;
    await h.admin.setFault({ appId: APP_A.appId, mode: 'error' });

    for (let i = 0; i < 2; i++) expect((await reg.verify('population', req)).channelId).toBe('population-b');
    expect(await stateOfA()).toBe('open');

    const whileOpen = await reg.verify('population', req);
    expect(whileOpen.failedAttempts[0]?.errorCode).toBe(CHANNEL_ERROR.breakerOpen);
    expect(await h.admin.requests({ appId: APP_A.appId })).toHaveLength(2); // the open breaker spared the authority

    await h.admin.setFault({ mode: 'ok' });
    clock.advance(9_999);
    expect((await reg.verify('population', req)).channelId).toBe('population-b');
    clock.advance(1);
    expect(await stateOfA()).toBe('half_open');
    expect((await reg.verify('population', req)).channelId).toBe('population-a');
    expect(await stateOfA()).toBe('closed');
  });
});
