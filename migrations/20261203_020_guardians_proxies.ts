import type { Knex } from 'knex';

const CLOSED_CHECK = `status = 'closed' OR (name_enc IS NOT NULL AND id_number_enc IS NOT NULL AND id_number_bidx IS NOT NULL AND phone_enc IS NOT NULL AND phone_bidx IS NOT NULL)`;

export async function up(knex: Knex): Promise<void> {
  // A ward (a minor added by a guardian) is a person record without phone or password: status
  // 'ward', it can never log in, and its id gives the child a stable pairwise `sub` at platforms.
  await knex.raw('ALTER TABLE persons DROP CONSTRAINT persons_fields_unless_closed');
  await knex.raw(`ALTER TABLE persons ADD CONSTRAINT persons_fields_unless_closed CHECK (status = 'closed'
    OR (name_enc IS NOT NULL AND id_number_enc IS NOT NULL AND id_number_bidx IS NOT NULL
        AND (status = 'ward' OR (phone_enc IS NOT NULL AND phone_bidx IS NOT NULL))))`);

  // A guardian (监护人) and the minor they represent. `pending` waits for a counter check when
  // the ladder asks for one; at most one live link per guardian and ward.
  await knex.schema.createTable('guardianships', (t) => {
    t.uuid('id').primary();
    t.uuid('guardian_person_id').notNullable().references('persons.id').onDelete('CASCADE');
    t.uuid('ward_person_id').notNullable().references('persons.id').onDelete('CASCADE');
    t.text('relationship').notNullable(); // parent | guardian
    t.text('status').notNullable(); // pending | active | ended
    t.text('evidence').notNullable(); // declared | counter
    t.text('evidence_ref');
    t.timestamp('confirmed_at', { useTz: true });
    t.timestamp('ended_at', { useTz: true });
    t.text('ended_by');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['guardian_person_id', 'status']);
    t.index(['ward_person_id', 'status']);
  });
  await knex.raw(`CREATE UNIQUE INDEX guardianships_one_live ON guardianships (guardian_person_id, ward_person_id) WHERE status IN ('pending', 'active')`);

  // Assisted service (代办): a grantor lets a relative, named by name + ID number (sealed, found
  // by blind index, like agent delegations), act for them at named platforms until an expiry.
  await knex.schema.createTable('proxy_grants', (t) => {
    t.uuid('id').primary();
    t.uuid('grantor_person_id').notNullable().references('persons.id').onDelete('CASCADE');
    t.text('proxy_name_enc').notNullable();
    t.text('proxy_id_number_enc').notNullable();
    t.text('proxy_id_number_bidx').notNullable().index();
    t.text('relationship').notNullable();
    t.jsonb('platforms').notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.text('status').notNullable(); // pending | active | revoked | resigned
    t.text('confirmed_via'); // sms | counter
    t.text('evidence_ref');
    t.timestamp('confirmed_at', { useTz: true });
    t.timestamp('ended_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['grantor_person_id', 'status']);
  });

  // Whom a person acts for at one platform within one SSO session, when it is a natural person
  // (enterprises stay in entity_selections; choosing one clears the other).
  await knex.schema.createTable('person_selections', (t) => {
    t.text('session_uid').notNullable();
    t.text('client_id').notNullable();
    t.uuid('person_id').notNullable().references('persons.id').onDelete('CASCADE');
    t.text('basis').notNullable(); // guardian | proxy
    t.uuid('grant_id').notNullable(); // guardianships.id or proxy_grants.id, per basis
    t.timestamp('expires_at', { useTz: true }).notNullable().index();
    t.primary(['session_uid', 'client_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['person_selections', 'proxy_grants', 'guardianships']) await knex.schema.dropTableIfExists(table);
  // Ward records have no phone, which the older schema requires: they become closed (erased)
  // records, as account closure leaves them, so nothing that points at them breaks.
  await knex.raw(`UPDATE persons SET status = 'closed', name_enc = NULL, id_number_enc = NULL, id_number_bidx = NULL,
    phone_enc = NULL, phone_bidx = NULL WHERE status = 'ward'`);
  await knex.raw('ALTER TABLE persons DROP CONSTRAINT persons_fields_unless_closed');
  await knex.raw(`ALTER TABLE persons ADD CONSTRAINT persons_fields_unless_closed CHECK (${CLOSED_CHECK})`);
}
