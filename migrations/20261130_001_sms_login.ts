import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // When the person last proved they hold their bound mobile (an SMS code used at login, as a
  // second factor or from the account console); null while the number is only self-asserted.
  await knex.schema.alterTable('persons', (t) => {
    t.timestamp('phone_verified_at', { useTz: true });
  });
  // Browsers an account has logged in from, by a keyed hash of the device cookie's random id:
  // a login from a device not in the list sends the new-device notice.
  await knex.schema.createTable('person_devices', (t) => {
    t.uuid('person_id').notNullable().references('id').inTable('persons').onDelete('CASCADE');
    t.text('device_hash').notNullable();
    t.text('user_agent').notNullable();
    t.timestamp('first_seen_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('last_seen_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['person_id', 'device_hash']);
  });
  // The device an SSO session was logged in from, by the session's public uid (kept out of
  // oidc-provider's payload); a row outlives no session (expires with the absolute lifetime).
  await knex.schema.createTable('session_devices', (t) => {
    t.text('session_uid').primary();
    t.uuid('person_id').notNullable().references('id').inTable('persons').onDelete('CASCADE');
    t.text('device').notNullable();
    t.timestamp('login_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('expires_at', { useTz: true }).notNullable().index();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('session_devices');
  await knex.schema.dropTableIfExists('person_devices');
  await knex.schema.alterTable('persons', (t) => {
    t.dropColumn('phone_verified_at');
  });
}
