/**
 * Administrators' roles on a real database, with the CLI run as a named operator: the founders
 * from `admin bootstrap` (once), requests that take effect only with a second administrator's
 * approval, no self-grant, the auditor's exclusivity, parallel approvals of which exactly one
 * wins, revocation effective at once, and CLI actions audited as the named operator.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppError } from '../../src/errors.ts';
import { cli } from '../helpers/cli-in-process.ts';
import { person } from '../helpers/identities.ts';
import { registerPlatform } from '../helpers/platform.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
type Who = ReturnType<typeof person> & { id: string };
const people: Record<'sys' | 'sec' | 'sec2' | 'aud' | 'clerk' | 'pm' | 'none' | 'citizen', Who> = {} as never;

async function add(): Promise<Who> {
  const p = person();
  await server.container.persons.register(p);
  return { ...p, id: (await server.container.persons.findByIdentifier(p.phone))!.id };
}

const grants = () => server.container.roleGrants;
const by = (who: Who) => ({ personId: who.id, detail: { via: 'test' } });
const codeOf = (p: Promise<unknown>) => p.then(() => 'ok', (e: AppError) => e.code ?? String(e));
const rolesOf = async (who: Who) => [...(await grants().principal(who.id)).roles].sort();
const events = async (action: string, target?: string) => {
  const out = [];
  for await (const e of server.container.auditTrail.query({ action, ...(target ? { target } : {}) })) out.push(e);
  return out;
};

beforeAll(async () => {
  server = await startTestServer();
  for (const k of ['sys', 'sec', 'sec2', 'aud', 'clerk', 'pm', 'none', 'citizen'] as const) people[k] = await add();
});
afterAll(() => server?.stop());

describe('admin bootstrap', () => {
  it('makes the founders once, from the command line, and refuses afterwards', async () => {
    const same = await cli(['admin', 'bootstrap', '--person', people.sys.phone, '--security-admin', people.sys.phone], server.env);
    expect(same.code).toBe(1);
    expect(same.stderr).toContain('admin.founders_distinct');

    const first = await cli(['admin', 'bootstrap', '--person', people.sys.phone, '--security-admin', people.sec.idNumber], server.env);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(await rolesOf(people.sys)).toEqual(['system_admin']);
    expect(await rolesOf(people.sec)).toEqual(['security_admin']);

    const again = await cli(['admin', 'bootstrap', '--person', people.none.phone, '--security-admin', people.citizen.phone], server.env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('admin.bootstrap_done');
    expect(await rolesOf(people.none)).toEqual([]);
    expect(await events('admin.role_bootstrapped')).toHaveLength(2);
  });
});

describe('role grants', () => {
  it('refuses a grant for oneself, and a request from someone without authority', async () => {
    expect(await codeOf(grants().request(by(people.sec), { personId: people.sec.id, role: 'auditor' }))).toBe('admin.self_grant');
    expect(await codeOf(grants().request(by(people.citizen), { personId: people.none.id, role: 'auditor' }))).toBe('admin.grant_authority_required');
  });

  it('takes effect only when a second, different administrator approves', async () => {
    const g = await grants().request(by(people.sec), { personId: people.aud.id, role: 'auditor', reason: 'annual audit' });
    expect(g.status).toBe('pending');
    expect(await rolesOf(people.aud)).toEqual([]);
    expect(await codeOf(grants().approve(by(people.sec), g.id))).toBe('admin.second_approver_required');
    expect(await codeOf(grants().approve(by(people.aud), g.id))).toBe('admin.self_grant');
    expect(await codeOf(grants().approve(by(people.citizen), g.id))).toBe('admin.grant_authority_required');
    // The founding system administrator shares the authority while fewer than two security administrators exist.
    expect((await grants().approve(by(people.sys), g.id)).status).toBe('active');
    expect(await rolesOf(people.aud)).toEqual(['auditor']);
    const [granted] = await events('admin.role_granted', people.aud.id);
    expect(granted).toMatchObject({ actor: `person:${people.sys.id}`, detail: { role: 'auditor', grant: g.id, via: 'test' } });
  });

  it('keeps the auditor exclusive, at request and at approval', async () => {
    expect(await codeOf(grants().request(by(people.sec), { personId: people.aud.id, role: 'security_admin' }))).toBe('admin.role_conflict');
    // Two requests for one person that would conflict: the second is refused while the first is pending.
    await grants().request(by(people.sec), { personId: people.none.id, role: 'counter_operator' });
    expect(await codeOf(grants().request(by(people.sec), { personId: people.none.id, role: 'auditor' }))).toBe('admin.role_conflict');
  });

  it('names the platforms of a platform manager, which must exist', async () => {
    expect(await codeOf(grants().request(by(people.sec), { personId: people.pm.id, role: 'platform_manager' }))).toBe('admin.platforms_required');
    expect(await codeOf(grants().request(by(people.sec), { personId: people.pm.id, role: 'platform_manager', platforms: ['no-such-platform'] }))).toBe('admin.unknown_platform');
    const platform = await registerPlatform(server.container, server.issuer);
    const g = await grants().request(by(people.sec), { personId: people.pm.id, role: 'platform_manager', platforms: [platform.clientId] });
    await grants().approve(by(people.sys), g.id);
    expect((await grants().principal(people.pm.id)).platforms).toEqual([platform.clientId]);
  });

  it('approving in parallel: exactly one approval wins', async () => {
    const g2 = await grants().request(by(people.sec), { personId: people.sec2.id, role: 'security_admin' });
    await grants().approve(by(people.sys), g2.id);
    // Two security administrators now: the system administrator's founding authority has ended.
    const g = await grants().request(by(people.sec), { personId: people.clerk.id, role: 'counter_operator' });
    expect(await codeOf(grants().approve(by(people.sys), g.id))).toBe('admin.grant_authority_required');
    const results = await Promise.all(Array.from({ length: 8 }, () => codeOf(grants().approve(by(people.sec2), g.id))));
    expect(results.sort()).toEqual([...Array(7).fill('admin.grant_not_pending'), 'ok']);
    expect(await events('admin.role_granted', people.clerk.id)).toHaveLength(1);
  });

  it('revocation needs a second administrator too, never on oneself; of parallel approvals one wins', async () => {
    const [grant] = await grants().list({ personId: people.clerk.id, status: 'active' });
    expect(await codeOf(grants().revoke(by(people.clerk), grant!.id))).toBe('admin.self_grant');
    await grants().revoke(by(people.sec2), grant!.id, 'left the service hall');
    // Requested, not yet in force: the role holds until a second administrator approves.
    expect(await rolesOf(people.clerk)).toEqual(['counter_operator']);
    expect(await codeOf(grants().revoke(by(people.sec2), grant!.id))).toBe('admin.grant_not_pending');
    expect(await codeOf(grants().approve(by(people.sec2), grant!.id))).toBe('admin.second_approver_required');
    expect(await codeOf(grants().approve(by(people.clerk), grant!.id))).toBe('admin.self_grant');
    const results = await Promise.all(Array.from({ length: 4 }, () => codeOf(grants().approve(by(people.sec), grant!.id))));
    expect(results.sort()).toEqual([...Array(3).fill('admin.grant_not_pending'), 'ok']);
    expect(await rolesOf(people.clerk)).toEqual([]);
    expect(await events('admin.role_revocation_requested', people.clerk.id)).toMatchObject([{ actor: `person:${people.sec2.id}`, detail: { reason: 'left the service hall' } }]);
    expect(await events('admin.role_revoked', people.clerk.id)).toMatchObject([{ actor: `person:${people.sec.id}`, detail: { requestedBy: `person:${people.sec2.id}`, reason: 'left the service hall' } }]);
  });

});

describe('the CLI as a named operator', () => {
  it('audits the operator as person:<id> via cli, and checks the role', async () => {
    const disabled = await cli(['--operator', people.sec.phone, 'person', 'disable', people.citizen.phone], server.env);
    expect(disabled.stderr).toBe('');
    expect(disabled.code).toBe(0);
    const [event] = await events('person.disabled', people.citizen.id);
    expect(event).toMatchObject({ actor: `person:${people.sec.id}`, detail: { via: 'cli' } });

    // The auditor holds no acting role; the environment variable names the operator too.
    const refused = await cli(['person', 'enable', people.citizen.phone], { ...server.env, YIHAO_OPERATOR: people.aud.id });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('admin.role_required');
    expect((await server.container.persons.get(people.citizen.id))!.status).toBe('disabled');

    // Someone without any role is no operator.
    const nobody = await cli(['--operator', people.citizen.idNumber, 'person', 'enable', people.citizen.phone], server.env);
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toContain('admin.operator_unknown');
  });

  it('requests, approves and lists roles from the command line', async () => {
    const unnamed = await cli(['admin', 'roles', 'request', '--person', people.clerk.phone, '--role', 'counter_operator'], server.env);
    expect(unnamed.code).toBe(1);
    expect(unnamed.stderr).toContain('admin.operator_required');
    const requested = await cli(['--operator', people.sec.phone, 'admin', 'roles', 'request', '--person', people.clerk.phone, '--role', 'counter_operator', '--json'], server.env);
    expect(requested.code).toBe(0);
    const grant = JSON.parse(requested.stdout) as { id: string; status: string };
    expect(grant.status).toBe('pending');
    const approved = await cli(['--operator', people.sec2.phone, 'admin', 'roles', 'approve', grant.id], server.env);
    expect(approved.code).toBe(0);
    expect(approved.stdout).toContain('active');
    const listed = await cli(['admin', 'roles', 'list', '--person', people.clerk.phone], server.env);
    expect(listed.stdout).toMatch(new RegExp(`${grant.id}\\tactive\\tcounter_operator`));
    const [event] = await events('admin.role_granted', people.clerk.id).then((e) => e.slice(-1));
    expect(event).toMatchObject({ actor: `person:${people.sec2.id}`, detail: { via: 'cli' } });
  });

  it('disables and enables a platform as the system administrator', async () => {
    const platform = await registerPlatform(server.container, server.issuer);
    const refused = await cli(['--operator', people.sec.phone, 'client', 'disable', platform.clientId], server.env);
    expect(refused.stderr).toContain('admin.role_required');
    const disabled = await cli(['--operator', people.sys.phone, 'client', 'disable', platform.clientId], server.env);
    expect(disabled.code).toBe(0);
    expect(await server.container.clients.providerMetadata(platform.clientId)).toBeUndefined();
    expect((await server.container.clients.show(platform.clientId)).disabled).toBe(true);
    expect((await cli(['--operator', people.sys.phone, 'client', 'enable', platform.clientId], server.env)).code).toBe(0);
    expect(await server.container.clients.providerMetadata(platform.clientId)).toMatchObject({ client_id: platform.clientId });
    const [event] = await events('client.disabled', platform.clientId);
    expect(event).toMatchObject({ actor: `person:${people.sys.id}`, detail: { via: 'cli' } });
  });

  it('outside production an unnamed command still runs, audited as cli', async () => {
    const enabled = await cli(['person', 'enable', people.citizen.phone], server.env);
    expect(enabled.code).toBe(0);
    const [event] = await events('person.enabled', people.citizen.id);
    expect(event).toMatchObject({ actor: 'cli' });
  });
});

describe('revoking one of two security administrators', () => {
  // Last: it leaves one security administrator.
  it('is requested by the other and approved by the system administrator', async () => {
    const [grant] = await grants().list({ personId: people.sec2.id, status: 'active' });
    await grants().revoke(by(people.sec), grant!.id, 'transferred');
    expect(await rolesOf(people.sec2)).toEqual(['security_admin']);
    await grants().approve(by(people.sys), grant!.id);
    expect(await rolesOf(people.sec2)).toEqual([]);
  });
});
