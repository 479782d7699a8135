import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // Legal persons, keyed by the unified social credit code (public registry data, stored in clear).
  await knex.schema.createTable('enterprises', (t) => {
    t.uuid('id').primary();
    t.text('credit_code').notNullable().unique();
    t.text('name').notNullable();
    t.text('category').notNullable();
    t.uuid('legal_rep_person_id').references('persons.id');
    t.timestamp('verified_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  // A person's claim to be an enterprise's legal representative, pending until verified.
  await knex.schema.createTable('representative_claims', (t) => {
    t.uuid('id').primary();
    t.uuid('enterprise_id').notNullable().references('enterprises.id').onDelete('CASCADE');
    t.uuid('person_id').notNullable().references('persons.id').onDelete('CASCADE');
    t.text('claimed_name').notNullable();
    t.text('status').notNullable(); // pending | verified | rejected | superseded
    t.text('evidence_ref');
    t.text('decided_by');
    t.timestamp('decided_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['enterprise_id', 'status']);
    t.index(['person_id']);
  });
  await knex.raw(`CREATE UNIQUE INDEX representative_claims_one_pending ON representative_claims (enterprise_id, person_id) WHERE status = 'pending'`);

  // Agents (经办人): authority granted by the representative to a person named by name + ID number.
  await knex.schema.createTable('delegations', (t) => {
    t.uuid('id').primary();
    t.uuid('enterprise_id').notNullable().references('enterprises.id').onDelete('CASCADE');
    t.uuid('granted_by').notNullable().references('persons.id');
    t.text('agent_name_enc').notNullable();
    t.text('agent_id_number_enc').notNullable(); // kept so a key rotation can re-index it
    t.text('agent_id_number_bidx').notNullable().index();
    t.uuid('agent_person_id').references('persons.id');
    t.boolean('all_platforms').notNullable();
    t.jsonb('platforms').notNullable().defaultTo('[]');
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.text('status').notNullable(); // offered | active | suspended | declined | revoked | resigned
    t.timestamp('accepted_at', { useTz: true });
    t.timestamp('ended_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['enterprise_id', 'status']);
    t.index(['agent_person_id', 'status']);
  });

  // Who a person acts as at one platform within one SSO session ("myself" or an enterprise).
  await knex.schema.createTable('entity_selections', (t) => {
    t.text('session_uid').notNullable();
    t.text('client_id').notNullable();
    t.uuid('person_id').notNullable().references('persons.id').onDelete('CASCADE');
    t.uuid('enterprise_id').references('enterprises.id').onDelete('CASCADE');
    t.uuid('delegation_id').references('delegations.id').onDelete('CASCADE');
    t.timestamp('expires_at', { useTz: true }).notNullable().index();
    t.primary(['session_uid', 'client_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['entity_selections', 'delegations', 'representative_claims', 'enterprises']) {
    await knex.schema.dropTableIfExists(table);
  }
}
