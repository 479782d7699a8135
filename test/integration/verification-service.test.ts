import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { idNumber, phone, PASSWORD } from '../helpers/identities.ts';
import { addChannel, addPair, registerFixture, selfieOf, startVerificationWorld, type VerificationWorld } from '../helpers/verification.ts';
import { CHANNEL_ERROR, VERIFICATION_UNAVAILABLE } from '../../src/verification/channel.ts';
import { ChannelRegistry } from '../../src/verification/channel-registry.ts';
import { PaidCheckLimiter } from '../../src/verification/paid-check-limits.ts';
import { VerificationService } from '../../src/verification/verification-service.ts';
import { QuotaCounterStore } from '../../src/store/verification-quota.ts';
import { EvidenceStore } from '../../src/store/verification-evidence.ts';
import { APP_A, channel, rejectsWithCode } from '../verification/helpers.ts';
import { EVIDENCE_HASH_CONTEXT } from '../../src/container-verification.ts';
import { describeChecked } from '../../src/verification/evidence.ts';

// Checks run through the service, over real HTTP to the sandbox authority, with evidence, quota
// and rate-limit counters in the real database.
let w: VerificationWorld;

beforeAll(async () => {
  w = await startVerificationWorld();
  for (const kind of ['population', 'bank_card', 'carrier', 'social_security', 'face', 'business_registry'] as const) await addPair(w, kind);
  await addChannel(w, 'counter', 'counter-a');
});
afterAll(() => w?.stop());
beforeEach(() => w.admin.reset());

const evidenceRows = (personId: string) => w.c.db.knex('verification_evidence').where({ subject_person_id: personId }).orderBy('at');

