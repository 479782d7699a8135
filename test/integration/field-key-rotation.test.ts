import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createContainer, type Container } from '../../src/container.ts';
import { reencryptCommand } from '../../src/cli/reencrypt-command.ts';
import { EVIDENCE_HASH_CONTEXT } from '../../src/container-verification.ts';
import { randomUUID } from 'node:crypto';
import { migrateLatest, openDatabase, type Database } from '../../src/store/db.ts';
import { freePort, testEnv, throwawayDatabase, tmpDir } from '../helpers/env.ts';
import { person } from '../helpers/identities.ts';
import { grantEvidence } from '../helpers/assurance.ts';
import { totpCode } from '../../src/authn/totp.ts';

// Rotating FIELD_ENCRYPTION_KEY: lookups keep working while old rows remain, `reencrypt` re-seals
// and re-indexes everything, and then the old key can go without losing anything.
let db: Database;
let drop: (() => Promise<void>) | undefined;
let env: Record<string, string>;
const keyA = randomBytes(32).toString('base64');
const keyB = randomBytes(32).toString('base64');
const open = (fieldKeys: Record<string, string>) => createContainer(loadConfig({ ...env, ...fieldKeys }), { database: db });

beforeAll(async () => {
  const dir = tmpDir();
  const pg = process.env.DATABASE_URL ? await throwawayDatabase(process.env.DATABASE_URL) : undefined;
  drop = pg?.drop;
  env = testEnv(dir, await freePort(), pg ? { DATABASE_URL: pg.url } : {});
  db = await openDatabase({ databaseUrl: pg?.url, dataDir: `${dir}/data`, poolMax: 4 });
  await migrateLatest(db.knex);
});
afterAll(async () => {
  await db?.close();
  await drop?.();
});

describe('field key rotation', () => {
  it('re-encrypts and re-indexes everything under the new key and loses nothing', async () => {
    const citizen = person();
    const agent = person();
    let c: Container = await open({ FIELD_ENCRYPTION_KEY: keyA });
    const rep = await c.persons.register(citizen);
    const ag = await c.persons.register(agent);
    // Acting for an enterprise needs L3 (representative) and L2 (agent): face evidence here, the
    // population match just below, the agent's match for accepting after the rotation.
    await grantEvidence(c, rep.ok ? rep.personId! : '', citizen, ['face']);
    await grantEvidence(c, ag.ok ? ag.personId! : '', agent, ['population']);
    const h = (v: string) => c.crypto.blindIndex(v, EVIDENCE_HASH_CONTEXT);
    await c.verification.evidence.record({
      id: randomUUID(), channelId: 'population-a', kind: 'population', result: 'match', errorCode: null, authorityRef: 'ref-1',
      checked: [{ field: 'name', hash: h(citizen.name), masked: '张*' }, { field: 'idNumber', hash: h(citizen.idNumber), masked: 'x' }],
      at: new Date().toISOString(), latencyMs: 5, subjectPersonId: rep.ok ? rep.personId! : null, actor: 'test',
    });
    const { enterprise, claimId } = await c.enterprises.claim(rep.ok ? rep.personId! : '', { creditCode: '91350100M000100Y43', name: '示例公司' });
    await c.enterprises.verifyClaim(claimId, 'operator', 'ref');
    const grant = await c.delegations.grant(rep.ok ? rep.personId! : '', enterprise.id, { agentName: agent.name, agentIdNumber: agent.idNumber, allPlatforms: true, platforms: [], expiresAt: new Date(Date.now() + 86_400_000) });
    const { clientId, generatedSecret } = await c.clients.add({ redirect_uris: ['http://127.0.0.1:9/cb'] });
    // Population and face matches recorded under key A: L3.
    expect((await c.verification.assurance.levelOf(rep.ok ? rep.personId! : '')).level.id).toBe('L3');
    // An authenticator app and recovery codes set up under key A.
    const pid = rep.ok ? rep.personId! : '';
    await c.factors.totp.start(pid);
    const totpSecret = (await c.factors.totp.pendingSecret(pid))!;
    expect(await c.factors.totp.confirm(pid, totpCode(totpSecret, Date.now() - 30_000), '10.0.0.1')).toBe(true);
    const recoveryCodes = await c.factors.recoveryCodes.generate(pid, '10.0.0.1');
    // The agent checked in person at a counter (the representative at the desk): the card sealed under key A.
    const clerk = { personId: pid, roles: new Set(['counter_operator']), ip: '10.0.0.1' };
    await c.desk.counter.recordIdentity(clerk, ag.ok ? ag.personId! : '', { cardNumber: agent.idNumber, documentType: 'resident_id_card', hall: '示例大厅', reference: 'R-1' });
    await c.close();

    // New key first, old key still accepted: the person is found by the old blind index.
    c = await open({ FIELD_ENCRYPTION_KEY: keyB, FIELD_ENCRYPTION_OLD_KEYS: keyA });
    await expect(c.login.authenticate(citizen.idNumber, citizen.password, '10.0.0.1')).resolves.toBe(rep.ok && rep.personId);
    // A second registration of the same number is still refused during the rotation.
    expect(await c.persons.register({ ...person(), idNumber: citizen.idNumber })).toMatchObject({ ok: true, created: false });
    const lines: string[] = [];
    await reencryptCommand([], { out: (l) => lines.push(l), err: () => {}, readStdin: async () => '' }, c);
    expect(lines).toContain('persons: 2 re-encrypted');
    expect(lines).toContain('delegations: 1 re-encrypted');
    expect(lines).toContain('evidence: 4 re-encrypted');
    expect(lines).toContain('counterChecks: 1 re-encrypted');
    expect(lines.join('\n')).toMatch(/clients: [1-9]\d* re-encrypted/);
    expect(lines).toContain('authenticators: 1 re-encrypted');
    // Recovery codes (keyed hashes) work while the old key is configured.
    expect(await c.factors.recoveryCodes.use(pid, recoveryCodes[0]!, '10.0.0.1')).toBe(true);
    await c.close();

    // Old key gone: everything still readable and findable.
    c = await open({ FIELD_ENCRYPTION_KEY: keyB });
    await expect(c.login.authenticate(citizen.phone, citizen.password, '10.0.0.2')).resolves.toBe(rep.ok && rep.personId);
    expect((await c.persons.get(ag.ok ? ag.personId! : ''))?.idNumber).toBe(agent.idNumber);
    await c.delegations.accept(ag.ok ? ag.personId! : '', grant);
    expect((await c.clients.providerMetadata(clientId))?.client_secret).toBe(generatedSecret);
    expect((await c.verification.assurance.levelOf(rep.ok ? rep.personId! : '')).level.id).toBe('L3');
    expect(await c.factors.totp.verify(pid, totpCode(totpSecret), '10.0.0.2')).toBe(true);
    expect((await c.desk.counter.history(ag.ok ? ag.personId! : ''))[0]!.card).toBe(`${agent.idNumber.slice(0, 4)}**********${agent.idNumber.slice(-4)}`);
    expect((await c.verification.assurance.levelOf(ag.ok ? ag.personId! : '')).level.id).toBe('L4');
    const rows = JSON.stringify(await db.knex('persons').select());
    expect(rows).not.toContain(citizen.idNumber);
    await c.close();
  });
});
