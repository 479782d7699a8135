import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // One-time codes sent by SMS to reset a forgotten password. Only a keyed hash of the code is kept.
  await knex.schema.createTable('recovery_codes', (t) => {
    t.uuid('id').primary();
    t.uuid('person_id').notNullable().references('persons.id').onDelete('CASCADE');
    t.text('code_hash').notNullable();
    t.integer('attempts').notNullable().defaultTo(0);
    t.timestamp('expires_at', { useTz: true }).notNullable().index();
    t.timestamp('consumed_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('recovery_codes');
}
