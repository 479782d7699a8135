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
  // Reserves one attempt on every key or on none, in one statement: the rows are locked in key
  // order (concurrent reservations of shared keys queue, never deadlock), all are checked, then
  // all are counted. Counting key by key and taking counts back on refusal would let a refused
  // attempt's passing count make another attempt's failure lock a key it should not.
  // Returns 0 when reserved, else the seconds until the keys could admit an attempt.
  await knex.raw(`CREATE FUNCTION rate_limit_reserve(keys text[], windows int[], maxes int[]) RETURNS int AS $$
    DECLARE
      i int;
      r rate_limits%ROWTYPE;
      wait int := 0;
    BEGIN
      FOR i IN SELECT u.ord::int FROM unnest(keys) WITH ORDINALITY AS u(k, ord) ORDER BY u.k LOOP
        INSERT INTO rate_limits AS t (key, count, expires_at) VALUES (keys[i], 0, now())
          ON CONFLICT (key) DO UPDATE SET count = t.count
          RETURNING * INTO r;
        IF r.locked_until > now() THEN
          wait := greatest(wait, ceil(extract(epoch FROM r.locked_until - now()))::int, 1);
        ELSIF r.expires_at > now() AND r.count >= maxes[i] THEN
          wait := greatest(wait, ceil(extract(epoch FROM r.expires_at - now()))::int, 1);
        END IF;
      END LOOP;
      IF wait > 0 THEN RETURN wait; END IF;
      UPDATE rate_limits t SET
          count = CASE WHEN t.expires_at <= now() THEN 1 ELSE t.count + 1 END,
          expires_at = CASE WHEN t.expires_at <= now() THEN now() + make_interval(secs => u.win) ELSE t.expires_at END
        FROM unnest(keys, windows) AS u(k, win) WHERE t.key = u.k;
      RETURN 0;
    END $$ LANGUAGE plpgsql`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP FUNCTION IF EXISTS rate_limit_reserve(text[], int[], int[])');
  await knex.schema.alterTable('rate_limits', (t) => {
    t.dropColumn('forget_at');
    t.dropColumn('lock_level');
    t.dropColumn('locked_until');
  });
}
