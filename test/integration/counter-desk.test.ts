import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountDeps } from '../../src/account/account-deps.ts';
import { AccountClosureStore } from '../../src/store/account-closures.ts';
import type { DeskOperator } from '../../src/identity/counter-desk.ts';
import { consoleLogin, section } from '../helpers/account.ts';
import { raiseTo } from '../helpers/assurance.ts';
import { UserAgent } from '../helpers/browser.ts';
import { person } from '../helpers/identities.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
const clerk = person();
const clerk2 = person();
const citizen = person();
const representative = person();
const squatted = person();
const ids: Record<string, string> = {};
let op: DeskOperator;
const card = (cardNumber: string, extra: Record<string, string> = {}) => ({
  cardNumber, documentType: 'resident_id_card', hall: '呼和浩特市政务服务中心', reference: 'HH-2026-0001', ...extra,
});

async function events(action: string) {
  return server.container.db.knex('audit_events').where({ action }).orderBy('id');
}

beforeAll(async () => {
  server = await startTestServer();
  for (const [k, p] of Object.entries({ clerk, clerk2, citizen, representative, squatted })) {
    const r = await server.container.persons.register(p);
    if (!r.ok || !r.personId) throw new Error('seed failed');
    ids[k] = r.personId;
  }
  op = { personId: ids.clerk!, roles: new Set(['counter_operator']), ip: '203.0.113.9', userAgent: 'DeskTest/1.0' };
});
afterAll(() => server?.stop());

