import type { Knex } from 'knex';

/**
 * The audit trail becomes a hash chain computed by the database (src/audit/README in the
 * project README, "Audit trail"). Each row's hash is SHA-256 over
 *   "yihao-audit-v1\n" + f(prev_hash) + f(id) + f(at) + f(actor) + f(action) + f(target) + f(detail)
 * where f(s) = octet_length(s) ":" s "\n", or "~\n" for NULL; `at` is ISO 8601 UTC with
 * milliseconds (the column keeps milliseconds, exactly what a JavaScript Date holds) and
 * `detail` is the jsonb's text form. src/audit/chain-hash.ts computes the same in TypeScript.
 *
 * Appends from every process are serialised by a transaction-scoped advisory lock taken in the
 * BEFORE INSERT trigger, which also assigns the id under that lock, so id order is chain order.
 */
const TABLES = ['audit_events', 'audit_checkpoints', 'audit_anchors'];
export const AUDIT_OWNER = 'yihao_audit';
const LOCK_KEY = 7_301_960_001; // any constant: the one lock every audit append takes

export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE audit_events ALTER COLUMN at TYPE timestamptz(3)');
  await knex.raw('ALTER TABLE audit_events ADD COLUMN prev_hash text, ADD COLUMN hash text');
  await knex.schema.createTable('audit_checkpoints', (t) => {
    t.bigIncrements('id');
    t.timestamp('at', { useTz: true, precision: 3 }).notNullable().defaultTo(knex.fn.now());
    t.bigInteger('last_event_id').notNullable();
    t.text('last_hash').notNullable();
    t.text('jws').notNullable();
  });
  // Where the remaining chain starts after old events were archived and removed (audit_expire).
  await knex.schema.createTable('audit_anchors', (t) => {
    t.bigIncrements('id');
    t.timestamp('at', { useTz: true, precision: 3 }).notNullable().defaultTo(knex.fn.now());
    t.bigInteger('through_event_id').notNullable();
    t.text('through_hash').notNullable();
    t.timestamp('before', { useTz: true, precision: 3 }).notNullable();
    t.bigInteger('removed').notNullable();
  });

  await knex.raw(`
    CREATE FUNCTION audit_field(s text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
      SELECT CASE WHEN s IS NULL THEN E'~\\n' ELSE octet_length(s)::text || ':' || s || E'\\n' END
    $$`);
  await knex.raw(`
    CREATE FUNCTION audit_event_hash(prev text, id bigint, at timestamptz, actor text, action text, target text, detail jsonb)
    RETURNS text LANGUAGE sql IMMUTABLE AS $$
      SELECT encode(sha256(convert_to(E'yihao-audit-v1\\n' || audit_field(prev) || audit_field(id::text)
        || audit_field(to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')) || audit_field(actor)
        || audit_field(action) || audit_field(target) || audit_field(detail::text), 'UTF8')), 'hex')
    $$`);
  // SECURITY DEFINER: the application's role needs only INSERT; the id sequence and reading the
  // chain's head are the owner's.
  await knex.raw(`
    CREATE FUNCTION audit_events_chain() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
    DECLARE prev text;
    BEGIN
      PERFORM pg_advisory_xact_lock(${LOCK_KEY});
      NEW.id := nextval(pg_get_serial_sequence('audit_events', 'id'));
      NEW.at := date_trunc('milliseconds', coalesce(NEW.at, now()));
      SELECT hash INTO prev FROM audit_events ORDER BY id DESC LIMIT 1;
      IF prev IS NULL THEN SELECT through_hash INTO prev FROM audit_anchors ORDER BY id DESC LIMIT 1; END IF;
      NEW.prev_hash := coalesce(prev, repeat('0', 64));
      NEW.hash := audit_event_hash(NEW.prev_hash, NEW.id, NEW.at, NEW.actor, NEW.action, NEW.target, NEW.detail);
      RETURN NEW;
    END $$`);
  // Existing rows, in id order, before the chain trigger takes over.
  await knex.raw(`
    DO $$ DECLARE r record; prev text := repeat('0', 64); h text; BEGIN
      FOR r IN SELECT * FROM audit_events ORDER BY id LOOP
        h := audit_event_hash(prev, r.id, r.at, r.actor, r.action, r.target, r.detail);
        UPDATE audit_events SET prev_hash = prev, hash = h WHERE id = r.id;
        prev := h;
      END LOOP;
    END $$`);
  await knex.raw('ALTER TABLE audit_events ALTER COLUMN hash SET NOT NULL, ALTER COLUMN prev_hash SET NOT NULL, ALTER COLUMN id DROP DEFAULT');
  await knex.raw('CREATE TRIGGER audit_events_chain BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION audit_events_chain()');

  // Append-only, for the owner too. The one exception is audit_expire below, which removes an
  // archived prefix of the chain with a transaction-local flag set.
  await knex.raw(`
    CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'audit_events' AND current_setting('yihao.audit_expiry', true) = 'on' THEN RETURN OLD; END IF;
      RAISE EXCEPTION 'the audit trail is append-only: % on % refused', TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
    END $$`);
  for (const table of TABLES) {
    await knex.raw(`CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()`);
    await knex.raw(`CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()`);
  }

  // Retention: removes events 1..p_through once they are archived. Narrow on purpose: only events
  // older than 180 days (the configured minimum), only up to a checkpoint at exactly that event
  // and hash, recording the anchor the remaining chain then starts from.
  await knex.raw(`
    CREATE FUNCTION audit_expire(p_through bigint, p_hash text, p_before timestamptz) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
    DECLARE n bigint;
    BEGIN
      IF p_before > now() - interval '180 days' THEN RAISE EXCEPTION 'audit events younger than 180 days are kept'; END IF;
      PERFORM pg_advisory_xact_lock(${LOCK_KEY});
      IF NOT EXISTS (SELECT 1 FROM audit_events WHERE id = p_through AND hash = p_hash) THEN
        RAISE EXCEPTION 'audit event % with that hash not found', p_through;
      END IF;
      IF NOT EXISTS (SELECT 1 FROM audit_checkpoints WHERE last_event_id = p_through AND last_hash = p_hash) THEN
        RAISE EXCEPTION 'no checkpoint at audit event %: archive first', p_through;
      END IF;
      IF EXISTS (SELECT 1 FROM audit_events WHERE id <= p_through AND at >= p_before) THEN
        RAISE EXCEPTION 'audit events up to % are not all before %', p_through, p_before;
      END IF;
      PERFORM set_config('yihao.audit_expiry', 'on', true);
      DELETE FROM audit_events WHERE id <= p_through;
      GET DIAGNOSTICS n = ROW_COUNT;
      PERFORM set_config('yihao.audit_expiry', 'off', true);
      INSERT INTO audit_anchors (through_event_id, through_hash, before, removed) VALUES (p_through, p_hash, p_before, n);
      RETURN n;
    END $$`);

  // Privileges: a role (cluster-wide, so it may exist already from another database) owns the
  // trail; nobody else gets UPDATE, DELETE or TRUNCATE. Production connects as a non-owner role
  // (README, "Audit trail"). Skipped, with a notice, when the migrating role may not create roles.
  await knex.raw(`
    DO $$ BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = current_user AND (rolsuper OR rolcreaterole)) THEN
        RAISE NOTICE 'cannot create role ${AUDIT_OWNER}: the audit tables stay owned by %', current_user;
        RETURN;
      END IF;
      BEGIN
        CREATE ROLE ${AUDIT_OWNER} NOLOGIN;
      EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
      END;
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = current_user AND rolsuper) THEN
        EXECUTE format('GRANT ${AUDIT_OWNER} TO %I', current_user);
      END IF;
      ALTER TABLE audit_events OWNER TO ${AUDIT_OWNER};
      ALTER TABLE audit_checkpoints OWNER TO ${AUDIT_OWNER};
      ALTER TABLE audit_anchors OWNER TO ${AUDIT_OWNER};
      ALTER FUNCTION audit_events_chain() OWNER TO ${AUDIT_OWNER};
      ALTER FUNCTION audit_expire(bigint, text, timestamptz) OWNER TO ${AUDIT_OWNER};
    END $$`);
  await knex.raw(`REVOKE UPDATE, DELETE, TRUNCATE ON ${TABLES.join(', ')} FROM PUBLIC`);
}