describe('each kind against the sandbox', () => {
  it('population: a match is persisted as evidence (masked, hashed, no raw ID number) and raises the level to L2', async () => {
    const { personId, fixture } = await registerFixture(w.c, '张伟');
    expect((await w.c.verification.service.levelOf(personId)).level.id).toBe('L1');
    const out = await w.c.verification.service.checkPerson(personId, { kind: 'population' }, { ip: '198.51.100.7' });
    expect(out).toMatchObject({ kind: 'population', result: 'match', channelId: 'population-a' });
    expect(out.status.level.id).toBe('L2');
    const rows = await evidenceRows(personId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: out.evidenceId, kind: 'population', result: 'match', channel_id: 'population-a', actor: personId });
    expect(rows[0].authority_ref).toMatch(/^POP/);
    expect(rows[0].checked).toContainEqual(expect.objectContaining({ field: 'idNumber', masked: '1501**********0177' }));
    expect(JSON.stringify(rows)).not.toContain(fixture.idNumber);
    const [called] = await w.c.db.knex('audit_events').where({ action: 'verification.called', target: personId });
    expect(called).toMatchObject({ actor: personId, detail: { channel: 'population-a', kind: 'population', result: 'match', evidence: out.evidenceId } });
    expect(JSON.stringify(called)).not.toContain(fixture.idNumber);
  });

  it('population: an account whose details the authority does not hold gets a mismatch and stays L1', async () => {
    const reg = await w.c.persons.register({ name: '张三', idNumber: idNumber(), phone: phone(), password: PASSWORD });
    const out = await w.c.verification.service.checkPerson(reg.ok ? reg.personId! : '', { kind: 'population' });
    expect(out).toMatchObject({ result: 'mismatch', reason: 'not_found' });
    expect(out.status.level.id).toBe('L1');
  });

  it('bank card: the four elements match, a wrong reserved mobile does not', async () => {
    const { personId, fixture } = await registerFixture(w.c, '李娜');
    const card = fixture.bankCards[0]!;
    await expect(w.c.verification.service.checkPerson(personId, { kind: 'bank_card', cardNumber: card.number, mobile: '13900000099' }))
      .resolves.toMatchObject({ result: 'mismatch' });
    await w.c.verification.service.checkPerson(personId, { kind: 'population' });
    const ok = await w.c.verification.service.checkPerson(personId, { kind: 'bank_card', cardNumber: card.number.replace(/(\d{4})/g, '$1 ') });
    expect(ok).toMatchObject({ result: 'match', channelId: 'bank_card-a' });
    expect(ok.status.level.id).toBe('L3');
    const rows = await evidenceRows(personId);
    expect(JSON.stringify(rows)).not.toContain(card.number);
    await expect(w.c.verification.service.checkPerson(personId, { kind: 'bank_card', cardNumber: '6222021500000000017' }))
      .rejects.toMatchObject({ kind: 'invalid_input', code: 'bank_card.invalid' });
  });

  it('face: the person\'s selfie matches; someone else\'s face and a spoof do not', async () => {
    const { personId, fixture } = await registerFixture(w.c, '陈静');
    const mine = await w.c.verification.service.checkPerson(personId, { kind: 'face', image: selfieOf(fixture.faceToken).toString('base64') });
    expect(mine).toMatchObject({ result: 'match' });
    const other = await w.c.verification.service.checkPerson(personId, { kind: 'face', image: selfieOf('FACE-TPL-ZW-5c1e').toString('base64') });
    expect(other).toMatchObject({ result: 'mismatch', reason: 'face_mismatch' });
    const spoof = await w.c.verification.service.checkPerson(personId, { kind: 'face', image: selfieOf(fixture.faceToken, 'SPOOF').toString('base64') });
    expect(spoof).toMatchObject({ result: 'mismatch', reason: 'liveness_failed' });
    const rows = await evidenceRows(personId);
    expect(rows.map((r) => r.checked.find((c: { field: string }) => c.field === 'image')?.masked)).toEqual(expect.arrayContaining([expect.stringMatching(/^\[image, \d+ bytes\]$/)]));
  });

  it('carrier and social security', async () => {
    const { personId } = await registerFixture(w.c, '赵磊');
    await expect(w.c.verification.service.checkPerson(personId, { kind: 'carrier' })).resolves.toMatchObject({ result: 'match' });
    await expect(w.c.verification.service.checkPerson(personId, { kind: 'carrier', mobile: '13500000000' })).resolves.toMatchObject({ result: 'mismatch' });
    await expect(w.c.verification.service.checkPerson(personId, { kind: 'social_security' })).resolves.toMatchObject({ result: 'match' });
    await expect(w.c.verification.service.checkPerson(personId, { kind: 'carrier', mobile: '12345' })).rejects.toMatchObject({ code: 'phone.invalid' });
  });

  it('counter: an operator\'s attestation reaches L4', async () => {
    const { personId } = await registerFixture(w.c, '吴刚');
    const out = await w.c.verification.service.attestAtCounter(personId, { operatorId: 'OP-150102-001', officeId: 'HALL-150102-01', documentType: 'resident_id_card' });
    expect(out).toMatchObject({ result: 'match' });
    expect(out.status.level.id).toBe('L4');
    const unknown = await w.c.verification.service.attestAtCounter(personId, { operatorId: 'OP-X', officeId: 'HALL-X', documentType: 'passport' });
    expect(unknown).toMatchObject({ result: 'mismatch', reason: 'operator_unknown' });
  });

  it('business registry: verifyEnterprise confirms a legal representative, and notices a revoked or different one', async () => {
    const verify = w.c.verification.enterprises.verifyEnterprise; // usable as a plain function
    const ok = await verify({ creditCode: '91150102MA0N3C5D54', name: '呼和浩特青城数字科技有限公司', legalRepName: '张伟', legalRepIdNumber: '150102198503140177' });
    expect(ok).toMatchObject({ match: true, reason: null, registered: { legalRepresentativeName: '张伟', status: 'active' } });
    expect(ok.authorityRef).toMatch(/^BIZ/);
    const other = await verify({ creditCode: '91150102MA0N3C5D54', name: '呼和浩特青城数字科技有限公司', legalRepName: '李娜', legalRepIdNumber: '370102199207080267' });
    expect(other).toMatchObject({ match: false, reason: 'inconsistent', registered: { legalRepresentativeName: '张伟' } });
    const revoked = await verify({ creditCode: '91330106MA2B7E1R43', name: '杭州西湖文化传播有限公司', legalRepName: '陈静', legalRepIdNumber: '330106196605110622' });
    expect(revoked).toMatchObject({ match: false, reason: 'not_active' });
    await expect(verify({ creditCode: '91350100M000100Y44', name: 'x', legalRepName: '张伟', legalRepIdNumber: '150102198503140177' }))
      .rejects.toMatchObject({ kind: 'invalid_input', code: 'credit_code.checksum' });
    const rows = await w.c.db.knex('verification_evidence').where({ kind: 'business_registry' });
    expect(JSON.stringify(rows)).not.toContain('150102198503140177');
  });
});

