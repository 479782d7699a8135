import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // oidc-provider's models (sessions, interactions, codes, tokens, grants...) in one table, as in
  // logto's oidc_model_instances; expires_at lets the sweeper delete what has lapsed.
  await knex.schema.createTable('oidc_models', (t) => {
    t.text('model').notNullable();
    t.text('id').notNullable();
    t.jsonb('payload').notNullable();
    t.text('grant_id');
    t.text('uid');
    t.text('user_code');
    t.timestamp('expires_at', { useTz: true });
    t.timestamp('consumed_at', { useTz: true });
    t.primary(['model', 'id']);
  });
  await knex.raw('CREATE INDEX oidc_models_grant_id ON oidc_models (grant_id) WHERE grant_id IS NOT NULL');
  await knex.raw('CREATE INDEX oidc_models_uid ON oidc_models (uid) WHERE uid IS NOT NULL');
  await knex.raw('CREATE INDEX oidc_models_user_code ON oidc_models (user_code) WHERE user_code IS NOT NULL');
  await knex.raw('CREATE INDEX oidc_models_expires_at ON oidc_models (expires_at) WHERE expires_at IS NOT NULL');

  // Relying platforms. The secret is encrypted (not hashed): oidc-provider compares it itself and
  // a password KDF on the token path would cap throughput at the KDF's rate.
  await knex.schema.createTable('clients', (t) => {
    t.text('client_id').primary();
    t.text('secret_enc');
    t.jsonb('metadata').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  // Natural persons. Identifying fields are encrypted; *_bidx are keyed blind indexes (HMAC) used
  // for lookup and to enforce one account per ID number and per mobile number.
  await knex.schema.createTable('persons', (t) => {
    t.uuid('id').primary();
    t.text('name_enc').notNullable();
    t.text('id_number_enc').notNullable();
    t.text('id_number_bidx').notNullable().unique();
    t.text('phone_enc').notNullable();
    t.text('phone_bidx').notNullable().unique();
    t.text('status').notNullable().defaultTo('active');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('credentials', (t) => {
    t.uuid('person_id').notNullable().references('persons.id').onDelete('CASCADE');
    t.text('kind').notNullable();
    t.text('secret').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['person_id', 'kind']);
  });

  // Fixed-window counters shared by every process (rate limits and login throttling).
  await knex.schema.createTable('rate_limits', (t) => {
    t.text('key').primary();
    t.integer('count').notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable().index();
  });

  await knex.schema.createTable('audit_events', (t) => {
    t.bigIncrements('id');
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.text('actor').notNullable();
    t.text('action').notNullable();
    t.text('target');
    t.jsonb('detail').notNullable().defaultTo('{}');
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['audit_events', 'rate_limits', 'credentials', 'persons', 'clients', 'oidc_models']) {
    await knex.schema.dropTableIfExists(table);
  }
}
