import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CHANNEL_KINDS } from '../../src/verification/channel.ts';
import { VERIFICATION_INVALID_REQUEST } from '../../src/verification/channel.ts';
import { FACE_THRESHOLD, SPOOF_MARKER } from '../../src/sandbox/authorities.ts';
import { b64, channel, fixtures, person, registry, rejectsWithCode, startSandbox, type Harness } from './helpers.ts';

let h: Harness;
let reg: ReturnType<typeof registry>;
beforeAll(async () => {
  h = await startSandbox();
  // These tests are about answers, not timeouts: a generous timeout keeps them steady on a loaded machine.
  reg = registry(CHANNEL_KINDS.map((kind) => channel(h.sandbox, kind, `${kind.replace('_', '-')}-1`, { timeoutMs: 2_000 })));
});
afterAll(async () => {
  await h.sandbox.close();
});
beforeEach(async () => {
  await h.admin.reset();
  reg.evidence.clear();
});

const zhang = person('张伟');
const li = person('李娜');
const wang = person('王芳');
const [zhangCard] = zhang.bankCards;
const [wangCard] = wang.bankCards;
const [bizZhang, , , revoked] = fixtures.enterprises;
const [operator] = fixtures.operators;
if (!zhangCard || !wangCard || !bizZhang || !revoked || !operator) throw new Error('fixtures changed');

describe('each channel kind against the sandbox', () => {
  it('population: match, wrong name, unknown number', async () => {
    const ok = await reg.registry.verify('population', { name: zhang.name, idNumber: zhang.idNumber });
    expect(ok.response).toMatchObject({ result: 'match' });
    expect(ok.evidence.authorityRef).toBe(ok.response.referenceId);
    const wrongName = await reg.registry.verify('population', { name: '张三', idNumber: zhang.idNumber });
    expect(wrongName.response).toMatchObject({ result: 'mismatch', reason: 'inconsistent' });
    const unknown = await reg.registry.verify('population', { name: '张三', idNumber: '11010519491231002X' });
    expect(unknown.response).toMatchObject({ result: 'mismatch', reason: 'not_found' });
  });

  it('face: the template token matches, another face or a spoof does not', async () => {
    const req = { name: zhang.name, idNumber: zhang.idNumber };
    const ok = await reg.registry.verify('face', { ...req, image: b64(`\xff\xd8JPEG${zhang.faceToken}\xff\xd9`) });
    expect(ok.response.result).toBe('match');
    expect(ok.response.similarity).toBeGreaterThanOrEqual(FACE_THRESHOLD);
    expect(ok.response.liveness).toBe('pass');
    const other = await reg.registry.verify('face', { ...req, image: b64(`JPEG${li.faceToken}`) });
    expect(other.response).toMatchObject({ result: 'mismatch', liveness: 'pass', reason: 'face_mismatch' });
    expect(other.response.similarity).toBeLessThan(FACE_THRESHOLD);
    const spoof = await reg.registry.verify('face', { ...req, image: b64(`JPEG${zhang.faceToken}${SPOOF_MARKER}`) });
    expect(spoof.response).toMatchObject({ result: 'mismatch', liveness: 'fail', reason: 'liveness_failed' });
  });

  it('bank_card: four elements match only with the reserved mobile', async () => {
    const ok = await reg.registry.verify('bank_card', {
      name: zhang.name,
      idNumber: zhang.idNumber,
      cardNumber: zhangCard.number,
      mobile: zhangCard.reservedMobile,
    });
    expect(ok.response.result).toBe('match');
    const otherPhone = await reg.registry.verify('bank_card', {
      name: wang.name,
      idNumber: wang.idNumber,
      cardNumber: wangCard.number,
      mobile: wang.mobiles[0]?.number ?? '',
    });
    expect(otherPhone.response.result).toBe('mismatch');
  });

  it('carrier: three elements', async () => {
    const mobile = li.mobiles[0]?.number ?? '';
    expect((await reg.registry.verify('carrier', { name: li.name, idNumber: li.idNumber, mobile })).response.result).toBe('match');
    const wrong = await reg.registry.verify('carrier', { name: li.name, idNumber: li.idNumber, mobile: '13900000001' });
    expect(wrong.response.result).toBe('mismatch');
  });

  it('business_registry: confirms the legal representative, reports who is registered', async () => {
    const req = { creditCode: bizZhang.creditCode, enterpriseName: bizZhang.name, legalRepName: zhang.name, legalRepIdNumber: zhang.idNumber };
    const ok = await reg.registry.verify('business_registry', req);
    expect(ok.response).toMatchObject({
      result: 'match',
      registered: { enterpriseName: bizZhang.name, legalRepresentativeName: zhang.name, status: 'active' },
    });
    const notRep = await reg.registry.verify('business_registry', { ...req, legalRepName: li.name, legalRepIdNumber: li.idNumber });
    expect(notRep.response).toMatchObject({ result: 'mismatch', registered: { legalRepresentativeName: zhang.name } });
    const rep = person('陈静');
    const gone = await reg.registry.verify('business_registry', {
      creditCode: revoked.creditCode,
      enterpriseName: revoked.name,
      legalRepName: rep.name,
      legalRepIdNumber: rep.idNumber,
    });
    expect(gone.response).toMatchObject({ result: 'mismatch', reason: 'not_active', registered: { status: 'revoked' } });
    const unknown = await reg.registry.verify('business_registry', { ...req, creditCode: '91350100M000100Y43' });
    expect(unknown.response).toMatchObject({ result: 'mismatch', registered: null });
  });

  it('social_security: insured status', async () => {
    const ok = await reg.registry.verify('social_security', { name: wang.name, idNumber: wang.idNumber });
    expect(ok.response).toMatchObject({ result: 'match', insuredStatus: 'suspended' });
    const bad = await reg.registry.verify('social_security', { name: li.name, idNumber: wang.idNumber });
    expect(bad.response).toMatchObject({ result: 'mismatch', insuredStatus: null });
  });

  it('counter: a known operator attests, an unknown one cannot', async () => {
    const req = { operatorId: operator.operatorId, officeId: operator.officeId, name: zhang.name, idNumber: zhang.idNumber, documentType: 'resident_id_card' as const };
    const ok = await reg.registry.verify('counter', req, { actor: operator.operatorId });
    expect(ok.response.result).toBe('match');
    expect(ok.response.attestationRef).toMatch(/^ATT-/);
    expect(ok.evidence.actor).toBe(operator.operatorId);
    const stranger = await reg.registry.verify('counter', { ...req, operatorId: 'OP-999' });
    expect(stranger.response).toMatchObject({ result: 'mismatch', reason: 'operator_unknown', attestationRef: null });
  });

  it('sms: the sandbox keeps the last message per number for tests to read', async () => {
    const mobile = zhang.mobiles[0]?.number ?? '';
    const sent = await reg.registry.verify('sms', { mobile, templateId: 'login_code', params: { code: '482913' } });
    expect(sent.response.result).toBe('match');
    const message = await h.admin.lastSms(mobile);
    expect(message).toMatchObject({ params: { code: '482913' }, referenceId: sent.response.referenceId });
    expect(message?.text).toContain('482913');
    expect(JSON.stringify(reg.evidence.records)).not.toContain('482913'); // the code is a secret
  });
});