describe('assurance level from stored evidence', () => {
  it('counts only unexpired matches about the person\'s current identity', async () => {
    const { personId, fixture } = await registerFixture(w.c, '王芳');
    const hash = (v: string) => w.c.crypto.blindIndex(v, EVIDENCE_HASH_CONTEXT);
    const record = (daysAgo: number, who: { name: string; idNumber: string }, result = 'match') => w.c.verification.evidence.record({
      id: crypto.randomUUID(), channelId: 'population-a', kind: 'population', checked: describeChecked('population', who, hash),
      result, errorCode: null, authorityRef: 'POP-TEST', at: new Date(Date.now() - daysAgo * 86_400_000).toISOString(),
      latencyMs: 5, subjectPersonId: personId, actor: 'test',
    });
    const level = async () => (await w.c.verification.service.levelOf(personId)).level.id;
    await record(1_100, fixture); // older than the 1095 days a population match counts
    expect(await level()).toBe('L1');
    await record(1, { name: fixture.name, idNumber: '370102199207080267' }); // someone else's number
    await record(1, fixture, 'mismatch');
    expect(await level()).toBe('L1');
    await record(1_090, fixture);
    expect(await level()).toBe('L2');
    // A bank card match on a card with another reserved mobile is a mismatch: still L2.
    await expect(w.c.verification.service.checkPerson(personId, { kind: 'bank_card', cardNumber: fixture.bankCards[0]!.number }))
      .resolves.toMatchObject({ result: 'mismatch' });
    const out = await w.c.verification.service.checkPerson(personId, { kind: 'bank_card', cardNumber: fixture.bankCards[0]!.number, mobile: fixture.bankCards[0]!.reservedMobile });
    expect(out.status.level.id).toBe('L3');
  });
});

describe('outages', () => {
  it('falls back to the second channel on timeout, 5xx, malformed answer and outage, with evidence of every attempt', async () => {
    const { personId } = await registerFixture(w.c, '黄蕾');
    const faults = [
      { mode: 'slow', delayMs: 2_500 },
      { mode: 'error', status: 502 },
      { mode: 'malformed' },
      { mode: 'down' },
    ] as const;
    const codes = [CHANNEL_ERROR.timeout, CHANNEL_ERROR.httpError, CHANNEL_ERROR.malformed, CHANNEL_ERROR.network];
    for (const [i, fault] of faults.entries()) {
      await w.admin.reset();
      await w.admin.setFault({ appId: APP_A.appId, ...fault });
      const out = await w.c.verification.service.checkPerson(personId, { kind: 'social_security' });
      expect(out).toMatchObject({ result: 'match', channelId: 'social_security-b' });
      const failed = (await evidenceRows(personId)).filter((r) => r.result === 'error');
      expect(failed.at(-1)).toMatchObject({ channel_id: 'social_security-a', error_code: codes[i] });
    }
    const calls = await w.c.db.knex('audit_events').where({ action: 'verification.called', target: personId }).orderBy('id');
    expect(calls.map((e) => [e.detail.channel, e.detail.result, e.detail.errorCode])).toEqual(codes.flatMap((code) => [['social_security-a', 'error', code], ['social_security-b', 'match', null]]));
  });

  it('fails closed when every channel is down, and keeps what was already verified', async () => {
    const { personId } = await registerFixture(w.c, '刘洋');
    await w.c.verification.service.checkPerson(personId, { kind: 'population' });
    await w.admin.setFault({ mode: 'down' });
    const err = await rejectsWithCode(w.c.verification.service.checkPerson(personId, { kind: 'bank_card', cardNumber: '6230582300000000049' }), VERIFICATION_UNAVAILABLE);
    expect(err.kind).toBe('unavailable');
    expect((await w.c.verification.service.levelOf(personId)).level.id).toBe('L2');
    expect((await evidenceRows(personId)).map((r) => r.result)).toEqual(['match', 'error', 'error']);
  });
});

