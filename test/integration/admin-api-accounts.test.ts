import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { raiseTo } from '../helpers/assurance.ts';
import { UserAgent } from '../helpers/browser.ts';
import { person } from '../helpers/identities.ts';
import { loginThrough, offlineLogin, registerPlatform, type Platform } from '../helpers/platform.ts';
import { adminClient, api, type AdminClient } from '../helpers/admin-api.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

// Accounts, enterprises and authorisations for the security administrator: exact searches
// (the ID number only in a POST body), masked views, a lock that stops the very next login,
// ending sessions, resetting a factor with a reason; suspending an enterprise or an agent's
// authorisation stops acting for it at once.
let server: TestServer;
let security: AdminClient;
let platform: Platform;
const citizen = person();
const namesake = { ...person(), name: citizen.name };
const ids: Record<string, string> = {};

beforeAll(async () => {
  server = await startTestServer();
  security = await adminClient(server, 'admin:security');
  platform = await registerPlatform(server.container, server.issuer);
  for (const [k, p] of Object.entries({ citizen, namesake })) ids[k] = (await server.container.persons.register(p) as { personId: string }).personId;
});
afterAll(() => server?.stop());

const loginWorks = async () => {
  const start = await platform.authorize();
  return loginThrough(new UserAgent(server.issuer), start.url, citizen.idNumber, citizen.password).then((cb) => new URL(cb).searchParams.has('code'), () => false);
};
const search = (body: Record<string, unknown>) => api(server, 'post', '/admin/api/accounts/search', security.token, body);

