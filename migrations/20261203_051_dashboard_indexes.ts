import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // The dashboard counts the last day's events of a few kinds (logins, locks): without this it
  // would read the whole retained trail (180 days and more) on every view. The audit tables'
  // owner role (20261201_001) is granted to the migrating user, so it may add an index.
  await knex.raw('CREATE INDEX audit_events_action_at ON audit_events (action, at)');
  // Evidence of the last day across every channel (the channel_at index serves one channel).
  await knex.raw('CREATE INDEX verification_evidence_at ON verification_evidence (at)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS verification_evidence_at');
  await knex.raw('DROP INDEX IF EXISTS audit_events_action_at');
}
