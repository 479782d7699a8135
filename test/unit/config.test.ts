import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { tmpDir } from '../helpers/env.ts';

const secrets = () => ({ COOKIE_KEYS: randomBytes(32).toString('base64url'), FIELD_ENCRYPTION_KEY: randomBytes(32).toString('base64'), SUBJECT_SALT: randomBytes(32).toString('base64url') });

describe('config', () => {
  it('generates and persists development secrets when none are set', () => {
    const dir = tmpDir();
    const a = loadConfig({ DATA_DIR: dir });
    const b = loadConfig({ DATA_DIR: dir });
    expect(a.generatedSecrets).toEqual(['COOKIE_KEYS', 'FIELD_ENCRYPTION_KEY', 'SUBJECT_SALT']);
    expect(b.subjectSalt).toBe(a.subjectSalt);
    expect(b.fieldKeys[0]!.equals(a.fieldKeys[0]!)).toBe(true);
    expect(a.issuer).toBe('http://localhost:3000');
    expect(a.workers).toBe(1); // embedded database: one process
  });

  it('refuses to start in production with generated secrets, naming the setting', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', ISSUER: 'https://id.example.gov.cn', DATA_DIR: tmpDir() }))
      .toThrow(/COOKIE_KEYS, FIELD_ENCRYPTION_KEY, SUBJECT_SALT/);
    expect(() => loadConfig({ NODE_ENV: 'production', ISSUER: 'https://id.example.gov.cn', COOKIE_KEYS: secrets().COOKIE_KEYS }))
      .toThrow(/FIELD_ENCRYPTION_KEY/);
  });

  it('refuses a plain-http issuer in production unless explicitly allowed for loopback', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', ISSUER: 'http://id.example.gov.cn', ...secrets() })).toThrow(/plain-http ISSUER/);
    expect(() => loadConfig({ NODE_ENV: 'production', ISSUER: 'http://id.example.gov.cn', ALLOW_HTTP_LOOPBACK_ISSUER: 'true', ...secrets() })).toThrow(/plain-http ISSUER/);
    expect(loadConfig({ NODE_ENV: 'production', ISSUER: 'http://127.0.0.1:3000', ALLOW_HTTP_LOOPBACK_ISSUER: 'true', ...secrets() }).issuer).toBe('http://127.0.0.1:3000');
  });

  it('keeps the SSRF guard for loopback in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', ISSUER: 'https://id.example.gov.cn', ALLOW_LOOPBACK_FETCH: 'true', ...secrets() })).toThrow(/ALLOW_LOOPBACK_FETCH/);
    expect(loadConfig({ NODE_ENV: 'production', ISSUER: 'https://id.example.gov.cn', ...secrets() }).allowLoopbackFetch).toBe(false);
    expect(loadConfig({ DATA_DIR: tmpDir() }).allowLoopbackFetch).toBe(true);
  });

  it('sets the SSO session idle and absolute lifetimes, and the new-device notice on in production only', () => {
    const dev = loadConfig({ DATA_DIR: tmpDir() });
    expect(dev.ttl).toMatchObject({ sessionIdle: 1800, session: 8 * 3600 });
    expect(dev.newDeviceSms).toBe(false);
    expect(loadConfig({ DATA_DIR: tmpDir(), SESSION_IDLE_SECONDS: '600', SESSION_ABSOLUTE_SECONDS: '300', NEW_DEVICE_SMS: 'true' }))
      .toMatchObject({ ttl: { sessionIdle: 300, session: 300 }, newDeviceSms: true });
    expect(loadConfig({ NODE_ENV: 'production', ISSUER: 'https://id.example.gov.cn', ...secrets() }).newDeviceSms).toBe(true);
    expect(() => loadConfig({ ...secrets(), SESSION_IDLE_SECONDS: '0' })).toThrow(/SESSION_IDLE_SECONDS/);
  });

  it('rejects malformed settings with the setting name', () => {
    expect(() => loadConfig({ PORT: 'eighty', ...secrets() })).toThrow(/PORT/);
    expect(() => loadConfig({ ...secrets(), FIELD_ENCRYPTION_KEY: 'c2hvcnQ=' })).toThrow(/FIELD_ENCRYPTION_KEY must be 32 bytes/);
    expect(() => loadConfig({ ...secrets(), COOKIE_KEYS: 'short' })).toThrow(/COOKIE_KEYS/);
  });

  it('waits a week before closing an account unless told otherwise, and refuses nonsense', () => {
    expect(loadConfig({ ...secrets(), DATA_DIR: tmpDir() }).accountClosureCoolingOffDays).toBe(7);
    expect(loadConfig({ ...secrets(), ACCOUNT_CLOSURE_COOLING_OFF_DAYS: '30' }).accountClosureCoolingOffDays).toBe(30);
    expect(() => loadConfig({ ...secrets(), ACCOUNT_CLOSURE_COOLING_OFF_DAYS: '-1' })).toThrow(/ACCOUNT_CLOSURE_COOLING_OFF_DAYS/);
    expect(() => loadConfig({ ...secrets(), ACCOUNT_CLOSURE_COOLING_OFF_DAYS: 'a week' })).toThrow(/ACCOUNT_CLOSURE_COOLING_OFF_DAYS/);
  });

  it('runs one worker per core on PostgreSQL', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://x/y', ...secrets() }).workers).toBeGreaterThanOrEqual(1);
    expect(loadConfig({ DATABASE_URL: 'postgres://x/y', WORKERS: '3', ...secrets() }).workers).toBe(3);
  });

  it('reads TRUST_PROXY and the login lockout, rejecting what it cannot understand', () => {
    expect(loadConfig({ ...secrets(), DATA_DIR: tmpDir() }).trustProxy).toEqual({ hops: 0 });
    expect(loadConfig({ ...secrets(), TRUST_PROXY: 'true' }).trustProxy).toEqual({ hops: 1 });
    expect(loadConfig({ ...secrets(), TRUST_PROXY: '2' }).trustProxy).toEqual({ hops: 2 });
    expect(loadConfig({ ...secrets(), TRUST_PROXY: '10.0.0.1,10.2.0.0/16' }).trustProxy).toEqual({ addresses: ['10.0.0.1', '10.2.0.0/16'] });
    expect(() => loadConfig({ ...secrets(), TRUST_PROXY: 'lb.internal' })).toThrow(/TRUST_PROXY/);
    const c = loadConfig({ ...secrets(), LOGIN_LOCKOUT_SECONDS: '30', LOGIN_LOCKOUT_MAX_SECONDS: '600' });
    expect(c.loginLimits.lockout).toEqual({ baseSeconds: 30, maxSeconds: 600 });
    expect(loadConfig({ ...secrets() }).loginLimits.lockout).toEqual({ baseSeconds: 60, maxSeconds: 3600 });
  });

  it('reads REGISTRATION_REAL_NAME, unset meaning "decided by the channels enabled"', () => {
    expect(loadConfig({ ...secrets(), DATA_DIR: tmpDir() }).registrationRealName).toBeUndefined();
    expect(loadConfig({ ...secrets(), DATA_DIR: tmpDir(), REGISTRATION_REAL_NAME: 'optional' }).registrationRealName).toBe('optional');
    expect(() => loadConfig({ ...secrets(), DATA_DIR: tmpDir(), REGISTRATION_REAL_NAME: 'maybe' })).toThrow(/REGISTRATION_REAL_NAME/);
  });
});
