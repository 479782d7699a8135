import type { Knex } from 'knex';

/**
 * Change notices for the per-process caches (src/store/notified-cache.ts). A trigger, rather
 * than the application, sends them, so a change made any way (CLI, admin API, another process,
 * plain SQL, the sweeper) reaches every server process. NOTIFY is delivered at commit, so no
 * process hears of a change before it can read it. Payload: the cache key, or '*' for "forget
 * everything" (TRUNCATE).
 */

// Must match CACHED_MODELS in src/store/oidc-models.ts: only rows that are read over and over.
const CACHED_MODELS = `'AccessToken', 'Grant', 'Session'`;

interface Notice { table: string; channel: string; key: (row: 'OLD' | 'NEW') => string; when?: string; onInsert: boolean }

const notices: Notice[] = [
  // Client ids can be registered again after removal, so inserts are announced too.
  { table: 'clients', channel: 'yihao_clients', key: (r) => `${r}.client_id`, onInsert: true },
  // A new row needs no notice: misses are never cached. The writing transaction is the version,
  // so the writer's own cache keeps what it wrote (write-through, see notified-cache.ts).
  { table: 'oidc_models', channel: 'yihao_oidc_models', key: (r) => `${r}.model || ':' || ${r}.id || ' ' || txid_current()`, when: `OLD.model IN (${CACHED_MODELS})`, onInsert: false },
  { table: 'persons', channel: 'yihao_persons', key: (r) => `${r}.id::text`, onInsert: false },
  // New evidence raises a person's assurance level, so inserts count here (null subjects send nothing).
  { table: 'verification_evidence', channel: 'yihao_evidence', key: (r) => `${r}.subject_person_id::text`, onInsert: true },
];

export async function up(knex: Knex): Promise<void> {
  for (const n of notices) {
    await knex.raw(`
      CREATE FUNCTION ${n.table}_change_notice() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN PERFORM pg_notify('${n.channel}', ${n.key('OLD')}); END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN PERFORM pg_notify('${n.channel}', ${n.key('NEW')}); END IF;
        RETURN NULL;
      END $$`);
    const events = n.onInsert ? 'INSERT OR UPDATE OR DELETE' : 'UPDATE OR DELETE';
    await knex.raw(`CREATE TRIGGER ${n.table}_change_notice AFTER ${events} ON ${n.table} FOR EACH ROW
      ${n.when ? `WHEN (${n.when})` : ''} EXECUTE FUNCTION ${n.table}_change_notice()`);
    await knex.raw(`
      CREATE FUNCTION ${n.table}_truncate_notice() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_notify('${n.channel}', '*'); RETURN NULL; END $$`);
    await knex.raw(`CREATE TRIGGER ${n.table}_truncate_notice AFTER TRUNCATE ON ${n.table} FOR EACH STATEMENT EXECUTE FUNCTION ${n.table}_truncate_notice()`);
  }
}

export async function down(knex: Knex): Promise<void> {
  for (const n of [...notices].reverse()) {
    await knex.raw(`DROP TRIGGER IF EXISTS ${n.table}_truncate_notice ON ${n.table}`);
    await knex.raw(`DROP TRIGGER IF EXISTS ${n.table}_change_notice ON ${n.table}`);
    await knex.raw(`DROP FUNCTION IF EXISTS ${n.table}_truncate_notice()`);
    await knex.raw(`DROP FUNCTION IF EXISTS ${n.table}_change_notice()`);
  }
}
