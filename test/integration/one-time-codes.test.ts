/**
 * The single-use primitive for codes sent to people and values accepted once, on the suite's
 * database: tries counted before the check, a code of another purpose or subject refused, a new
 * code voiding the old, and of parallel uses exactly one winning.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OneTimeCodes } from '../../src/authn/one-time-codes.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let codes: OneTimeCodes;
const policy = { ttlSeconds: 300, maxAttempts: 5, digits: 6 };
const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

beforeAll(async () => {
  server = await startTestServer();
  codes = server.container.oneTimeCodes;
});
afterAll(() => server?.stop());

describe('one-time codes', () => {
  it('accepts the right code once, for its purpose and subject only', async () => {
    const { id, code } = await codes.issue('sms_login', 'subject-1', policy);
    expect(code).toMatch(/^\d{6}$/);
    expect(await codes.use(id, 'phone_proof', 'subject-1', code)).toBe(false);
    expect(await codes.use(id, 'sms_login', 'subject-2', code)).toBe(false);
    expect(await codes.use(id, 'sms_login', 'subject-1', code)).toBe(true);
    expect(await codes.use(id, 'sms_login', 'subject-1', code)).toBe(false);
  });

  it('lets exactly one of 50 parallel correct submissions through', async () => {
    const { id, code } = await codes.issue('sms_login', 'subject-3', { ...policy, maxAttempts: 100 });
    const results = await Promise.all(Array.from({ length: 50 }, () => codes.use(id, 'sms_login', 'subject-3', code)));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('counts tries before comparing: 50 parallel guesses spend the code, and the right one is then refused', async () => {
    const { id, code } = await codes.issue('sms_login', 'subject-4', policy);
    const guesses = await Promise.all(Array.from({ length: 50 }, () => codes.use(id, 'sms_login', 'subject-4', wrong(code))));
    expect(guesses.every((ok) => !ok)).toBe(true);
    const row = await server.container.db.knex('one_time_codes').where({ id }).first();
    expect(row.attempts).toBe(policy.maxAttempts); // counted exactly, never past the limit
    expect(await codes.use(id, 'sms_login', 'subject-4', code)).toBe(false);
  });

  it('voids the previous code when a new one is issued', async () => {
    const first = await codes.issue('phone_proof', 'subject-5', policy);
    const second = await codes.issue('phone_proof', 'subject-5', policy);
    expect(await codes.use(first.id, 'phone_proof', 'subject-5', first.code)).toBe(false);
    expect(await codes.use(second.id, 'phone_proof', 'subject-5', second.code)).toBe(true);
  });

  it('refuses an expired code', async () => {
    const { id, code } = await codes.issue('phone_proof', 'subject-6', policy);
    await server.container.db.knex('one_time_codes').where({ id }).update({ expires_at: server.container.db.knex.raw("now() - interval '1 second'") });
    expect(await codes.use(id, 'phone_proof', 'subject-6', code)).toBe(false);
  });

  it('refuses malformed ids without touching the database rows', async () => {
    expect(await codes.use('not-a-uuid', 'sms_login', 'subject-1', '123456')).toBe(false);
  });
});

describe('values accepted once', () => {
  it('accepts the first of 50 parallel uses of one value, and the value again once its record expired', async () => {
    const results = await Promise.all(Array.from({ length: 50 }, () => codes.useOnce('totp_step', 'person-1:59000000', 90)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await codes.useOnce('totp_step', 'person-1:59000001', 90)).toBe(true);
    expect(await codes.useOnce('other_purpose', 'person-1:59000000', 90)).toBe(true);
    await server.container.db.knex('used_once').where({ purpose: 'totp_step', key: 'person-1:59000000' }).update({ expires_at: server.container.db.knex.raw("now() - interval '1 second'") });
    expect(await codes.useOnce('totp_step', 'person-1:59000000', 90)).toBe(true);
  });
});
