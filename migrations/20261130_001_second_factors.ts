import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // One authenticator app per account. The secret is encrypted (field-crypto, bound to the
  // person); a new one waits in `pending_secret_enc` until confirmed with a first code, so
  // starting a re-enrolment leaves the confirmed one working.
  await knex.schema.createTable('totp_authenticators', (t) => {
    t.uuid('person_id').primary().references('id').inTable('persons').onDelete('CASCADE');
    t.text('secret_enc');
    t.timestamp('confirmed_at', { useTz: true });
    t.text('pending_secret_enc');
    t.timestamp('pending_since', { useTz: true });
  });
  // Printed second-factor recovery codes (not the password-recovery SMS codes of
  // `recovery_codes`): a keyed hash of each random code; use is one conditional UPDATE.
  await knex.schema.createTable('mfa_recovery_codes', (t) => {
    t.bigIncrements('id');
    t.uuid('person_id').notNullable().references('id').inTable('persons').onDelete('CASCADE');
    t.text('code_hash').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('used_at', { useTz: true });
    t.unique(['person_id', 'code_hash']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('mfa_recovery_codes');
  await knex.schema.dropTableIfExists('totp_authenticators');
}
