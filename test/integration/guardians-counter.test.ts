/**
 * A ladder that asks for counter evidence of the relationship: the guardian's declaration waits
 * (pending, no acting) until a service counter confirms it; the counter desk calls the domain.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleLogin } from '../helpers/account.ts';
import { birthYearsAgo } from '../helpers/acting-for.ts';
import { raiseTo } from '../helpers/assurance.ts';
import { UserAgent, type Page } from '../helpers/browser.ts';
import { tmpDir } from '../helpers/env.ts';
import { idNumber, person } from '../helpers/identities.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
const guardian = { ...person(), name: '郑监护' };
let guardianId: string;

beforeAll(async () => {
  const ladder = JSON.parse(readFileSync('src/verification/assurance-ladder.json', 'utf8'));
  ladder.guardianship.relationshipEvidence = 'counter';
  const file = path.join(tmpDir(), 'ladder.json');
  writeFileSync(file, JSON.stringify(ladder));
  server = await startTestServer({ ASSURANCE_LADDER_FILE: file });
  const r = await server.container.persons.register(guardian);
  if (!r.ok || !r.personId) throw new Error('seed failed');
  guardianId = r.personId;
  await raiseTo(server.container, guardianId, guardian, 'L2');
});
afterAll(() => server?.stop());

describe('guardianship confirmed at a counter', () => {
  it('waits for the counter, then acts', async () => {
    const ua = new UserAgent(server.issuer);
    await consoleLogin(ua, guardian.idNumber, guardian.password);
    const child = { name: '郑小朋', idNumber: idNumber(birthYearsAgo(5)), relationship: 'guardian' };
    const added = (await ua.submit(await ua.page('/account/family'), '/account/family/wards/add', child)) as Page;
    expect(/<p class="notice" role="status">([^<]*)<\/p>/.exec(added.html)?.[1]).toContain('服务窗口核验后生效');
    expect(added.html).toContain('待窗口核验');
    const platform = { clientId: 'any-platform', minorOwnConsent: false };
    expect(await server.container.personRoles.rolesFor(guardianId, platform)).toEqual([]);

    const g = server.container.naturalPersons.guardianships;
    const [link] = await server.container.db.knex('guardianships').where({ guardian_person_id: guardianId });
    await expect(g.confirmAtCounter(link.id, { operator: 'desk-3', evidenceRef: '' })).rejects.toMatchObject({ code: 'guardianship.counter_ref' });
    await g.confirmAtCounter(link.id, { operator: 'desk-3', evidenceRef: 'HH-REG-0042' });
    expect(await server.container.personRoles.rolesFor(guardianId, platform)).toMatchObject([{ basis: 'guardian', name: child.name, relationship: 'guardian', stage: 'minor_under_14' }]);
    await expect(g.confirmAtCounter(link.id, { operator: 'desk-3', evidenceRef: 'HH-REG-0042' })).rejects.toMatchObject({ code: 'guardianship.not_pending' });
    const audit = await server.container.db.knex('audit_events').where({ action: 'guardianship.confirmed_at_counter', target: link.id });
    expect(audit).toMatchObject([{ actor: 'desk-3', detail: { ref: 'HH-REG-0042' } }]);
  });
});
