/**
 * A minor a guardian added (a ward record: no phone, no password) registers from 14 into that
 * record, once the real-name check passes: the account is theirs, the guardianship stays and
 * narrows by age. Without the check passing, the ward record cannot be taken.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { birthYearsAgo } from '../helpers/acting-for.ts';
import { raiseTo } from '../helpers/assurance.ts';
import { UserAgent } from '../helpers/browser.ts';
import { idNumber, person, phone, PASSWORD } from '../helpers/identities.ts';
import { registerPlatform, type Platform } from '../helpers/platform.ts';
import { registerThroughPages } from '../helpers/registration.ts';
import { addChannel, startVerificationWorld, type VerificationWorld } from '../helpers/verification.ts';

const minorPhone = phone();
const minor = { name: '林小雨', idNumber: idNumber(birthYearsAgo(15), '150102'), phone: minorPhone, password: PASSWORD };
let w: VerificationWorld;
let platform: Platform;
let wardId: string;

beforeAll(async () => {
  w = await startVerificationWorld({}, [{
    name: minor.name, idNumber: minor.idNumber, gender: 'female', mobiles: [{ number: minorPhone, carrier: 'china_mobile' }],
    bankCards: [], insuredStatus: 'none', faceToken: 'minor-face-token-0001',
  }]);
  for (const kind of ['sms', 'population'] as const) await addChannel(w, kind, `${kind}-a`);
  platform = await registerPlatform(w.c, w.server.issuer);
  const parent = person();
  const reg = await w.c.persons.register(parent);
  if (!reg.ok || !reg.personId) throw new Error('seed failed');
  await raiseTo(w.c, reg.personId, parent, 'L2');
  ({ wardPersonId: wardId } = await w.c.naturalPersons.guardianships.addWard(reg.personId, { name: minor.name, idNumber: minor.idNumber, relationship: 'parent' }));
});
afterAll(() => w?.stop());

const canLogIn = (identifier: string, password: string) => w.c.login.authenticate(identifier, password, '10.2.2.2').then(() => true, () => false);

describe('a ward registering at 15', () => {
  it('is refused a ward record whose name the population database does not confirm', async () => {
    const page = await registerThroughPages(new UserAgent(w.server.issuer), platform, w.admin, { ...minor, name: '林小雪', phone: phone() });
    expect(page.status).toBe(400);
    expect((await w.c.persons.get(wardId))!.status).toBe('ward');
  });

  it('takes the ward record as their own account, at L2, with the guardianship kept', async () => {
    expect(await canLogIn(minorPhone, PASSWORD)).toBe(false);
    const page = await registerThroughPages(new UserAgent(w.server.issuer), platform, w.admin, minor);
    expect(page.url).toContain('notice=login.registered');
    const account = (await w.c.persons.get(wardId))!;
    expect(account).toMatchObject({ status: 'active', phone: minorPhone, idNumber: minor.idNumber });
    expect(await canLogIn(minorPhone, PASSWORD)).toBe(true);
    expect((await w.c.verification.assurance.levelOf(wardId)).level.id).toBe('L2');
    const [event] = await w.c.db.knex('audit_events').where({ action: 'person.registered', actor: wardId });
    expect(event.detail).toMatchObject({ realName: 'match', fromWard: true });
    expect(await w.c.db.knex('guardianships').where({ ward_person_id: wardId }).whereNull('ended_at')).toHaveLength(1);
  });

  it('answers a second registration for the number as registered, without a second account', async () => {
    const page = await registerThroughPages(new UserAgent(w.server.issuer), platform, w.admin, { ...minor, phone: phone() });
    expect(page.status).toBe(409);
    expect((await w.c.persons.get(wardId))!.phone).toBe(minorPhone);
  });
});