describe('quota and rate limits', () => {
  it('shares a daily quota between processes through the database', async () => {
    await addChannel(w, 'carrier', 'carrier-quota', { priority: 0, dailyQuota: 1 });
    const { personId } = await registerFixture(w.c, '杨帆');
    expect((await w.c.verification.service.checkPerson(personId, { kind: 'carrier' })).channelId).toBe('carrier-quota');
    // A second process: its own registry and breaker, the same database.
    const other = new ChannelRegistry({ evidence: new EvidenceStore(w.c.db.knex), hash: (v) => v.length.toString(), quotaStore: new QuotaCounterStore(w.c.db.knex) });
    other.replaceAll([channel(w.sandbox, 'carrier', 'carrier-quota', { dailyQuota: 1, timeoutMs: 500 })]);
    await rejectsWithCode(other.verify('carrier', { name: '杨帆', idNumber: '150105199902280736', mobile: '13000000006' }), VERIFICATION_UNAVAILABLE);
    const health = await w.c.verification.channels.health();
    expect(health.find((h) => h.id === 'carrier-quota')).toMatchObject({ quotaUsedToday: 1, dailyQuota: 1 });
    await w.c.verification.channels.remove('carrier-quota', 'test');
  });

  it('limits paid checks per person, per address and per ID number', async () => {
    const v = w.c.verification;
    const limited = (limits: ConstructorParameters<typeof PaidCheckLimiter>[1]) => new VerificationService({
      person: (id) => w.c.persons.get(id), registry: v.registry, ready: () => v.channelSync.ready(), assurance: v.assurance,
      limiter: new PaidCheckLimiter(w.c.limits, limits), idNumberIndex: (n) => w.c.crypto.blindIndex(n, 'verification.evidence'),
    });
    const wide = { max: 100, windowSeconds: 3600 };
    const { personId } = await registerFixture(w.c, '周敏');
    const perPerson = limited({ perPerson: { max: 2, windowSeconds: 3600 }, perIp: wide, perIdNumber: wide });
    await perPerson.checkPerson(personId, { kind: 'population' });
    await perPerson.checkPerson(personId, { kind: 'population' });
    await expect(perPerson.checkPerson(personId, { kind: 'population' })).rejects.toMatchObject({ kind: 'rate_limited', code: 'verification.rate_limited' });

    const perIp = limited({ perPerson: wide, perIp: { max: 1, windowSeconds: 3600 }, perIdNumber: wide });
    await perIp.checkPerson(personId, { kind: 'social_security' }, { ip: '203.0.113.9' });
    await expect(perIp.checkPerson(personId, { kind: 'social_security' }, { ip: '203.0.113.9' })).rejects.toMatchObject({ code: 'verification.rate_limited' });
    await expect(perIp.checkPerson(personId, { kind: 'social_security' }, { ip: '203.0.113.10' })).resolves.toMatchObject({ result: 'match' });

    // Refused before any call reaches the authority.
    const sandboxCalls = (await w.admin.requests({ kind: 'population' })).length;
    const perId = limited({ perPerson: wide, perIp: wide, perIdNumber: { max: 0, windowSeconds: 3600 } });
    await expect(perId.checkPerson(personId, { kind: 'population' })).rejects.toMatchObject({ code: 'verification.rate_limited' });
    expect((await w.admin.requests({ kind: 'population' })).length).toBe(sandboxCalls);
    // The counters are keyed by hashes: the table never holds an ID number.
    expect(JSON.stringify(await w.c.db.knex('rate_limits'))).not.toContain('810000199506060222');
  });
});