export async function down(knex: Knex): Promise<void> {
  for (const table of TABLES) {
    await knex.raw(`DROP TRIGGER IF EXISTS ${table}_append_only ON ${table}`);
    await knex.raw(`DROP TRIGGER IF EXISTS ${table}_no_truncate ON ${table}`);
  }
  await knex.raw('DROP TRIGGER IF EXISTS audit_events_chain ON audit_events');
  await knex.raw('ALTER TABLE audit_events OWNER TO CURRENT_USER');
  await knex.raw("ALTER TABLE audit_events ALTER COLUMN id SET DEFAULT nextval('audit_events_id_seq'::regclass)");
  await knex.raw('ALTER TABLE audit_events DROP COLUMN hash, DROP COLUMN prev_hash');
  await knex.raw('ALTER TABLE audit_events ALTER COLUMN at TYPE timestamptz');
  await knex.raw('DROP FUNCTION IF EXISTS audit_expire(bigint, text, timestamptz)');
  await knex.raw('DROP FUNCTION IF EXISTS audit_refuse_change()');
  await knex.raw('DROP FUNCTION IF EXISTS audit_events_chain()');
  await knex.raw('DROP FUNCTION IF EXISTS audit_event_hash(text, bigint, timestamptz, text, text, text, jsonb)');
  await knex.raw('DROP FUNCTION IF EXISTS audit_field(text)');
  // The role stays: it is cluster-wide and other databases may use it.
  await knex.schema.dropTableIfExists('audit_anchors');
  await knex.schema.dropTableIfExists('audit_checkpoints');
}
