/**
 * With a population channel enabled, a ward's name and ID number are checked with the authority
 * (the sandbox, over HTTP) before any record of the child is created: a mismatch is refused, an
 * outage fails closed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleLogin } from '../helpers/account.ts';
import { birthYearsAgo } from '../helpers/acting-for.ts';
import { raiseTo } from '../helpers/assurance.ts';
import { UserAgent, type Page } from '../helpers/browser.ts';
import { idNumber, person } from '../helpers/identities.ts';
import { addChannel, startVerificationWorld, type VerificationWorld } from '../helpers/verification.ts';

let w: VerificationWorld;
const guardian = { ...person(), name: '陈家长' };

beforeAll(async () => {
  w = await startVerificationWorld();
  await addChannel(w, 'population', 'population-a');
  const r = await w.c.persons.register(guardian);
  if (!r.ok || !r.personId) throw new Error('seed failed');
  await raiseTo(w.c, r.personId, guardian, 'L2');
});
afterAll(() => w?.stop());

const error = (p: Page) => /<p class="error" role="alert"[^>]*>([^<]*)<\/p>/.exec(p.html)?.[1] ?? '';

describe('a ward checked against the population database', () => {
  it('refuses a child the authority does not know, and fails closed when it cannot answer', async () => {
    const ua = new UserAgent(w.server.issuer);
    await consoleLogin(ua, guardian.idNumber, guardian.password);
    const child = { name: '陈小虚', idNumber: idNumber(birthYearsAgo(8)) };
    const refused = (await ua.submit(await ua.page('/account/family'), '/account/family/wards/add', { ...child, relationship: 'parent' })) as Page;
    expect(refused.status).toBe(409);
    expect(error(refused)).toContain('姓名与该证件号码的登记信息不符');
    expect(await w.c.persons.findByIdentifier(child.idNumber)).toBeUndefined();
    expect((await w.admin.requests({ kind: 'population' })).length).toBeGreaterThan(0);

    await w.admin.setFault({ mode: 'down' });
    const down = (await ua.submit(await ua.page('/account/family'), '/account/family/wards/add', { ...child, idNumber: idNumber(birthYearsAgo(9)), relationship: 'parent' })) as Page;
    expect(down.status).toBe(503);
    expect(await w.c.db.knex('guardianships')).toEqual([]);
    await w.admin.reset();
  });
});
