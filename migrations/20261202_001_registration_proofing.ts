import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // A registration between its two steps: the form's data (sealed like persons' fields, with the
  // password already hashed) until the SMS code proves the phone and the account is created.
  // Bound to the login interaction it started in; lives as long as the code page (30 min).
  await knex.schema.createTable('pending_registrations', (t) => {
    t.uuid('id').primary();
    t.text('interaction_uid').notNullable();
    t.text('name_enc').notNullable();
    t.text('id_number_enc').notNullable();
    t.text('id_number_bidx').notNullable();
    t.text('phone_enc').notNullable();
    t.text('phone_bidx').notNullable();
    t.text('password_hash').notNullable();
    // Set by the one request whose SMS code was right; the account may be created only after.
    t.timestamp('phone_proven_at', { useTz: true });
    // Set by the one request that finished it (account created, refused or answered).
    t.timestamp('consumed_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('expires_at', { useTz: true }).notNullable().index();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('pending_registrations');
}
