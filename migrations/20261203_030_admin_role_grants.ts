import type { Knex } from 'knex';

const ROLES = ['system_admin', 'security_admin', 'auditor', 'counter_operator', 'platform_manager'];

export async function up(knex: Knex): Promise<void> {
  // Administrators' roles (src/admin/roles.ts), one row per grant: requested by one administrator,
  // in force once a second one approves it (one conditional UPDATE from 'pending'), revoked at
  // once. Rows are never deleted: the table is the roles' own history next to the audit trail.
  await knex.schema.createTable('admin_role_grants', (t) => {
    t.uuid('id').primary();
    t.uuid('person_id').notNullable().references('id').inTable('persons');
    t.text('role').notNullable();
    // platform_manager: the client ids managed (empty for every other role).
    t.jsonb('platforms').notNullable().defaultTo('[]');
    t.text('status').notNullable();
    // NULL for the founders made by `admin bootstrap` on the host.
    t.uuid('requested_by').references('id').inTable('persons');
    t.timestamp('requested_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.text('reason');
    t.uuid('approved_by').references('id').inTable('persons');
    t.timestamp('approved_at', { useTz: true });
    t.uuid('revoked_by').references('id').inTable('persons');
    t.timestamp('revoked_at', { useTz: true });
    t.boolean('bootstrap').notNullable().defaultTo(false);
  });
  await knex.raw(`ALTER TABLE admin_role_grants ADD CONSTRAINT admin_role_grants_role CHECK (role IN (${ROLES.map((r) => `'${r}'`).join(', ')}))`);
  await knex.raw("ALTER TABLE admin_role_grants ADD CONSTRAINT admin_role_grants_status CHECK (status IN ('pending', 'active', 'revoked'))");
  // No one approves a grant they requested or that names them (the service checks it too).
  await knex.raw('ALTER TABLE admin_role_grants ADD CONSTRAINT admin_role_grants_second_person CHECK (approved_by IS NULL OR (approved_by <> person_id AND approved_by IS DISTINCT FROM requested_by))');
  await knex.raw('ALTER TABLE admin_role_grants ADD CONSTRAINT admin_role_grants_not_self CHECK (requested_by IS NULL OR requested_by <> person_id)');
  // At most one open (pending or active) grant of a role per person.
  await knex.raw("CREATE UNIQUE INDEX admin_role_grants_open ON admin_role_grants (person_id, role) WHERE status IN ('pending', 'active')");
  await knex.raw("CREATE INDEX admin_role_grants_pending ON admin_role_grants (requested_at) WHERE status = 'pending'");
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('admin_role_grants');
}
