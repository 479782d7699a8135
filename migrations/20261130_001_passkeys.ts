import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // WebAuthn credentials (passkeys). The credential id is the authenticator's, unique across all
  // persons: an assertion names its credential, and the credential names its person.
  await knex.schema.createTable('passkeys', (t) => {
    t.uuid('id').primary();
    t.uuid('person_id').notNullable().references('id').inTable('persons').onDelete('CASCADE').index();
    t.text('credential_id').notNullable().unique();
    t.binary('public_key').notNullable();
    // The authenticator's signature counter; 0 forever for authenticators that do not count.
    t.bigInteger('sign_count').notNullable().defaultTo(0);
    t.specificType('transports', 'text[]').notNullable().defaultTo('{}');
    // Backup eligible (a synced, multi-device passkey) and backed up, from the authenticator data.
    t.boolean('backup_eligible').notNullable();
    t.boolean('backed_up').notNullable();
    t.text('name').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('last_used_at', { useTz: true });
  });
  // The one live challenge of a ceremony, bound to what started it (an interaction, a console
  // session); consumed by one conditional DELETE, so a challenge is answered once.
  await knex.schema.createTable('webauthn_challenges', (t) => {
    t.text('purpose').notNullable();
    t.text('binding').notNullable();
    t.text('challenge').notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable().index();
    t.primary(['purpose', 'binding']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('webauthn_challenges');
  await knex.schema.dropTableIfExists('passkeys');
}