describe('accounts', () => {
  it('finds an account by exact ID number, mobile number or name, shown masked; names page', async () => {
    const byId = await search({ id_number: citizen.idNumber.toLowerCase() });
    expect(byId.status).toBe(200);
    expect(byId.body.items).toEqual([expect.objectContaining({ id: ids.citizen, status: 'active', name: citizen.name, phone: `${citizen.phone.slice(0, 3)}****${citizen.phone.slice(-4)}` })]);
    expect(byId.body.items[0].id_number).toBe(`${citizen.idNumber.slice(0, 4)}${'*'.repeat(10)}${citizen.idNumber.slice(-4)}`);
    expect(JSON.stringify(byId.body)).not.toContain(citizen.idNumber);
    expect(JSON.stringify(byId.body)).not.toContain(citizen.phone);
    expect((await search({ phone: citizen.phone })).body.items.map((a: { id: string }) => a.id)).toEqual([ids.citizen]);
    expect((await search({ id_number: '11010519491231002X' })).body.items).toEqual([]);
    expect((await search({ id_number: 'not a number' })).body.items).toEqual([]);

    // Two accounts of one name: page by page, the cursor from the previous page.
    const first = await search({ name: ` ${citizen.name} `, limit: 1 });
    expect(first.body.items).toHaveLength(1);
    expect(first.body.next_cursor).toEqual(expect.any(String));
    const second = await search({ name: citizen.name, limit: 1, cursor: first.body.next_cursor });
    expect(second.body).toMatchObject({ items: [expect.any(Object)], next_cursor: null });
    expect([first.body.items[0].id, second.body.items[0].id].sort()).toEqual([ids.citizen, ids.namesake].sort());
    // The ID number reaches neither a URL (the search is a POST, so no request log has it) nor the trail.
    const log = await server.container.db.knex('audit_events').whereRaw('detail::text like ?', [`%${citizen.idNumber}%`]).first();
    expect(log).toBeUndefined();
  });

  it('finds by name accounts created before the name index once reencrypt has run', async () => {
    const older = { ...person(), name: '欧阳修' };
    const id = (await server.container.persons.register(older) as { personId: string }).personId;
    await server.container.db.knex('persons').where({ id }).update({ name_bidx: null }); // as before the migration
    expect((await search({ name: '欧阳修' })).body.items).toEqual([]);
    expect(await server.container.persons.resealStale()).toBeGreaterThanOrEqual(1); // npm run cli -- reencrypt
    expect((await search({ name: '欧阳修' })).body.items.map((a: { id: string }) => a.id)).toEqual([id]);
    expect(await server.container.persons.resealStale()).toBe(0);
  });

  it('answers bad input with 400 and field paths, unknown accounts with 404', async () => {
    const two = await search({ id_number: citizen.idNumber, phone: citizen.phone });
    expect(two.status).toBe(400);
    expect(two.body).toMatchObject({ error: 'admin.invalid_request', details: { fields: [{ in: 'body', path: 'id_number', message: expect.stringContaining('exactly one') }] } });
    expect((await search({ name: 'x', limit: 1000 })).body.details.fields).toContainEqual(expect.objectContaining({ path: 'limit' }));
    const noReason = await api(server, 'post', `/admin/api/accounts/${ids.citizen}/lock`, security.token, {});
    expect(noReason.status).toBe(400);
    expect(noReason.body.details.fields).toContainEqual(expect.objectContaining({ in: 'body', path: 'reason' }));
    const badFactor = await api(server, 'post', `/admin/api/accounts/${ids.citizen}/factors/fingerprint/reset`, security.token, { reason: 'lost it' });
    expect(badFactor.body.details.fields).toContainEqual(expect.objectContaining({ in: 'params', path: 'factor' }));
    expect((await api(server, 'get', '/admin/api/accounts/00000000-0000-4000-8000-000000000000', security.token)).status).toBe(404);
    expect((await api(server, 'get', '/admin/api/accounts/not-a-uuid', security.token)).body).toMatchObject({ error: 'person.not_found' });
    expect((await api(server, 'post', '/admin/api/accounts/not-a-uuid/lock', security.token, { reason: 'fraud report' })).status).toBe(404);
  });

  it('locks an account: the next login is refused and its tokens stop; unlocked, it logs in again', async () => {
    expect(await loginWorks()).toBe(true);
    const tokens = await offlineLogin(platform, new UserAgent(server.issuer), citizen.idNumber, citizen.password);
    const locked = await api(server, 'post', `/admin/api/accounts/${ids.citizen}/lock`, security.token, { reason: 'reported stolen' });
    expect(locked.body).toMatchObject({ account: { id: ids.citizen, status: 'disabled' } });
    expect(await loginWorks()).toBe(false);
    await expect(oidc.refreshTokenGrant(platform.config, tokens.refresh_token!)).rejects.toThrow();

    expect((await api(server, 'post', `/admin/api/accounts/${ids.citizen}/unlock`, security.token, { reason: 'owner proved identity at the counter' })).body)
      .toMatchObject({ account: { status: 'active' } });
    expect(await loginWorks()).toBe(true);
    expect((await api(server, 'post', `/admin/api/accounts/${ids.citizen}/unlock`, security.token, { reason: 'again' })).status).toBe(409);

    const events = await server.container.db.knex('audit_events').where({ target: ids.citizen }).whereIn('action', ['person.disabled', 'person.enabled']).orderBy('id');
    expect(events.map((e) => [e.action, e.actor, e.detail.reason])).toEqual([
      ['person.disabled', `client:${security.clientId}`, 'reported stolen'],
      ['person.enabled', `client:${security.clientId}`, 'owner proved identity at the counter'],
    ]);
    expect(events[0].detail).toMatchObject({ ip: expect.any(String), userAgent: 'yihao-tests/1' });
  });

  it('ends every session, and resets a second factor with a recorded reason', async () => {
    const tokens = await offlineLogin(platform, new UserAgent(server.issuer), citizen.idNumber, citizen.password);
    expect((await api(server, 'get', `/admin/api/accounts/${ids.citizen}`, security.token)).body.account.sessions).toBeGreaterThan(0);
    const ended = await api(server, 'post', `/admin/api/accounts/${ids.citizen}/end-sessions`, security.token, { reason: 'suspicious activity' });
    expect(ended.body).toMatchObject({ sessions: expect.any(Number), grants: expect.any(Number) });
    expect(ended.body.sessions).toBeGreaterThan(0);
    await expect(oidc.refreshTokenGrant(platform.config, tokens.refresh_token!)).rejects.toThrow();
    expect((await api(server, 'get', `/admin/api/accounts/${ids.citizen}`, security.token)).body.account.sessions).toBe(0);

    await server.container.factors.recoveryCodes.generate(ids.citizen!, '127.0.0.1');
    expect((await api(server, 'get', `/admin/api/accounts/${ids.citizen}`, security.token)).body.account.factors).toMatchObject({ recovery_codes: 10, totp: false, passkeys: 0 });
    const reset = await api(server, 'post', `/admin/api/accounts/${ids.citizen}/factors/recovery_codes/reset`, security.token, { reason: 'printed codes lost' });
    expect(reset.body).toEqual({ removed: 10 });
    expect((await api(server, 'get', `/admin/api/accounts/${ids.citizen}`, security.token)).body.account.factors.recovery_codes).toBe(0);
    const event = await server.container.db.knex('audit_events').where({ action: 'factor.reset', target: ids.citizen }).first();
    expect(event).toMatchObject({ actor: `client:${security.clientId}`, detail: { factor: 'recovery_codes', removed: 10, reason: 'printed codes lost' } });
  });
});

