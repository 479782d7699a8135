/**
 * Closing an account at its owner's request, over real HTTP on a real database: request, cancel,
 * request again, the cooling-off period run out (the due date moved back in the database), the
 * closing job run by the server's container and the operator's CLI at once — one closure — and
 * then: personal fields erased in the raw row, logins, refresh tokens and userinfo refused, the
 * platform told over the back channel, roles ended, and the same ID number registering again as
 * a new account with a new `sub`.
 */
import { randomUUID } from 'node:crypto';
import * as oidc from 'openid-client';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { EVIDENCE_HASH_CONTEXT } from '../../src/container-verification.ts';
import { AccountClosure } from '../../src/identity/account-closure.ts';
import { maskIdNumber } from '../../src/identity/id-number.ts';
import { AccountClosureStore } from '../../src/store/account-closures.ts';
import { consoleLogin } from '../helpers/account.ts';
import { UserAgent, type Page } from '../helpers/browser.ts';
import { cli } from '../helpers/cli-in-process.ts';
import { person } from '../helpers/identities.ts';
import { BACKCHANNEL_EVENT, startLogoutReceiver, type LogoutReceiver } from '../helpers/logout-receiver.ts';
import { addFirstPasskey, passkeyLogin } from '../helpers/passkey-console.ts';
import { consentIfAsked, loginThrough, offlineLogin, registerPlatform, type Platform } from '../helpers/platform.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { SoftAuthenticator } from '../helpers/soft-authenticator.ts';

let server: TestServer;
let platform: Platform;
let receiver: LogoutReceiver;
const citizen = person();
const representative = { ...person(), name: '王五' };

beforeAll(async () => {
  receiver = await startLogoutReceiver();
  server = await startTestServer();
  platform = await registerPlatform(server.container, server.issuer, { backchannel_logout_uri: `${receiver.url}/bcl`, backchannel_logout_session_required: true });
  await server.container.persons.register(citizen);
  await server.container.persons.register(representative);
});
afterAll(async () => {
  await server?.stop();
  receiver?.close();
});
afterEach(() => { vi.restoreAllMocks(); });

const loginWorks = async (identifier: string) => {
  const start = await platform.authorize();
  return loginThrough(new UserAgent(server.issuer), start.url, identifier, citizen.password)
    .then((callback) => new URL(callback).searchParams.has('code'), () => false);
};

/**
 * Closing jobs wired like the container's, whose first listing of due closures returns only once
 * all of them have listed: each then tries to claim what the others are claiming too.
 */
function racingJobs(n: number): AccountClosure[] {
  const c = server.container;
  const store = new AccountClosureStore(c.db.knex);
  let listed = 0;
  let allListed!: () => void;
  const barrier = new Promise<void>((resolve) => { allListed = resolve; });
  const racing = Object.assign(Object.create(store) as AccountClosureStore, {
    async due(limit: number) {
      const ids = await store.due(limit);
      if (++listed === n) allListed();
      await barrier;
      return ids;
    },
  });
  return Array.from({ length: n }, () => new AccountClosure({
    store: racing, persons: c.persons, audit: c.audit, coolingOffDays: 7,
    endEverything: (personId, by) => c.sessions.endAll(personId, { reason: 'account_closed', actor: by.actor }),
  }));
}

async function requestClosure(ua: UserAgent): Promise<Page> {
  const page = await ua.page('/account/close');
  expect(page.html).toContain('id="close-submit"');
  const done = await ua.submit(page, '/account/close', { confirm: 'yes' });
  if ('redirect' in done) throw new Error('left the console');
  return done;
}

