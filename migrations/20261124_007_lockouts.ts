import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // Escalating temporary lockouts live on the counter row itself, so that reserving an attempt
  // and locking the key are serialised by the same row lock (src/store/rate-limits.ts).
  await knex.schema.alterTable('rate_limits', (t) => {
    t.timestamp('locked_until', { useTz: true });
    // How many locks in a row; the next one lasts base × 2^lock_level (capped).
    t.integer('lock_level').notNullable().defaultTo(0);
    // When the lock level is forgotten (and the row may be swept); null when never locked.
    t.timestamp('forget_at', { useTz: true });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('rate_limits', (t) => {
    t.dropColumn('forget_at');
    t.dropColumn('lock_level');
    t.dropColumn('locked_until');
  });
}
