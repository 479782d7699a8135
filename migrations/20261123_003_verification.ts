import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // Verification channels configured by administrators. The secret is encrypted (FieldCrypto,
  // bound to the channel id) and never leaves the service; the rest of the tuning is in settings.
  await knex.schema.createTable('verification_channels', (t) => {
    t.text('id').primary();
    t.text('kind').notNullable();
    t.text('name').notNullable();
    t.text('base_url').notNullable();
    t.text('app_id').notNullable();
    t.text('secret_enc').notNullable();
    t.integer('priority').notNullable();
    t.boolean('enabled').notNullable();
    t.jsonb('settings').notNullable().defaultTo('{}');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  // One counter bumped in the same transaction as every channel change: each process polls it
  // and reloads its registry when it moves. Polling one row works the same on PostgreSQL and on
  // the embedded PGlite database, and a missed notification can never leave a process stale.
  await knex.schema.createTable('verification_channel_revision', (t) => {
    t.smallint('id').primary();
    t.bigInteger('revision').notNullable().defaultTo(0);
  });
  await knex.raw('ALTER TABLE verification_channel_revision ADD CONSTRAINT verification_channel_revision_single CHECK (id = 1)');
  await knex('verification_channel_revision').insert({ id: 1, revision: 0 });

  // One row per channel attempt. Append-only; what was checked is kept as field name, keyed hash
  // and mask (never the raw ID number). Evidence outlives channels and accounts, hence no
  // foreign key to the channel and SET NULL on the person.
  await knex.schema.createTable('verification_evidence', (t) => {
    t.uuid('id').primary();
    t.text('channel_id').notNullable();
    t.text('kind').notNullable();
    t.jsonb('checked').notNullable();
    t.text('result').notNullable();
    t.text('error_code');
    t.text('authority_ref');
    t.timestamp('at', { useTz: true }).notNullable();
    t.integer('latency_ms').notNullable();
    t.uuid('subject_person_id').references('persons.id').onDelete('SET NULL');
    t.text('actor');
  });
  await knex.raw(`ALTER TABLE verification_evidence ADD CONSTRAINT verification_evidence_result CHECK (result IN ('match', 'mismatch', 'error'))`);
  await knex.raw(`CREATE INDEX verification_evidence_person ON verification_evidence (subject_person_id, kind, at) WHERE subject_person_id IS NOT NULL AND result = 'match'`);
  await knex.raw('CREATE INDEX verification_evidence_channel_at ON verification_evidence (channel_id, at)');

  // Daily call quotas per channel, shared by every process. `day` is the China Standard Time
  // date as text (YYYY-MM-DD), as the authorities bill it.
  await knex.schema.createTable('verification_quota', (t) => {
    t.text('channel_id').notNullable();
    t.text('day').notNullable();
    t.integer('used').notNullable();
    t.primary(['channel_id', 'day']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['verification_quota', 'verification_evidence', 'verification_channel_revision', 'verification_channels']) {
    await knex.schema.dropTableIfExists(table);
  }
}