describe('closing my account', () => {
  it('asks for a confirmation, can be cancelled during the cooling-off period, and is shown at every login', async () => {
    const c = server.container;
    const personId = (await c.persons.findByIdentifier(citizen.idNumber))!.id;
    const ua = new UserAgent(server.issuer);
    await consoleLogin(ua, citizen.idNumber, citizen.password);

    const form = await ua.page('/account/close');
    expect(form.html).toContain('7 天的冷静期');
    const unconfirmed = await ua.submit(form, '/account/close');
    expect('status' in unconfirmed && unconfirmed.status).toBe(400);
    expect(await c.db.knex('account_closures').where({ person_id: personId })).toHaveLength(0);

    const requested = await requestClosure(ua);
    expect(requested.html).toContain('id="closure-pending"');
    expect(requested.html).toContain('注销申请已提交');
    const row = await c.db.knex('account_closures').where({ person_id: personId }).first();
    expect(Math.abs(new Date(row.due_at).getTime() - (Date.now() + 7 * 86_400_000))).toBeLessThan(120_000);

    // A new login to the console shows the pending closure with its cancel button.
    const later = new UserAgent(server.issuer);
    const home = await consoleLogin(later, citizen.idNumber, citizen.password);
    expect(home.html).toContain('id="closure-pending"');
    expect(home.html).toContain('id="closure-cancel"');
    const cancelled = await later.submit(home, '/account/close/cancel');
    expect('url' in cancelled && cancelled.url).toContain('/account?notice=rights.closure_cancelled');
    expect((cancelled as Page).html).not.toContain('id="closure-pending"');
    expect(await c.db.knex('account_closures').where({ person_id: personId })).toHaveLength(0);
    // Cancelling twice: nothing is pending.
    const again = await later.request('/account/close/cancel', {
      method: 'POST', body: new URLSearchParams({ _csrf: /name="_csrf" value="([^"]+)"/.exec(home.html)![1]! }),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(again.status).toBe(409);

    const trail = await c.db.knex('audit_events').where({ target: personId }).whereIn('action', ['person.closure_requested', 'person.closure_cancelled']).orderBy('id');
    expect(trail.map((e) => [e.actor, e.action])).toEqual([[personId, 'person.closure_requested'], [personId, 'person.closure_cancelled']]);
  });

  it('refuses a request without a recent login', async () => {
    const ua = new UserAgent(server.issuer);
    await consoleLogin(ua, representative.idNumber, representative.password);
    const page = await ua.page('/account/close');
    // A browser that has been open for a while: the request asks to log in again.
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.html)![1]!;
    const now = Date.now();
    vi.spyOn(Date, 'now').mockReturnValue(now + 6 * 60_000);
    const res = await ua.request('/account/close', {
      method: 'POST', body: new URLSearchParams({ _csrf: csrf, confirm: 'yes' }), headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('id="reauth-link"');
    const repId = (await server.container.persons.findByIdentifier(representative.idNumber))!.id;
    expect(await server.container.db.knex('account_closures').where({ person_id: repId })).toHaveLength(0);
  });

  it('closes the account once when due, even with two jobs at once, erasing it everywhere', async () => {
    const c = server.container;
    const knex = c.db.knex;
    const personId = (await c.persons.findByIdentifier(citizen.idNumber))!.id;
    const repId = (await c.persons.findByIdentifier(representative.idNumber))!.id;
    await c.persons.markPhoneVerified(personId);

    // Requested again (before a passkey makes a password-only login too weak to ask).
    const ua = new UserAgent(server.issuer);
    await consoleLogin(ua, citizen.idNumber, citizen.password);
    await requestClosure(ua);

    // What the account holds: tokens at a platform, a passkey, recovery codes, evidence, and an
    // enterprise it represents plus one it acts for as an agent.
    const tokens = await offlineLogin(platform, new UserAgent(server.issuer), citizen.idNumber, citizen.password);
    const oldSub = tokens.claims()!.sub;
    const key = new SoftAuthenticator(server.issuer);
    await addFirstPasskey(server.issuer, citizen, key, '我的手机');
    await c.factors.recoveryCodes.generate(personId, '127.0.0.1');
    await c.verification.evidence.record({
      id: randomUUID(), channelId: 'population-main', kind: 'population', result: 'match', errorCode: null, authorityRef: 'GA-1',
      checked: [{ field: 'idNumber', hash: c.crypto.blindIndex(citizen.idNumber, EVIDENCE_HASH_CONTEXT), masked: maskIdNumber(citizen.idNumber) }],
      at: new Date().toISOString(), latencyMs: 20, subjectPersonId: personId, actor: personId,
    });
    const [own, actedFor] = [randomUUID(), randomUUID()];
    await knex('enterprises').insert([
      { id: own, credit_code: '91350100M000100Y43', name: '示例科技有限公司', category: '1', legal_rep_person_id: personId, verified_at: new Date() },
      { id: actedFor, credit_code: '911100001000000001', name: '另一家公司', category: '1', legal_rep_person_id: repId, verified_at: new Date() },
    ]);
    const delegation = (enterprise: string, grantedBy: string, agent: string, who: typeof citizen) => ({
      id: randomUUID(), enterprise_id: enterprise, granted_by: grantedBy, agent_person_id: agent, status: 'active', accepted_at: new Date(),
      agent_name_enc: c.crypto.encrypt(who.name, 'delegation.agent_name'), agent_id_number_enc: c.crypto.encrypt(who.idNumber, 'delegation.agent_id_number'),
      agent_id_number_bidx: c.persons.idNumberIndex(who.idNumber), all_platforms: true, platforms: '[]', expires_at: new Date(Date.now() + 86_400_000),
    });
    const grantedByMe = delegation(own, personId, repId, representative);
    const heldByMe = delegation(actedFor, repId, personId, citizen);
    await knex('delegations').insert([grantedByMe, heldByMe]);

    // Not due yet: the job leaves it, and the account works during the cooling-off period.
    expect(await c.closures.closeDue('test')).toBe(0);
    expect(await loginWorks(citizen.idNumber)).toBe(true);
    const browser = new UserAgent(server.issuer);
    const viaPasskey = await consentIfAsked(browser, await passkeyLogin(browser, (await platform.authorize()).url, key));
    expect(new URL(viaPasskey).searchParams.has('code')).toBe(true);

    // The cooling-off period has run out; the server's job and the operator's CLI run at once.
    await knex('account_closures').where({ person_id: personId }).update({ due_at: knex.raw("now() - interval '1 minute'") });
    // Two jobs that have both listed the due closure before either claims it, and the CLI's.
    const [jobA, jobB] = racingJobs(2) as [AccountClosure, AccountClosure];
    const [first, second, byCli] = await Promise.all([jobA.closeDue('test'), jobB.closeDue('test'), cli(['person', 'close-due'], server.env)]);
    expect(byCli.code).toBe(0);
    const closedByCli = Number(/accounts closed: (\d+)/.exec(byCli.stdout)![1]);
    expect(first + second + closedByCli).toBe(1);
    expect(await knex('audit_events').where({ action: 'person.closed', target: personId })).toHaveLength(1);
    expect(await c.closures.closeDue('test')).toBe(0); // idempotent: nothing left to do

    // The raw row: no personal field, no blind index.
    const row = await knex('persons').where({ id: personId }).first();
    expect(row).toMatchObject({ status: 'closed', name_enc: null, id_number_enc: null, id_number_bidx: null, phone_enc: null, phone_bidx: null, phone_verified_at: null });
    for (const table of ['credentials', 'passkeys', 'mfa_recovery_codes', 'totp_authenticators', 'person_devices', 'session_devices']) {
      expect(await knex(table).where({ person_id: personId }), table).toHaveLength(0);
    }
    const evidence = await knex('verification_evidence').where({ subject_person_id: personId });
    expect(evidence.map((e) => e.checked)).toEqual([[{ field: 'idNumber' }]]);
    expect(await knex('enterprises').where({ id: own }).first()).toMatchObject({ legal_rep_person_id: null, verified_at: null });
    expect(await knex('delegations').where({ id: grantedByMe.id }).first()).toMatchObject({ status: 'suspended' });
    expect(await knex('delegations').where({ id: heldByMe.id }).first()).toMatchObject({ status: 'resigned' });

    // Nothing opens any more; what was open is revoked and the platform was told.
    expect(await loginWorks(citizen.idNumber)).toBe(false);
    expect(await loginWorks(citizen.phone)).toBe(false);
    const byPasskey = await passkeyLogin(new UserAgent(server.issuer), (await platform.authorize()).url, key);
    expect('redirect' in byPasskey).toBe(false);
    expect((byPasskey as Page).status).toBe(401);
    // An SMS login code: the number finds no account any more, so none is issued (a decoy answer).
    const smsCodes = () => knex('one_time_codes').where({ purpose: 'sms-login' }).count({ n: '*' });
    const issued = await smsCodes();
    expect((await c.smsCodes.sendLoginCode(citizen.phone, '127.0.0.1')).codeId).toEqual(expect.any(String));
    expect(await smsCodes()).toEqual(issued);
    await expect(oidc.refreshTokenGrant(platform.config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect.poll(() => oidc.fetchUserInfo(platform.config, tokens.access_token, oldSub).then(() => true, () => false), { timeout: 2000 }).toBe(false);
    expect(await c.models.sessionsOf(personId)).toHaveLength(0);
    expect(await c.models.grantsOf(personId)).toHaveLength(0);
    const logouts = await receiver.tokensFor(server.issuer, platform.clientId);
    expect(logouts.some((t) => t.sub === oldSub && t.sid === tokens.claims()!.sid && (t.events as Record<string, unknown>)[BACKCHANNEL_EVENT])).toBe(true);
    expect((await ua.request('/account')).status).toBe(302); // the console session went with the SSO session

    // The audit trail never held the ID number, phone or name.
    const trailText = JSON.stringify(await knex('audit_events').select('actor', 'action', 'target', 'detail'));
    for (const personal of [citizen.idNumber, citizen.phone, citizen.name]) expect(trailText).not.toContain(personal);

    // The same ID number and mobile register again: a new account, a new `sub`, no old data.
    const again = await c.persons.register(citizen);
    expect(again).toMatchObject({ ok: true, created: true });
    expect(again.ok && again.personId).not.toBe(personId);
    const start = await platform.authorize();
    const fresh = await platform.finish(await loginThrough(new UserAgent(server.issuer), start.url, citizen.idNumber, citizen.password), start);
    expect(fresh.claims()!.sub).not.toBe(oldSub);
    expect(await knex('persons').where({ id: personId }).first()).toMatchObject({ status: 'closed', id_number_bidx: null });
  });
});
