import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // Codes sent to a person (SMS login, phone proof, confirmations): only a keyed hash is kept, the
  // code is bound to a purpose and a subject (a keyed hash of the phone or the account), tries are
  // counted before the check, and use is one conditional UPDATE.
  await knex.schema.createTable('one_time_codes', (t) => {
    t.uuid('id').primary();
    t.text('purpose').notNullable();
    t.text('subject').notNullable();
    t.text('code_hash').notNullable();
    t.integer('attempts').notNullable().defaultTo(0);
    t.integer('max_attempts').notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable().index();
    t.timestamp('consumed_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('CREATE INDEX one_time_codes_live ON one_time_codes (purpose, subject) WHERE consumed_at IS NULL');
  // Values that may be accepted once until they expire (TOTP time steps, assertion ids): the
  // primary key is the check.
  await knex.schema.createTable('used_once', (t) => {
    t.text('purpose').notNullable();
    t.text('key').notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable().index();
    t.primary(['purpose', 'key']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('used_once');
  await knex.schema.dropTableIfExists('one_time_codes');
}
