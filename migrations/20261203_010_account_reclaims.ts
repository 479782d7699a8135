import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // A visitor who proved a phone and passed the real-name check for an ID number that already
  // has an account may reclaim it (src/identity/reclaim.ts). The ticket carries what registration
  // proved (sealed like persons' fields), bound to the login page it started on, for 30 minutes.
  await knex.schema.createTable('reclaim_tickets', (t) => {
    t.uuid('id').primary();
    t.text('interaction_uid').notNullable();
    t.uuid('person_id').notNullable().references('id').inTable('persons');
    t.text('name_enc').notNullable();
    t.text('id_number_enc').notNullable();
    t.text('phone_enc').notNullable();
    t.text('phone_bidx').notNullable();
    // Matching checks gathered so far ({ id, kind, at }): registration's real-name check first.
    t.jsonb('evidence').notNullable().defaultTo('[]');
    // The level proven (a ladder level id), once the checks reach the one required.
    t.text('proven_level');
    t.timestamp('proven_at', { useTz: true });
    // Set by the one request that took the account over (one conditional UPDATE).
    t.timestamp('consumed_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('expires_at', { useTz: true }).notNullable().index();
  });

  // Every reclaim of an account, online or at a counter: the level it was proven at is the floor
  // the next reclaim must exceed (no ping-pong between two claimants at the same level).
  await knex.schema.createTable('account_reclaims', (t) => {
    t.uuid('id').primary();
    t.uuid('person_id').notNullable().references('id').inTable('persons').index();
    t.text('level').notNullable();
    t.text('method').notNullable();
    t.text('operator');
    t.text('hall');
    t.text('reference');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('account_reclaims');
  await knex.schema.dropTableIfExists('reclaim_tickets');
}