describe('the counter desk', () => {
  it('finds an account by its exact ID number, masked, and audits the lookup without the number', async () => {
    const desk = server.container.desk.counter;
    const found = await desk.lookup(op, citizen.idNumber.toLowerCase());
    expect(found).toMatchObject({ personId: ids.citizen, name: '张*', idNumber: `${citizen.idNumber.slice(0, 4)}**********${citizen.idNumber.slice(-4)}` });
    expect(found!.level.id).toBe('L1');
    expect(await desk.lookup(op, '11010519491231002X')).toBeUndefined();
    await expect(desk.lookup(op, '110105194912310021')).rejects.toMatchObject({ code: 'id_number.checksum' });

    const lookups = await events('counter.lookup');
    expect(lookups.map((e) => [e.actor, e.target, e.detail.found])).toEqual([
      [`person:${ids.clerk}`, ids.citizen, true], [`person:${ids.clerk}`, null, false], [`person:${ids.clerk}`, null, false],
    ]);
    expect(lookups[0].detail).toMatchObject({ ip: '203.0.113.9', userAgent: 'DeskTest/1.0' });
    const trail = JSON.stringify(await server.container.db.knex('audit_events').select('detail', 'target'));
    expect(trail).not.toContain(citizen.idNumber);
    expect(trail).not.toContain('11010519491231002X');
  });

  it('records an in-person check as L4 evidence when the card is the account\'s, audited with operator, hall and reference', async () => {
    const desk = server.container.desk.counter;
    const { check, level } = await desk.recordIdentity(op, ids.citizen!, card(citizen.idNumber, { readerPayload: 'READER-RAW-0123456789' }));
    expect(level.id).toBe('L4');
    expect((await server.container.verification.assurance.levelOf(ids.citizen!)).level.id).toBe('L4');
    expect(check).toMatchObject({ act: 'identity', hall: '呼和浩特市政务服务中心', reference: 'HH-2026-0001', operator: `person:${ids.clerk}` });
    expect(check.card).not.toContain(citizen.idNumber.slice(4, 14));

    const [evidence] = await server.container.db.knex('verification_evidence').where({ subject_person_id: ids.citizen, kind: 'counter' });
    expect(evidence).toMatchObject({ channel_id: 'counter-desk', result: 'match', actor: `person:${ids.clerk}`, authority_ref: 'HH-2026-0001' });
    expect(JSON.stringify(evidence.checked)).not.toContain(citizen.idNumber);

    const [row] = await server.container.db.knex('counter_checks').where({ id: check.id });
    // Sealed, and the reader's payload kept only as a keyed hash.
    expect(row.card_number_enc).toMatch(/^v1\./);
    expect(JSON.stringify(row)).not.toContain(citizen.idNumber);
    expect(JSON.stringify(row)).not.toContain('READER-RAW');
    expect(row).toMatchObject({ operator_id: ids.clerk, hall: '呼和浩特市政务服务中心', reference: 'HH-2026-0001', reader_payload_bytes: 21, evidence_id: evidence.id });

    const [audited] = await events('counter.identity_checked');
    expect(audited).toMatchObject({ actor: `person:${ids.clerk}`, target: ids.citizen });
    expect(audited.detail).toMatchObject({ check: check.id, evidence: evidence.id, hall: '呼和浩特市政务服务中心', reference: 'HH-2026-0001', ip: '203.0.113.9', userAgent: 'DeskTest/1.0', readerPayload: true });
  });

  it('refuses a card that is not the account\'s, records no evidence, and audits the refusal', async () => {
    const desk = server.container.desk.counter;
    await expect(desk.recordIdentity(op, ids.representative!, card(citizen.idNumber))).rejects.toMatchObject({ code: 'counter.card_mismatch' });
    expect(await server.container.db.knex('verification_evidence').where({ subject_person_id: ids.representative, kind: 'counter' })).toHaveLength(0);
    expect(await server.container.db.knex('counter_checks').where({ person_id: ids.representative })).toHaveLength(0);
    expect((await server.container.verification.assurance.levelOf(ids.representative!)).level.id).toBe('L1');
    const [refused] = await events('counter.card_mismatch');
    expect(refused).toMatchObject({ actor: `person:${ids.clerk}`, target: ids.representative });
    expect(refused.detail).toMatchObject({ act: 'identity', hall: '呼和浩特市政务服务中心', reference: 'HH-2026-0001', ip: '203.0.113.9' });
  });

  it('refuses other roles, the operator\'s own account, and bad halls, references and documents', async () => {
    const desk = server.container.desk.counter;
    for (const roles of [new Set(['auditor']), new Set(['security_admin', 'system_admin']), new Set<string>()]) {
      const other = { ...op, roles };
      await expect(desk.lookup(other, citizen.idNumber)).rejects.toMatchObject({ code: 'admin.role_required' });
      await expect(desk.recordIdentity(other, ids.representative!, card(representative.idNumber))).rejects.toMatchObject({ code: 'admin.role_required' });
    }
    await expect(desk.recordIdentity(op, ids.clerk!, card(clerk.idNumber))).rejects.toMatchObject({ code: 'counter.self_check' });
    await expect(desk.recordIdentity(op, ids.representative!, card(representative.idNumber, { hall: 'x' }))).rejects.toMatchObject({ code: 'counter.hall_invalid' });
    await expect(desk.recordIdentity(op, ids.representative!, card(representative.idNumber, { reference: '' }))).rejects.toMatchObject({ code: 'counter.reference_invalid' });
    await expect(desk.recordIdentity(op, ids.representative!, card(representative.idNumber, { documentType: 'passport' }))).rejects.toMatchObject({ code: 'counter.document_type_invalid' });
    await expect(desk.recordIdentity(op, ids.representative!, card(representative.idNumber, { readerPayload: 'x'.repeat(8193) }))).rejects.toMatchObject({ code: 'counter.reader_payload_too_large' });
    expect((await server.container.verification.assurance.levelOf(ids.representative!)).level.id).toBe('L1');
  });

  it('confirms a representative claim with the claimant\'s card: of two clerks at once, one wins', async () => {
    const c = server.container;
    await raiseTo(c, ids.representative!, representative, 'L3');
    const { enterprise, claimId } = await c.enterprises.claim(ids.representative!, { creditCode: '91350100M000100Y43', name: '福州示例科技有限公司' });
    expect((await c.desk.counter.citizen(ids.representative!))!.pendingClaims).toMatchObject([{ id: claimId, creditCode: '91350100M000100Y43', enterpriseName: '福州示例科技有限公司' }]);
    await expect(c.desk.counter.confirmRepresentative(op, claimId, card(citizen.idNumber))).rejects.toMatchObject({ code: 'counter.card_mismatch' });

    const op2 = { ...op, personId: ids.clerk2! };
    const outcomes = await Promise.allSettled([
      c.desk.counter.confirmRepresentative(op, claimId, card(representative.idNumber, { reference: 'ENT-1' })),
      c.desk.counter.confirmRepresentative(op2, claimId, card(representative.idNumber, { reference: 'ENT-2' })),
    ]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect(outcomes.find((o) => o.status === 'rejected')).toMatchObject({ reason: { code: 'enterprise.claim_decided' } });
    expect((await c.enterprises.findById(enterprise.id))!.legal_rep_person_id).toBe(ids.representative);
    const confirmed = await events('counter.representative_confirmed');
    expect(confirmed).toHaveLength(1);
    expect(confirmed[0].detail).toMatchObject({ claim: claimId, enterprise: enterprise.id, hall: '呼和浩特市政务服务中心', ip: '203.0.113.9' });
    expect(await c.db.knex('counter_checks').where({ claim_id: claimId, act: 'enterprise_representative' })).toHaveLength(1);
  });

  it('refuses a reclaim without the holder\'s phone, before recording anything', async () => {
    await expect(server.container.desk.counter.startReclaim(op, ids.squatted!, card(squatted.idNumber, { newPhone: '123' }))).rejects.toMatchObject({ code: 'phone.invalid' });
    expect(await server.container.db.knex('counter_checks').where({ person_id: ids.squatted })).toHaveLength(0);
  });

  it('reclaims at the desk: the account moves to the holder\'s phone at L4, with the clerk as the actor', async () => {
    const c = server.container;
    const { check, reclaimId } = await c.desk.counter.startReclaim(op, ids.squatted!, card(squatted.idNumber, { reference: 'RC-9', newPhone: '13912345670' }));
    const row = await c.db.knex('counter_checks').where({ id: check.id }).first();
    const [evidence] = await c.db.knex('verification_evidence').where({ id: row.evidence_id });
    expect(evidence).toMatchObject({ kind: 'counter', result: 'match', subject_person_id: ids.squatted });
    expect((await c.verification.assurance.levelOf(ids.squatted!)).level.id).toBe('L4');
    expect((await c.persons.get(ids.squatted!))!.phone).toBe('13912345670');
    const [reclaimed] = await events('person.reclaimed');
    expect(reclaimed).toMatchObject({ actor: `person:${ids.clerk}`, target: ids.squatted, detail: { method: 'counter', level: 'L4', reference: 'RC-9' } });
    expect((await events('counter.reclaim_started'))[0].detail).toMatchObject({ check: check.id, reclaim: reclaimId, reference: 'RC-9' });
    // After L4 nothing reclaims it again, not even the desk.
    await expect(c.desk.counter.startReclaim(op, ids.squatted!, card(squatted.idNumber, { reference: 'RC-10', newPhone: '13912345671' }))).rejects.toMatchObject({ code: 'reclaim.level_too_low' });
  });

  it('hands the visit and the reclaim to the person in "download my data", without the clerk or the card number', async () => {
    const data = await accountDeps(server.container).rights!.dataExport.build(ids.squatted!, 'no-session', '203.0.113.50');
    expect(data.counterVisits).toEqual([expect.objectContaining({ act: 'reclaim', hall: '呼和浩特市政务服务中心', reference: 'RC-9' })]);
    expect(data.reclaims).toEqual([expect.objectContaining({ level: 'L4', method: 'counter', reference: 'RC-9' })]);
    const text = JSON.stringify({ visits: data.counterVisits, reclaims: data.reclaims });
    expect(text).not.toContain(ids.clerk);
    expect(text).not.toContain(squatted.idNumber);
  });

  it('limits lookups per operator and audits the refusals', async () => {
    const busy = { ...op, personId: ids.clerk2! };
    const desk = server.container.desk.counter;
    for (let i = 0; i < 60; i++) await desk.lookup(busy, '11010519491231002X');
    await expect(desk.lookup(busy, citizen.idNumber)).rejects.toMatchObject({ code: 'counter.rate_limited' });
    const refused = await server.container.db.knex('audit_events').where({ action: 'counter.lookup_refused', actor: `person:${ids.clerk2}` });
    expect(refused).toHaveLength(1);
    // Another operator is not affected.
    expect(await desk.lookup(op, citizen.idNumber)).toBeDefined();
  });

  it('keeps the card sealed under the current key and erases it when the account closes', async () => {
    const c = server.container;
    expect(await c.desk.counter.resealStale()).toBe(0); // nothing under a retired key
    const before = await c.db.knex('counter_checks').where({ person_id: ids.squatted }).first();
    expect(before.card_number_enc).not.toBeNull();
    await new AccountClosureStore(c.db.knex).removeBelongings(ids.squatted!);
    const after = await c.db.knex('counter_checks').where({ person_id: ids.squatted }).first();
    expect(after).toMatchObject({ card_number_enc: null, card_number_bidx: null, reader_payload_hash: null, hall: before.hall, reference: 'RC-9' });
    expect((await c.desk.counter.history(ids.squatted!))[0]).toMatchObject({ act: 'reclaim', card: '—' });
  });

  it('shows the visit on the citizen\'s own account page', async () => {
    const ua = new UserAgent(server.issuer);
    const home = await consoleLogin(ua, citizen.idNumber, citizen.password);
    const visits = section(home, 'counter-checks');
    expect(visits).toContain('窗口核验记录');
    expect(visits).toContain('现场核验身份');
    expect(visits).toContain('呼和浩特市政务服务中心');
    expect(visits).toContain('HH-2026-0001');
    expect(section(home, 'assurance')).toContain('四级');
  });
});
