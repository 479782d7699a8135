import { describe, expect, it } from 'vitest';
import { ERROR_CODES, type ErrorCode } from '../../src/error-codes.ts';
import { AppError } from '../../src/errors.ts';
import { translator } from '../../src/i18n/messages.ts';

const entries = Object.entries(ERROR_CODES) as Array<[ErrorCode, (typeof ERROR_CODES)[ErrorCode]]>;

describe('the error table', () => {
  it.each(entries)('%s has a status, a Chinese text and an English text', (code, [status, zh, en]) => {
    expect([400, 401, 403, 404, 409, 429, 500, 503]).toContain(status);
    expect(zh).toMatch(/\p{Script=Han}/u);
    expect(en.trim()).toMatch(/^[A-Z]/);
    expect(code).toMatch(/^[a-z_]+(\.[a-z_0-9]+)*$/);
  });

  it('gives AppError its status and English message from the table', () => {
    const e = new AppError('login.rate_limited');
    expect(e.status).toBe(429);
    expect(e.kind).toBe('rate_limited');
    expect(e.message).toBe(ERROR_CODES['login.rate_limited'][2]);
  });

  it('is what pages show for a code, in each language', () => {
    expect(translator('zh-CN')('csrf.invalid')).toBe(ERROR_CODES['csrf.invalid'][1]);
    expect(translator('en')('csrf.invalid')).toBe(ERROR_CODES['csrf.invalid'][2]);
  });

});