describe('requests and evidence', () => {
  it('rejects an invalid request before calling any channel', async () => {
    await rejectsWithCode(reg.registry.verify('carrier', { name: li.name, idNumber: li.idNumber, mobile: '12345' }), VERIFICATION_INVALID_REQUEST);
    expect(reg.evidence.records).toHaveLength(0);
    expect(await h.admin.requests()).toHaveLength(0);
  });

  it('records who, what and when without the raw ID number', async () => {
    const out = await reg.registry.verify('population', { name: zhang.name, idNumber: zhang.idNumber }, { subjectPersonId: 'person-1' });
    await reg.registry.verify('bank_card', { name: zhang.name, idNumber: zhang.idNumber, cardNumber: zhangCard.number, mobile: zhangCard.reservedMobile });
    expect(reg.evidence.records).toHaveLength(2);
    expect(out.evidence).toMatchObject({
      channelId: 'population-1',
      kind: 'population',
      result: 'match',
      errorCode: null,
      subjectPersonId: 'person-1',
    });
    expect(out.evidence.checked).toEqual([
      { field: 'name', hash: expect.stringMatching(/^[0-9a-f]{64}$/), masked: '张*' },
      { field: 'idNumber', hash: expect.stringMatching(/^[0-9a-f]{64}$/), masked: '1501**********0177' },
    ]);
    expect(Date.parse(out.evidence.at)).not.toBeNaN();
    expect(out.evidence.latencyMs).toBeGreaterThanOrEqual(0);
    const json = JSON.stringify(reg.evidence.records);
    for (const raw of [zhang.idNumber, zhangCard.number, zhangCard.reservedMobile]) expect(json).not.toContain(raw);
  });
});
