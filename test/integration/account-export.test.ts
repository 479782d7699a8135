/**
 * "Download my data" over real HTTP on a real database: the person's own data in full, their
 * verification evidence, consents, sessions, second factors and enterprise roles, the audit
 * events about them — and no secret (password hash, authenticator secret, recovery codes,
 * passkey keys, keyed hashes) and nothing of anyone else. Re-authentication (with the passkey
 * the account has) is required first.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { EVIDENCE_HASH_CONTEXT } from '../../src/container-verification.ts';
import { maskIdNumber } from '../../src/identity/id-number.ts';
import { consoleLogin } from '../helpers/account.ts';
import { UserAgent } from '../helpers/browser.ts';
import { person } from '../helpers/identities.ts';
import { addFirstPasskey, csrfOf, reauthenticateWithPasskey } from '../helpers/passkey-console.ts';
import { loginThrough, registerPlatform, type Platform } from '../helpers/platform.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { SoftAuthenticator } from '../helpers/soft-authenticator.ts';

let server: TestServer;
let platform: Platform;
const citizen = person();
const other = { ...person(), name: '李四' };

beforeAll(async () => {
  server = await startTestServer();
  platform = await registerPlatform(server.container, server.issuer, { client_name: '社保服务平台' });
  await server.container.persons.register(citizen);
  await server.container.persons.register(other);
});
afterAll(() => server?.stop());
afterEach(() => { vi.restoreAllMocks(); });

const exportRequest = (ua: UserAgent, csrf: string) => ua.request('/account/data/export', {
  method: 'POST', body: new URLSearchParams({ _csrf: csrf }), headers: { 'content-type': 'application/x-www-form-urlencoded' },
});

describe('download my data', () => {
  it('hands the person everything held about them after a strong re-authentication, and no secret', async () => {
    const c = server.container;
    const knex = c.db.knex;
    const personId = (await c.persons.findByIdentifier(citizen.idNumber))!.id;
    const otherId = (await c.persons.findByIdentifier(other.idNumber))!.id;

    // A consent and a session at a platform, for both people.
    await loginThrough(new UserAgent(server.issuer), (await platform.authorize()).url, citizen.idNumber, citizen.password);
    await loginThrough(new UserAgent(server.issuer), (await platform.authorize()).url, other.idNumber, other.password);
    // A population match (the level rises to L2) recorded as channels record it.
    const idHash = c.crypto.blindIndex(citizen.idNumber, EVIDENCE_HASH_CONTEXT);
    await c.verification.evidence.record({
      id: randomUUID(), channelId: 'population-main', kind: 'population', result: 'match', errorCode: null, authorityRef: 'GA-REF-7781',
      checked: [{ field: 'name', hash: c.crypto.blindIndex(citizen.name, EVIDENCE_HASH_CONTEXT), masked: '张*' }, { field: 'idNumber', hash: idHash, masked: maskIdNumber(citizen.idNumber) }],
      at: new Date().toISOString(), latencyMs: 35, subjectPersonId: personId, actor: personId,
    });
    // Second factors: a passkey, an authenticator app being set up, recovery codes.
    const key = new SoftAuthenticator(server.issuer);
    const ua = await addFirstPasskey(server.issuer, citizen, key, '我的手机');
    await c.factors.totp.start(personId);
    const totpSecret = (await c.factors.totp.pendingSecret(personId))!;
    const codes = await c.factors.recoveryCodes.generate(personId, '127.0.0.1');
    // An enterprise they represent, with an agent (another person) they authorised.
    const enterpriseId = randomUUID();
    await knex('enterprises').insert({ id: enterpriseId, credit_code: '91350100M000100Y43', name: '示例科技有限公司', category: '1', legal_rep_person_id: personId, verified_at: new Date() });
    await knex('delegations').insert({
      id: randomUUID(), enterprise_id: enterpriseId, granted_by: personId, agent_person_id: otherId, status: 'active', accepted_at: new Date(),
      agent_name_enc: c.crypto.encrypt(other.name, 'delegation.agent_name'), agent_id_number_enc: c.crypto.encrypt(other.idNumber, 'delegation.agent_id_number'),
      agent_id_number_bidx: c.persons.idNumberIndex(other.idNumber), all_platforms: true, platforms: '[]', expires_at: new Date(Date.now() + 86_400_000),
    });

    // A password alone is not enough once the account has a passkey.
    const page = await ua.page('/account/data');
    expect(page.html).toContain('id="reauth-link"');
    const refused = await exportRequest(ua, csrfOf(await ua.page('/account')));
    expect(refused.status).toBe(403);
    expect(refused.headers.get('content-disposition')).toBeNull();

    const ready = await reauthenticateWithPasskey(ua, '/account/data', citizen, key);
    expect(ready.html).toContain('id="export"');
    const res = await exportRequest(ua, csrfOf(ready));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="yihao-personal-data-\d{4}-\d{2}-\d{2}\.json"$/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const text = await res.text();
    const data = JSON.parse(text);

    expect(data).toMatchObject({ schema: 'https://yihao.gov.cn/schemas/personal-data/1', schemaVersion: 1, issuer: server.issuer });
    expect(data.account).toMatchObject({ id: personId, status: 'active', closure: null });
    expect(data.profile).toEqual({ name: citizen.name, idNumber: citizen.idNumber, phone: citizen.phone, phoneVerifiedAt: null });
    expect(data.assurance.level).toBe('L2');
    expect(data.assurance.evidence).toEqual([expect.objectContaining({
      channel: 'population-main', kind: 'population', result: 'match', authorityReference: 'GA-REF-7781',
      checked: [{ field: 'name', masked: '张*' }, { field: 'idNumber', masked: maskIdNumber(citizen.idNumber) }],
    })]);
    expect(data.consents).toEqual([expect.objectContaining({ platform: { clientId: platform.clientId, name: '社保服务平台' }, scopes: ['openid', 'profile'] })]);
    expect(data.sessions.length).toBeGreaterThanOrEqual(2);
    expect(data.sessions.some((s: { platforms: string[] }) => s.platforms.includes('社保服务平台'))).toBe(true);
    expect(data.secondFactors.passkeys).toEqual([expect.objectContaining({ name: '我的手机', synced: false })]);
    expect(data.secondFactors.authenticatorApp).toMatchObject({ enrolled: false, confirmedAt: null });
    expect(data.secondFactors.authenticatorApp.setupPendingSince).toEqual(expect.any(String));
    expect(data.secondFactors.recoveryCodes).toMatchObject({ total: 10, used: 0 });
    expect(data.enterprises.represented).toEqual([expect.objectContaining({ creditCode: '91350100M000100Y43', name: '示例科技有限公司' })]);
    expect(data.enterprises.authorisationsGranted).toEqual([expect.objectContaining({ status: 'active', allPlatforms: true, enterprise: expect.objectContaining({ creditCode: '91350100M000100Y43' }) })]);
    expect(data.enterprises.agentAuthorisations).toEqual([]);
    const actions = data.auditEvents.map((e: { action: string }) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['login.success', 'consent.granted', 'passkey.registered', 'recovery_codes.generated']));
    for (const e of data.auditEvents) expect(e.actor === personId || e.target === personId).toBe(true);

    // No secret of theirs.
    const password = await knex('credentials').where({ person_id: personId, kind: 'password' }).first();
    const passkey = await knex('passkeys').where({ person_id: personId }).first();
    const totpRow = await knex('totp_authenticators').where({ person_id: personId }).first();
    for (const secret of [password.secret, '$argon2', totpSecret, totpRow.pending_secret_enc, ...codes, passkey.credential_id,
      Buffer.from(passkey.public_key).toString('base64'), Buffer.from(passkey.public_key).toString('base64url'), Buffer.from(passkey.public_key).toString('hex'),
      idHash, c.persons.idNumberIndex(citizen.idNumber), c.persons.phoneIndex(citizen.phone)]) {
      expect(text).not.toContain(secret);
    }
    // Nothing of the other person, whom they authorised and who used the same platform.
    for (const theirs of [other.name, other.idNumber, other.phone, otherId]) expect(text).not.toContain(theirs);

    // The download is audited, without its content.
    const audited = await knex('audit_events').where({ action: 'person.data_exported', target: personId });
    expect(audited).toHaveLength(1);
    expect(audited[0].actor).toBe(personId);
    expect(JSON.stringify(audited[0].detail)).not.toContain(citizen.idNumber);
  });

  it('refuses a stale login and a forged form', async () => {
    const ua = new UserAgent(server.issuer);
    const someone = person();
    await server.container.persons.register(someone);
    await consoleLogin(ua, someone.idNumber, someone.password);
    const page = await ua.page('/account/data');
    expect(page.html).toContain('id="export"');
    expect((await exportRequest(ua, 'forged-token-of-the-right-length!')).status).toBe(403);
    // Six minutes after the login the download asks for a new one.
    const now = Date.now();
    vi.spyOn(Date, 'now').mockReturnValue(now + 6 * 60_000);
    const stale = await exportRequest(ua, csrfOf(page));
    expect(stale.status).toBe(403);
    expect(await stale.text()).toContain('id="reauth-link"');
  });
});
