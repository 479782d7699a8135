/** A role's revocation is requested by one administrator and takes effect when a second approves it. */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('admin_role_grants', (t) => {
    t.uuid('revoke_requested_by').references('id').inTable('persons');
    t.timestamp('revoke_requested_at', { useTz: true });
    t.text('revoke_reason');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('admin_role_grants', (t) => {
    t.dropColumn('revoke_reason');
    t.dropColumn('revoke_requested_at');
    t.dropColumn('revoke_requested_by');
  });
}