describe('enterprises and authorisations', () => {
  it('searches, shows, suspends and reinstates: no one acts for a suspended enterprise or authorisation', async () => {
    const rep = person();
    const agent = { ...person(), name: '李经办' };
    const repId = (await server.container.persons.register(rep) as { personId: string }).personId;
    const agentId = (await server.container.persons.register(agent) as { personId: string }).personId;
    await raiseTo(server.container, repId, rep, 'L3');
    await raiseTo(server.container, agentId, agent, 'L2');
    const { enterprise, claimId } = await server.container.enterprises.claim(repId, { creditCode: '91350100M000100Y43', name: '福州示例科技有限公司' });
    await server.container.enterprises.verifyClaim(claimId, 'operator', 'counter-001');
    const delegationId = await server.container.delegations.grant(repId, enterprise.id, {
      agentName: agent.name, agentIdNumber: agent.idNumber, allPlatforms: true, platforms: [], expiresAt: new Date(Date.now() + 86_400_000),
    });
    await server.container.delegations.accept(agentId, delegationId);
    const roles = async (who: string) => (await server.container.actingRoles.rolesFor(who, platform.clientId)).map((r) => r.role);
    expect(await roles(repId)).toEqual(['legal_representative']);
    expect(await roles(agentId)).toEqual(['agent']);

    const found = await api(server, 'get', '/admin/api/enterprises?credit_code=91350100m000100y43', security.token);
    expect(found.body.items).toEqual([expect.objectContaining({ id: enterprise.id, name: '福州示例科技有限公司', representative_id: repId, suspended: false })]);
    expect((await api(server, 'get', `/admin/api/enterprises?name=${encodeURIComponent('示例科技')}`, security.token)).body.items).toHaveLength(1);
    expect((await api(server, 'get', `/admin/api/enterprises?name=${encodeURIComponent('%')}`, security.token)).body.items).toHaveLength(0);
    expect((await api(server, 'get', '/admin/api/enterprises?credit_code=123', security.token)).body.details.fields).toContainEqual(expect.objectContaining({ in: 'query', path: 'credit_code' }));
    expect((await api(server, 'get', `/admin/api/enterprises/${ids.citizen}`, security.token)).status).toBe(404);

    // The authorisation: suspended by the administrator, the representative cannot confirm it back.
    const listed = await api(server, 'get', `/admin/api/authorisations?enterprise_id=${enterprise.id}`, security.token);
    expect(listed.body.items).toEqual([expect.objectContaining({ id: delegationId, agent_name: '李经办', status: 'active', suspended_by_admin: false })]);
    const suspended = await api(server, 'post', `/admin/api/authorisations/${delegationId}/suspend`, security.token, { reason: 'complaint under review' });
    expect(suspended.body).toMatchObject({ authorisation: { status: 'suspended', suspended_by_admin: true } });
    expect(await roles(agentId)).toEqual([]);
    await expect(server.container.delegations.confirm(repId, delegationId)).rejects.toMatchObject({ code: 'delegation.suspended_by_admin' });
    expect((await api(server, 'post', `/admin/api/authorisations/${delegationId}/suspend`, security.token, { reason: 'twice' })).status).toBe(409);
    expect((await api(server, 'post', `/admin/api/authorisations/${delegationId}/reinstate`, security.token, { reason: 'complaint unfounded' })).body)
      .toMatchObject({ authorisation: { status: 'active', suspended_by_admin: false } });
    expect(await roles(agentId)).toEqual(['agent']);

    // The enterprise: suspended, neither its representative nor its agent acts for it.
    expect((await api(server, 'post', `/admin/api/enterprises/${enterprise.id}/suspend`, security.token, { reason: 'registry reports deregistration' })).body)
      .toMatchObject({ enterprise: { suspended: true } });
    expect(await roles(repId)).toEqual([]);
    expect(await roles(agentId)).toEqual([]);
    expect((await api(server, 'post', `/admin/api/enterprises/${enterprise.id}/reinstate`, security.token, { reason: 'deregistration withdrawn' })).status).toBe(200);
    expect(await roles(repId)).toEqual(['legal_representative']);
    expect(await roles(agentId)).toEqual(['agent']);

    const events = await server.container.db.knex('audit_events').whereIn('target', [enterprise.id, delegationId]).where('actor', `client:${security.clientId}`).orderBy('id');
    expect(events.map((e) => e.action)).toEqual(['delegation.suspended', 'delegation.reinstated', 'enterprise.suspended', 'enterprise.reinstated']);
  });
});
