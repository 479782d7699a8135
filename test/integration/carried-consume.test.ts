/**
 * Inside a provider request, consuming a code or refresh token rides on the request's next save:
 * both land in one statement or neither does, and a consume nothing followed still lands before
 * the request ends. Outside a request it is written at once.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withRequestScope } from '../../src/store/request-memo.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
const id = () => randomBytes(16).toString('base64url');
const models = () => server.container.models;
const consumed = async (model: string, key: string) => (await models().find(model, key))?.consumed;

beforeAll(async () => { server = await startTestServer(); });
afterAll(() => server?.stop());

describe('consuming within a provider request', () => {
  it('writes the consume together with the save that follows it', async () => {
    const code = id();
    const token = id();
    await models().upsert('AuthorizationCode', code, { grantId: 'g1' }, 60);
    await withRequestScope(async () => {
      await models().consume('AuthorizationCode', code);
      expect(await consumed('AuthorizationCode', code)).toBeUndefined(); // not yet: waits for the save
      await models().upsert('AccessToken', token, { grantId: 'g1' }, 60);
      expect(await consumed('AuthorizationCode', code)).toEqual(expect.any(Number));
    });
    expect(await models().find('AccessToken', token)).toMatchObject({ grantId: 'g1' });
  });

  it('writes neither when the save fails', async () => {
    const code = id();
    await models().upsert('AuthorizationCode', code, { grantId: 'g2' }, 60);
    await expect(withRequestScope(async () => {
      await models().consume('AuthorizationCode', code);
      // An expiry past the int range: PostgreSQL refuses the statement.
      await models().upsert('AccessToken', id(), { grantId: 'g2' }, 2 ** 40);
    })).rejects.toThrow();
    expect(await consumed('AuthorizationCode', code)).toBeUndefined();
  });

  it('writes a consume no save followed before the request ends, even when it fails', async () => {
    const kept = id();
    const failed = id();
    await models().upsert('RefreshToken', kept, {}, 60);
    await models().upsert('RefreshToken', failed, {}, 60);
    await withRequestScope(async () => { await models().consume('RefreshToken', kept); });
    expect(await consumed('RefreshToken', kept)).toEqual(expect.any(Number));
    await expect(withRequestScope(async () => {
      await models().consume('RefreshToken', failed);
      throw new Error('the grant was refused');
    })).rejects.toThrow('the grant was refused');
    expect(await consumed('RefreshToken', failed)).toEqual(expect.any(Number));
  });

  it('writes at once outside a request', async () => {
    const code = id();
    await models().upsert('AuthorizationCode', code, {}, 60);
    await models().consume('AuthorizationCode', code);
    expect(await consumed('AuthorizationCode', code)).toEqual(expect.any(Number));
  });
});
