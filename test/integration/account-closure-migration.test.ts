/** The closure migration's schema rule, and its `down` with a closed account in the table. */
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
const erased = { name_enc: null, id_number_enc: null, id_number_bidx: null, phone_enc: null, phone_bidx: null };

describe('migration 20261202_002_account_closure', () => {
  it('lets only a closed account go without personal fields, and undoes cleanly', async () => {
    const knex = db.knex;
    const [active, closed] = [randomUUID(), randomUUID()];
    await knex('persons').insert([row(active, '1'), row(closed, '2')]);
    await expect(knex('persons').where({ id: active }).update(erased)).rejects.toThrow(/persons_fields_unless_closed/);
    await knex('persons').where({ id: closed }).update({ ...erased, status: 'closed' });
    await knex('account_closures').insert({ person_id: closed, due_at: new Date(), closed_at: new Date() });
    // The freed indexes register again.
    await knex('persons').insert(row(randomUUID(), '2'));

    await knex.migrate.down({ ...migrationConfig, name: '20261202_002_account_closure' });
    expect(await knex.schema.hasTable('account_closures')).toBe(false);
    expect(await knex('persons').where({ id: closed }).first()).toMatchObject({ status: 'closed', name_enc: '', id_number_bidx: `erased:${closed}` });
    await expect(knex('persons').insert({ ...row(randomUUID(), '3'), name_enc: null })).rejects.toThrow();

    await migrateLatest(db.knex);
    expect(await knex.schema.hasTable('account_closures')).toBe(true);
  });
});
