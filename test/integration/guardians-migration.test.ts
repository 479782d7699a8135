/** Migration 20261203_020: ward records without a phone, the new tables, and its `down` with a ward in the table. */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateLatest, migrationConfig, type Database } from '../../src/store/db.ts';
import { openMigrated } from '../helpers/migrated-db.ts';

let db: Database;
let close: (() => Promise<void>) | undefined;

beforeAll(async () => {
  ({ db, close } = await openMigrated());
});
afterAll(() => close?.());

const row = (id: string, n: string) => ({ id, name_enc: `n${n}`, id_number_enc: `i${n}`, id_number_bidx: `ib${n}`, phone_enc: `p${n}`, phone_bidx: `pb${n}` });

describe('migration 20261203_020_guardians_proxies', () => {
  it('lets only a ward go without a phone, and undoes cleanly', async () => {
    const knex = db.knex;
    const [guardian, ward, adult] = [randomUUID(), randomUUID(), randomUUID()];
    await knex('persons').insert(row(guardian, '1'));
    await knex('persons').insert({ ...row(ward, '2'), phone_enc: null, phone_bidx: null, status: 'ward' });
    await expect(knex('persons').insert({ ...row(adult, '3'), phone_enc: null, phone_bidx: null })).rejects.toThrow(/persons_fields_unless_closed/);
    await expect(knex('persons').insert({ ...row(adult, '3'), name_enc: null, status: 'ward' })).rejects.toThrow(/persons_fields_unless_closed/);
    const link = { guardian_person_id: guardian, ward_person_id: ward, relationship: 'parent', status: 'active', evidence: 'declared' };
    await knex('guardianships').insert({ id: randomUUID(), ...link });
    // One live link per guardian and ward; an ended one does not count.
    await expect(knex('guardianships').insert({ id: randomUUID(), ...link, status: 'pending' })).rejects.toThrow();
    await knex('guardianships').insert({ id: randomUUID(), ...link, status: 'ended' });

    await knex.migrate.down({ ...migrationConfig, name: '20261203_020_guardians_proxies' });
    for (const t of ['guardianships', 'proxy_grants', 'person_selections']) expect(await knex.schema.hasTable(t)).toBe(false);
    expect(await knex('persons').where({ id: ward }).first()).toMatchObject({ status: 'closed', name_enc: null, phone_bidx: null });
    await expect(knex('persons').insert({ ...row(randomUUID(), '4'), phone_enc: null, phone_bidx: null, status: 'ward' })).rejects.toThrow(/persons_fields_unless_closed/);

    await migrateLatest(db.knex);
    expect(await knex.schema.hasTable('guardianships')).toBe(true);
  });
});
