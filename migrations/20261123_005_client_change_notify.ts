import type { Knex } from 'knex';

// Every change to a relying platform (by the CLI, the admin API or plain SQL) notifies all server
// processes, which drop their cached copy (src/oidc/client-cache.ts). NOTIFY is delivered at
// commit, so no process is told before the change is visible.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE FUNCTION yihao_notify_client_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('yihao_clients', OLD.client_id);
      ELSE
        PERFORM pg_notify('yihao_clients', NEW.client_id);
        IF TG_OP = 'UPDATE' AND NEW.client_id IS DISTINCT FROM OLD.client_id THEN
          PERFORM pg_notify('yihao_clients', OLD.client_id);
        END IF;
      END IF;
      RETURN NULL;
    END $$`);
  await knex.raw(`CREATE TRIGGER clients_notify AFTER INSERT OR UPDATE OR DELETE ON clients
    FOR EACH ROW EXECUTE FUNCTION yihao_notify_client_change()`);
  // TRUNCATE has no rows to name: '*' tells listeners to forget every client.
  await knex.raw(`
    CREATE FUNCTION yihao_notify_clients_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('yihao_clients', '*');
      RETURN NULL;
    END $$`);
  await knex.raw(`CREATE TRIGGER clients_notify_truncate AFTER TRUNCATE ON clients
    FOR EACH STATEMENT EXECUTE FUNCTION yihao_notify_clients_truncate()`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TRIGGER IF EXISTS clients_notify_truncate ON clients');
  await knex.raw('DROP TRIGGER IF EXISTS clients_notify ON clients');
  await knex.raw('DROP FUNCTION IF EXISTS yihao_notify_clients_truncate()');
  await knex.raw('DROP FUNCTION IF EXISTS yihao_notify_client_change()');
}
