import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from '../../src/store/unavailable.ts';

const withCode = (code: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(code), { code, ...extra });

describe('isDatabaseUnavailable', () => {
  it('recognises refused and lost connections, timeouts and PostgreSQL shutdown or cancel states', () => {
    for (const e of [
      withCode('ECONNREFUSED'), withCode('ECONNRESET'), withCode('ENOENT', { syscall: 'connect' }),
      withCode('57P01'), withCode('57P03'), withCode('57014'), withCode('08006'), withCode('53300'),
      new Error('Connection terminated unexpectedly'),
      new Error('select * from "clients" where "client_id" = $1 - Connection terminated unexpectedly'),
      new Error('Connection terminated due to connection timeout'),
      new Error('Query read timeout'),
      Object.assign(new Error('Knex: Timeout acquiring a connection.'), { name: 'KnexTimeoutError' }),
      new Error('wrapped', { cause: withCode('ECONNREFUSED') }),
      Object.assign(new AggregateError([withCode('ECONNREFUSED')], 'all attempts failed')),
    ]) expect(isDatabaseUnavailable(e), String(e)).toBe(true);
  });

  it('leaves every other failure alone', () => {
    for (const e of [
      withCode('23505'), withCode('42P01'), withCode('ENOENT', { syscall: 'open' }), withCode('40001'),
      new Error('something else'), new Error('Connection terminated unexpectedly, or not'), undefined, null, 'ECONNREFUSED',
    ]) expect(isDatabaseUnavailable(e), String(e)).toBe(false);
  });
});
