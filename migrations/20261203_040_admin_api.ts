import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // A disabled platform is unknown to the provider (no login, no token, no userinfo for it) until
  // it is enabled again; its registration and grants are kept.
  await knex.schema.alterTable('clients', (t) => {
    t.timestamp('disabled_at', { useTz: true });
  });
  // Exact search by name for security administrators: a keyed hash of the name (names are
  // encrypted with random nonces). Not unique: people share names. Filled at registration and by
  // `npm run cli -- reencrypt` for older rows; erased with the other fields on closure.
  await knex.schema.alterTable('persons', (t) => {
    t.text('name_bidx');
    t.index(['name_bidx'], 'persons_name_bidx');
  });
  // A suspended enterprise is acted for by no one (representative or agent) until reinstated.
  await knex.schema.alterTable('enterprises', (t) => {
    t.timestamp('suspended_at', { useTz: true });
  });
  // An authorisation suspended by a security administrator: its representative cannot confirm it
  // back (unlike a suspension by a change of representative); an administrator reinstates it.
  await knex.schema.alterTable('delegations', (t) => {
    t.timestamp('admin_suspended_at', { useTz: true });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('delegations', (t) => { t.dropColumn('admin_suspended_at'); });
  await knex.schema.alterTable('enterprises', (t) => { t.dropColumn('suspended_at'); });
  await knex.schema.alterTable('persons', (t) => {
    t.dropIndex(['name_bidx'], 'persons_name_bidx');
    t.dropColumn('name_bidx');
  });
  await knex.schema.alterTable('clients', (t) => { t.dropColumn('disabled_at'); });
}
