/**
 * The real-name check at registration (population channel on the sandbox authority): a match
 * starts the account at L2, a mismatch is refused, an outage fails closed when required and lets
 * the account start at L1 when optional. Only a visitor who proved the phone and passed the check
 * is told that the ID number already has an account.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { UserAgent, type Page } from '../helpers/browser.ts';
import { person, phone } from '../helpers/identities.ts';
import { registerPlatform, type Platform } from '../helpers/platform.ts';
import { registerThroughPages, startRegistration, strip } from '../helpers/registration.ts';
import { addChannel, startVerificationWorld, type VerificationWorld } from '../helpers/verification.ts';
import { person as fixture } from '../verification/helpers.ts';

let w: VerificationWorld; // REGISTRATION_REAL_NAME unset: required, as a population channel is enabled
let optional: VerificationWorld;
let platform: Platform;
let optionalPlatform: Platform;

beforeAll(async () => {
  [w, optional] = await Promise.all([startVerificationWorld(), startVerificationWorld({ REGISTRATION_REAL_NAME: 'optional' })]);
  for (const world of [w, optional]) {
    await addChannel(world, 'sms', 'sms-a');
    await addChannel(world, 'population', 'population-a');
  }
  platform = await registerPlatform(w.c, w.server.issuer);
  optionalPlatform = await registerPlatform(optional.c, optional.server.issuer);
});
afterAll(() => Promise.all([w?.stop(), optional?.stop()]));
beforeEach(async () => {
  for (const world of [w, optional]) {
    await world.c.db.knex('rate_limits').delete();
    await world.admin.reset();
  }
});

const of = (name: string, mobile = phone()) => {
  const f = fixture(name);
  return { name: f.name, idNumber: f.idNumber, phone: mobile, password: 'Correct-Horse-9' };
};
const accountOf = (world: VerificationWorld, idNumber: string) => world.c.persons.findByIdentifier(idNumber);
const levelOf = async (world: VerificationWorld, idNumber: string) => (await world.c.verification.assurance.levelOf((await accountOf(world, idNumber))!.id)).level.id;

describe('real-name check required (the default with a population channel)', () => {
  it('a match creates the account at L2, with the phone proven and the evidence attached', async () => {
    const p = of('张伟');
    const done = await registerThroughPages(new UserAgent(w.server.issuer), platform, w.admin, p);
    expect(done.html).toContain('注册申请已受理');
    const row = (await accountOf(w, p.idNumber))!;
    expect(row.phone_verified_at).toBeInstanceOf(Date);
    expect(await levelOf(w, p.idNumber)).toBe('L2');
    const evidence = await w.c.db.knex('verification_evidence').where({ subject_person_id: row.id }).select('kind', 'result', 'actor');
    expect(evidence).toEqual([{ kind: 'population', result: 'match', actor: 'registration' }]);
    expect((await w.admin.requests({ kind: 'population' })).length).toBeGreaterThanOrEqual(1);
  });

  it('a mismatch is refused with a clear message and creates nothing', async () => {
    const wrongName = { ...of('李娜'), name: '李四' };
    const unknown = person();
    for (const p of [wrongName, unknown]) {
      const page = await registerThroughPages(new UserAgent(w.server.issuer), platform, w.admin, p);
      expect(page.status).toBe(400);
      expect(page.html).toContain('姓名与身份证号码核验不一致');
      expect(await accountOf(w, p.idNumber)).toBeUndefined();
    }
  });

  it('an outage fails closed (503, try again later); once the authority is back, "try again" finishes without a new code', async () => {
    const p = of('王芳');
    await w.admin.setFault({ kind: 'population', mode: 'down' });
    const ua = new UserAgent(w.server.issuer);
    const refused = await registerThroughPages(ua, platform, w.admin, p);
    expect(refused.status).toBe(503);
    expect(refused.html).toContain('实名核验服务暂时不可用');
    expect(await accountOf(w, p.idNumber)).toBeUndefined();
    await w.admin.reset();
    const done = (await ua.submit(refused, '/register/complete')) as Page;
    expect(done.html).toContain('注册申请已受理');
    expect(await levelOf(w, p.idNumber)).toBe('L2');
  });

  it('tells that the ID number has an account only after the phone is proven AND the check passed, throttled per ID number', async () => {
    const owner = of('刘洋');
    await registerThroughPages(new UserAgent(w.server.issuer), platform, w.admin, owner);
    // Before the code: the same page as anyone's.
    const squatter = { ...owner, phone: phone(), password: 'Other-Horse-7' };
    const beforeProof = await startRegistration(new UserAgent(w.server.issuer), platform, squatter);
    const freshPage = await startRegistration(new UserAgent(w.server.issuer), platform, person());
    expect(beforeProof.status).toBe(200);
    expect(strip(beforeProof.html)).toBe(strip(freshPage.html));
    // A wrong name for a registered number: the mismatch, not the account.
    const guess = await registerThroughPages(new UserAgent(w.server.issuer), platform, w.admin, { ...squatter, phone: phone(), name: '刘海' });
    expect(guess.status).toBe(400);
    expect(guess.html).not.toContain('已注册');
    // Phone proven and the real name right: told, offered login, recovery and reclaiming it.
    for (let i = 0; i < 3; i++) {
      const told = await registerThroughPages(new UserAgent(w.server.issuer), platform, w.admin, { ...squatter, phone: phone() });
      expect(told.status).toBe(409);
      expect(told.html).toContain('该身份证号码已注册一号账号');
      expect(told.html).toMatch(/href="\/interaction\/[\w-]+\/recover"/);
      expect(told.html).toMatch(/<form method="post" action="\/interaction\/[\w-]+\/reclaim">/);
    }
    const fourth = await registerThroughPages(new UserAgent(w.server.issuer), platform, w.admin, { ...squatter, phone: phone() });
    expect(fourth.status).toBe(429);
    // Still one account, with the owner's password.
    await expect(w.c.login.authenticate(owner.idNumber, owner.password, '10.9.9.9')).resolves.toBe((await accountOf(w, owner.idNumber))!.id);
  });

  it('with a carrier channel: name + ID number + the proven phone in one call also counts (L2)', async () => {
    await addChannel(w, 'carrier', 'carrier-a');
    const f = fixture('陈静');
    const p = of('陈静', f.mobiles[0]!.number);
    const done = await registerThroughPages(new UserAgent(w.server.issuer), platform, w.admin, p);
    expect(done.html).toContain('注册申请已受理');
    expect(await levelOf(w, p.idNumber)).toBe('L2');
    const row = (await accountOf(w, p.idNumber))!;
    expect(await w.c.db.knex('verification_evidence').where({ subject_person_id: row.id }).pluck('kind')).toEqual(['carrier']);
    // A phone in someone else's name: the carrier says no, the population check still decides.
    const other = of('黄蕾');
    expect((await registerThroughPages(new UserAgent(w.server.issuer), platform, w.admin, other)).html).toContain('注册申请已受理');
    expect(await levelOf(w, other.idNumber)).toBe('L2');
  });
});

describe('real-name check optional', () => {
  it('an outage lets the account start at L1; a mismatch is still refused; a duplicate is not disclosed', async () => {
    await optional.admin.setFault({ kind: 'population', mode: 'down' });
    const p = of('赵磊');
    const done = await registerThroughPages(new UserAgent(optional.server.issuer), optionalPlatform, optional.admin, p);
    expect(done.html).toContain('注册申请已受理');
    expect(await levelOf(optional, p.idNumber)).toBe('L1');
    // Not verified, so not told: the generic answer for the same number again.
    const dup = await registerThroughPages(new UserAgent(optional.server.issuer), optionalPlatform, optional.admin, { ...p, phone: phone() });
    expect(dup.html).toContain('注册申请已受理');
    await optional.admin.reset();
    const mismatch = await registerThroughPages(new UserAgent(optional.server.issuer), optionalPlatform, optional.admin, person());
    expect(mismatch.status).toBe(400);
    expect(mismatch.html).toContain('姓名与身份证号码核验不一致');
  });
});
