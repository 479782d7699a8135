/** The counter desk's and the dashboard's migrations undo cleanly, with rows in place, and redo. */
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

const indexes = async (table: string) => (await db.knex.raw('SELECT indexname FROM pg_indexes WHERE tablename = ?', [table])).rows.map((r: { indexname: string }) => r.indexname);

describe('migrations 20261203_050 and 051', () => {
  it('create the counter checks table and the dashboard indexes, and drop them again', async () => {
    const knex = db.knex;
    const person = randomUUID();
    await knex('persons').insert({ id: person, name_enc: 'n', id_number_enc: 'i', id_number_bidx: 'ib', phone_enc: 'p', phone_bidx: 'pb' });
    await knex('counter_checks').insert({ id: randomUUID(), person_id: person, act: 'identity', operator_id: randomUUID(), hall: 'H', reference: 'R', document_type: 'resident_id_card' });
    expect(await indexes('audit_events')).toContain('audit_events_action_at');
    expect(await indexes('verification_evidence')).toContain('verification_evidence_at');

    await knex.migrate.down({ ...migrationConfig, name: '20261203_051_dashboard_indexes' });
    expect(await indexes('audit_events')).not.toContain('audit_events_action_at');
    expect(await indexes('verification_evidence')).not.toContain('verification_evidence_at');
    await knex.migrate.down({ ...migrationConfig, name: '20261203_050_counter_desk' });
    expect(await knex.schema.hasTable('counter_checks')).toBe(false);

    await migrateLatest(knex);
    expect(await knex.schema.hasTable('counter_checks')).toBe(true);
    expect(await indexes('audit_events')).toContain('audit_events_action_at');
  });
});
