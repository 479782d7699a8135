/**
 * Reclaiming at a service counter (reclaim.completeAtCounter, the counter desk's entry point): an
 * operator's in-person check reaches L4, above an account the squatter raised to L3, and the
 * account moves to the person's new phone; after that no further reclaim, online or at a
 * counter, can take it back. Through the domain service, against the sandbox's counter channel.
 */
import * as oidc from 'openid-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { raiseTo } from '../helpers/assurance.ts';
import { UserAgent } from '../helpers/browser.ts';
import { phone } from '../helpers/identities.ts';
import type { LogoutReceiver } from '../helpers/logout-receiver.ts';
import { offlineLogin, type Platform } from '../helpers/platform.ts';
import { openReclaim, resetReclaimWorld, squat, startReclaimWorld, toldRegistered } from '../helpers/reclaim.ts';
import { registerFixture, type VerificationWorld } from '../helpers/verification.ts';
import { rejectsWithCode } from '../verification/helpers.ts';

let w: VerificationWorld;
let platform: Platform;
let receiver: LogoutReceiver;
const DESK = { operator: 'OP-150102-001', hall: 'HALL-150102-01' };

let stop: () => Promise<void>;

beforeAll(async () => {
  ({ w, platform, receiver, stop } = await startReclaimWorld(['sms', 'population', 'face', 'counter']));
});
afterAll(() => stop?.());
beforeEach(() => resetReclaimWorld(w));

const ua = () => new UserAgent(w.server.issuer);
const canLogIn = (identifier: string, password: string) => w.c.login.authenticate(identifier, password, '10.1.1.2').then(() => true, () => false);
const levelOf = async (personId: string) => (await w.c.verification.assurance.levelOf(personId)).level.id;

describe('reclaiming at a counter', () => {
  it('L4 at the counter takes back an L3 account with an enterprise role; nothing can take it back after', async () => {
    // The squatter reached L3 somehow and became a legal representative with an agent.
    const squatter = await squat(w, ua(), platform, '赵磊');
    await raiseTo(w.c, squatter.personId, squatter.fixture, 'L3');
    const { enterprise, claimId } = await w.c.enterprises.claim(squatter.personId, { creditCode: '91150102MA0N3C5D54', name: '呼和浩特青城数字科技有限公司' });
    await w.c.enterprises.verifyClaim(claimId, 'cli', 'DESK-0');
    const agent = await registerFixture(w.c, '杨帆');
    const grant = await w.c.delegations.grant(squatter.personId, enterprise.id, {
      agentName: agent.fixture.name, agentIdNumber: agent.fixture.idNumber, allPlatforms: true, platforms: [], expiresAt: new Date(Date.now() + 86_400_000),
    });
    await raiseTo(w.c, agent.personId, agent.fixture, 'L2');
    await w.c.delegations.accept(agent.personId, grant);
    const tokens = await offlineLogin(platform, ua(), squatter.phone, squatter.password);

    // Online, the real person meets a counter-only page: L3 cannot take an L3 account.
    const browser = ua();
    const told = await toldRegistered(w, browser, platform, '赵磊');
    const online = await openReclaim(browser, told.page);
    expect(online.html).toContain('id="counter-only"');
    expect(online.html).not.toContain('/reclaim/check/');

    // At the counter: wrong operator, wrong level, then the real check.
    const newPhone = phone();
    await rejectsWithCode(w.c.reclaim.completeAtCounter({ idNumber: squatter.fixture.idNumber, newPhone, operator: 'OP-000000-999', hall: DESK.hall, reference: 'Q-1' }), 'reclaim.counter_mismatch');
    const done = await w.c.reclaim.completeAtCounter({ idNumber: squatter.fixture.idNumber, newPhone, phoneProven: true, ...DESK, reference: 'Q-2' });
    expect(done).toMatchObject({ personId: squatter.personId, level: 'L4' });
    expect(await levelOf(squatter.personId)).toBe('L4');

    // The squatter is out; his representative role and the agent he appointed are suspended.
    expect(await canLogIn(squatter.phone, squatter.password)).toBe(false);
    await expect(oidc.refreshTokenGrant(platform.config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect((await receiver.tokensFor(w.server.issuer, platform.clientId)).map((t) => t.sid)).toContain(tokens.claims()!.sid);
    expect((await w.c.enterprises.findById(enterprise.id))!.legal_rep_person_id).toBeNull();
    expect((await w.c.db.knex('delegations').where({ id: grant }).first()).status).toBe('suspended');
    expect(await w.c.actingRoles.rolesFor(agent.personId, platform.clientId)).toEqual([]);
    expect(await w.admin.lastSms(squatter.phone)).toMatchObject({ templateId: 'account_reclaimed', params: { level: 'L4' } });
    // Nobody knows the password: the person sets one with "forgot password" on the new phone.
    const person = (await w.c.persons.findByIdentifier(newPhone))!;
    expect(person.id).toBe(squatter.personId);
    expect(person.phone_verified_at).toBeInstanceOf(Date);
    const [event] = await w.c.db.knex('audit_events').where({ action: 'person.reclaimed', target: squatter.personId }).select('actor', 'detail');
    expect(event).toMatchObject({ actor: `operator:${DESK.operator}`, detail: { method: 'counter', level: 'L4', previousLevel: 'L3', hall: DESK.hall, reference: 'Q-2', suspendedEnterprises: 1, suspendedDelegations: 1 } });
    expect(JSON.stringify(await w.c.db.knex('audit_events').select('detail', 'target', 'actor'))).not.toContain(squatter.fixture.idNumber);

    // After L4: no counter reclaim above it, and online only the counter note.
    await rejectsWithCode(w.c.reclaim.completeAtCounter({ personId: squatter.personId, newPhone: squatter.phone, ...DESK, reference: 'Q-3' }), 'reclaim.level_too_low');
    expect((await w.c.persons.get(squatter.personId))!.phone).toBe(newPhone);
    await w.c.db.knex('rate_limits').delete();
    const third = ua();
    const last = await toldRegistered(w, third, platform, '赵磊', squatter.phone);
    const final = await openReclaim(third, last.page);
    expect(final.html).toContain('id="counter-only"');
    expect(final.html).not.toContain('/reclaim/check/');
  });

  it('refuses an unknown person, an invalid phone, and a phone bound to another account', async () => {
    await rejectsWithCode(w.c.reclaim.completeAtCounter({ idNumber: '11010519491231002X', newPhone: phone(), ...DESK, reference: 'Q-9' }), 'person.not_found');
    const owner = await registerFixture(w.c, '黄蕾');
    await rejectsWithCode(w.c.reclaim.completeAtCounter({ personId: owner.personId, newPhone: '12345', ...DESK, reference: 'Q-9' }), 'phone.invalid');
    const other = await registerFixture(w.c, '周敏');
    await rejectsWithCode(w.c.reclaim.completeAtCounter({ personId: owner.personId, newPhone: other.fixture.mobiles[0]!.number, ...DESK, reference: 'Q-9' }), 'phone.taken');
    // Nothing changed: the owner still logs in, no reclaim recorded.
    expect(await canLogIn(owner.fixture.mobiles[0]!.number, owner.password)).toBe(true);
    expect(await w.c.db.knex('account_reclaims').where({ person_id: owner.personId })).toHaveLength(0);
  });
});
