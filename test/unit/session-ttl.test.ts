import { describe, expect, it } from 'vitest';
import { extensionStep, sessionTtl } from '../../src/oidc/session-ttl.ts';

const IDLE = 1800;
const ABS = 8 * 3600;

describe('the SSO session TTL', () => {
  it('is the idle time for a new session', () => {
    expect(sessionTtl({ now: 1000, loginTs: 1000, exp: undefined }, IDLE, ABS)).toBe(IDLE);
  });

  it('keeps the stored end while it is within a step of the idle end (no write)', () => {
    expect(extensionStep(IDLE)).toBe(30);
    expect(sessionTtl({ now: 1020, loginTs: 1000, exp: 2800 }, IDLE, ABS)).toBe(2800 - 1020);
  });

  it('moves the end once it has fallen a step behind', () => {
    expect(sessionTtl({ now: 1100, loginTs: 1000, exp: 2800 }, IDLE, ABS)).toBe(IDLE);
  });

  it('never goes past the absolute end', () => {
    const loginTs = 1000;
    const now = loginTs + ABS - 600;
    expect(sessionTtl({ now, loginTs, exp: now + 100 }, IDLE, ABS)).toBe(600);
    expect(sessionTtl({ now: loginTs + ABS + 5, loginTs, exp: undefined }, IDLE, ABS)).toBe(1);
  });

  it('shortens at once when the idle time was lowered', () => {
    expect(sessionTtl({ now: 1000, loginTs: 1000, exp: 1000 + 7200 }, IDLE, ABS)).toBe(IDLE);
  });
});
