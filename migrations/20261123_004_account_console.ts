import type { Knex } from 'knex';

// The account page lists a person's sessions and grants on every visit (and checks its own
// session on every request): expression indexes on the owner, one per model, so those reads stay
// index lookups however many tokens the table holds. Partial, so the token write path pays nothing.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`CREATE INDEX oidc_models_session_account ON oidc_models ((payload->>'accountId')) WHERE model = 'Session'`);
  await knex.raw(`CREATE INDEX oidc_models_grant_account ON oidc_models ((payload->>'accountId')) WHERE model = 'Grant'`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS oidc_models_grant_account');
  await knex.raw('DROP INDEX IF EXISTS oidc_models_session_account');
}
