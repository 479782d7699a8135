import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run.ts';
import { UserAgent } from '../helpers/browser.ts';
import { person } from '../helpers/identities.ts';
import { BACKCHANNEL_EVENT, startLogoutReceiver, type LogoutReceiver } from '../helpers/logout-receiver.ts';
import { loginThrough, offlineLogin, registerPlatform, type Platform } from '../helpers/platform.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

// `person disable` from the operator's command line, a process of its own (in-process here, with
// its own container and caches): the running server must stop honouring everything at once.
let server: TestServer;
let platform: Platform;
let receiver: LogoutReceiver;
const citizen = person();

async function cli(args: string[]) {
  const out: string[] = [];
  const code = await runCli(args, { out: (s) => out.push(s), err: (s) => out.push(`ERR ${s}`), readStdin: async () => '' }, server.env);
  return { code, out: out.join('\n') };
}

/** A password login at the platform, consent included, reaches its redirect URI with a code. */
const loginWorks = async () => {
  const start = await platform.authorize();
  return loginThrough(new UserAgent(server.issuer), start.url, citizen.idNumber, citizen.password)
    .then((callback) => new URL(callback).searchParams.has('code'), () => false);
};
const userinfoWorks = (token: string) => oidc.fetchUserInfo(platform.config, token, oidc.skipSubjectCheck).then(() => true, () => false);

beforeAll(async () => {
  receiver = await startLogoutReceiver();
  server = await startTestServer();
  platform = await registerPlatform(server.container, server.issuer, { backchannel_logout_uri: `${receiver.url}/bcl`, backchannel_logout_session_required: true });
  await server.container.persons.register(citizen);
});
afterAll(async () => {
  await server?.stop();
  receiver?.close();
});

describe('npm run cli -- person disable / enable', () => {
  it('disables an account: login and tokens refused, platforms told, every step audited; enabling does not revive tokens', async () => {
    const personId = (await server.container.persons.findByIdentifier(citizen.idNumber))!.id;
    const tokens = await offlineLogin(platform, new UserAgent(server.issuer), citizen.idNumber, citizen.password);
    const second = await offlineLogin(platform, new UserAgent(server.issuer), citizen.idNumber, citizen.password);
    expect(await userinfoWorks(tokens.access_token)).toBe(true); // now cached by the server on PostgreSQL

    const disabled = await cli(['person', 'disable', citizen.idNumber]);
    expect(disabled).toMatchObject({ code: 0 });
    expect(disabled.out).toContain(`person ${personId} disabled`);
    expect(disabled.out).not.toContain(citizen.idNumber);

    expect(await loginWorks()).toBe(false);
    for (const t of [tokens, second]) {
      await expect(oidc.refreshTokenGrant(platform.config, t.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
      await expect.poll(() => userinfoWorks(t.access_token), { timeout: 2000 }).toBe(false);
    }
    expect(await server.container.models.sessionsOf(personId)).toHaveLength(0);
    expect(await server.container.models.grantsOf(personId)).toHaveLength(0);

    const logouts = await receiver.tokensFor(server.issuer, platform.clientId);
    expect(logouts.map((t) => t.sid).sort()).toEqual([tokens.claims()!.sid, second.claims()!.sid].sort());
    for (const t of logouts) expect(t).toMatchObject({ sub: tokens.claims()!.sub, events: { [BACKCHANNEL_EVENT]: {} } });

    const trail = await server.container.db.knex('audit_events').where({ actor: 'cli' }).select('action', 'target', 'detail');
    expect(trail.filter((e) => e.action === 'person.disabled' && e.target === personId)).toHaveLength(1);
    expect(trail.filter((e) => e.action === 'session.ended' && e.detail.reason === 'account_disabled')).toHaveLength(2);
    expect(trail.filter((e) => e.action === 'grants.revoked' && e.target === personId)).toHaveLength(1);
    expect(trail.filter((e) => e.action === 'backchannel.sent' && e.target === platform.clientId)).toHaveLength(2);

    // Enabled again (by person id), the person can log in; what was revoked stays revoked.
    expect(await cli(['person', 'enable', personId])).toMatchObject({ code: 0 });
    expect(await loginWorks()).toBe(true);
    await expect(oidc.refreshTokenGrant(platform.config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect(await userinfoWorks(tokens.access_token)).toBe(false);
  });

  it('says so for an unknown person and for a missing argument', async () => {
    expect(await cli(['person', 'disable', '13900000000'])).toMatchObject({ code: 1, out: 'ERR no such person' });
    await expect(cli(['person', 'disable'])).rejects.toThrow(/usage: person disable/);
  });
});
