/**
 * SQL for oidc-provider's models, all in the one `oidc_models` table. The adapter's calls run on
 * every token request, so they are prepared statements (statements.ts); expiry is computed from
 * the database's clock, the same clock the queries compare it with. Access tokens, grants and
 * sessions, which are read over and over, are also cached per process while change notices
 * arrive (notified-cache.ts; the trigger is in migration 005).
 */
import type { Knex } from 'knex';
import type { ChangeFeed } from './change-feed.ts';
import { NotifiedCache } from './notified-cache.ts';
import { Statements } from './statements.ts';

export type Payload = Record<string, unknown>;

/** Must match CACHED_MODELS in migrations/20261123_005_change_notices.ts. */
export const CACHED_MODELS = new Set(['AccessToken', 'Grant', 'Session']);
export const MODELS_CHANNEL = 'yihao_oidc_models';
const OTHER_TOKENS = new Set(['RefreshToken', 'ClientCredentials', 'AuthorizationCode']);

const LIVE = '(expires_at IS NULL OR expires_at > now())';
// `consumed` is what oidc-provider expects: epoch seconds of the first use. The payload comes
// as text: it is parsed once per read either way, and the cache keeps the text (copies are free).
const SELECT = `SELECT id, payload::text AS payload, floor(extract(epoch FROM consumed_at))::int AS consumed,
  (extract(epoch FROM expires_at) * 1000)::float8 AS expires FROM oidc_models`;

const UPSERT = `INSERT INTO oidc_models (model, id, payload, grant_id, uid, user_code, expires_at)
    VALUES ($1, $2, $3::jsonb, $4, $5, $6, CASE WHEN $7::int > 0 THEN now() + make_interval(secs => $7::int) END)
    ON CONFLICT (model, id) DO UPDATE SET payload = EXCLUDED.payload, grant_id = EXCLUDED.grant_id,
      uid = EXCLUDED.uid, user_code = EXCLUDED.user_code, expires_at = EXCLUDED.expires_at
    RETURNING txid_current()::text AS version, (extract(epoch FROM expires_at) * 1000)::float8 AS expires`;

// Seen-once records (oidc-provider's ReplayDetection: client assertion `jti`s): the insert is the
// check, so two requests carrying the same value cannot both pass. An expired record may be
// replaced; a live one is left alone and nothing is returned.
const INSERT_ONCE = `INSERT INTO oidc_models (model, id, payload, expires_at)
    VALUES ($1, $2, $3::jsonb, CASE WHEN $4::int > 0 THEN now() + make_interval(secs => $4::int) END)
    ON CONFLICT (model, id) DO UPDATE SET payload = EXCLUDED.payload, expires_at = EXCLUDED.expires_at, consumed_at = NULL
      WHERE oidc_models.expires_at <= now()
    RETURNING 1 AS inserted`;

const SQL = {
  upsert: UPSERT,
  insertOnce: INSERT_ONCE,
  find: `${SELECT} WHERE model = $1 AND id = $2 AND ${LIVE}`,
  findByUid: `${SELECT} WHERE model = $1 AND uid = $2 AND ${LIVE} LIMIT 1`,
  findByUserCode: `${SELECT} WHERE model = $1 AND user_code = $2 AND ${LIVE} LIMIT 1`,
  // The one conditional statement that makes a code or refresh token single-use: of any number
  // of concurrent consumes exactly one changes the row. The grant is read for the losers, whose
  // whole grant is then revoked (RFC 9700 §4.14.2).
  consume: `WITH won AS (UPDATE oidc_models SET consumed_at = now() WHERE model = $1 AND id = $2 AND consumed_at IS NULL RETURNING 1)
    SELECT (SELECT count(*) FROM won)::int AS won, (SELECT grant_id FROM oidc_models WHERE model = $1 AND id = $2) AS grant_id`,
  destroy: 'DELETE FROM oidc_models WHERE model = $1 AND id = $2',
  revokeByGrantId: 'DELETE FROM oidc_models WHERE grant_id = $1',
  revokeModelByGrantId: 'DELETE FROM oidc_models WHERE grant_id = $1 AND model = $2',
  // A replayed code or refresh token: everything issued under the grant, and the grant itself.
  revokeGrant: `DELETE FROM oidc_models WHERE grant_id = $1 OR (model = 'Grant' AND id = $1)`,
} as const;

/** What a consume did: `won` is false when the token was already used (or is gone). */
export interface ConsumeResult { won: boolean; grantId: string | null }

type Row = { id: string; payload: string; consumed: number | null; expires: number | null };
interface Cached { json: string; consumed: number | null; expires: number | null }

const toPayload = (c: Cached): Payload => {
  const payload = JSON.parse(c.json) as Payload;
  if (c.consumed !== null) payload.consumed = c.consumed;
  return payload;
};

export class OidcModelStore {
  readonly #sql: Statements;
  readonly #cache: NotifiedCache<Cached>;

  constructor(private readonly knex: Knex, feed?: ChangeFeed) {
    this.#sql = new Statements(knex);
    this.#cache = new NotifiedCache(feed, MODELS_CHANNEL, { maxAgeMs: 30_000, maxEntries: 20_000, versioned: true });
  }

  async upsert(model: string, id: string, payload: Payload, expiresInSeconds: number | undefined): Promise<void> {
    const cached = CACHED_MODELS.has(model);
    const json = JSON.stringify(payload);
    // Saving what this process last wrote changes nothing: the provider re-saves the SSO session
    // on every authorization, and its idle end moves only once a minute (oidc/session-ttl.ts), so
    // the payload, `exp` included, and with it `expires_at` are as stored; when `exp` moves, the
    // payload differs and the row is written. A change by another process would have dropped
    // the entry (change notices).
    const held = cached ? this.#cache.get(`${model}:${id}`) : undefined;
    if (held && held.json === json && held.consumed === null) return;
    const ticket = cached ? this.#cache.begin() : undefined;
    const values = [
      model,
      id,
      json,
      (payload.grantId as string | undefined) ?? null,
      (payload.uid as string | undefined) ?? null,
      (payload.userCode as string | undefined) ?? null,
      expiresInSeconds ? Math.ceil(expiresInSeconds) : null,
    ];
    const { rows: [written] } = await this.#sql.run<{ version: string; expires: number | null }>('oidc_upsert', SQL.upsert, values);
    if (!cached) return;
    // What this process just wrote is the row now (write-through): sessions are re-saved on each
    // authorization and read again by the token request that follows. Recording the change
    // first keeps reads that began before the write from storing the old row afterwards.
    this.#cache.invalidate(`${model}:${id}`, written!.version);
    const uid = payload.uid as string | undefined;
    this.#cache.set(ticket, `${model}:${id}`, { json, consumed: null, expires: written!.expires },
      uid ? [`${model}:findByUid:${uid}`] : [], written!.version);
  }

  private async one(name: 'find' | 'findByUid' | 'findByUserCode', model: string, key: string): Promise<Payload | undefined> {
    const cached = CACHED_MODELS.has(model);
    const cacheKey = name === 'find' ? `${model}:${key}` : `${model}:${name}:${key}`;
    // Token ids are 256-bit random values, so an id known to be an access token is no other
    // kind: introspection's parallel lookups of the other kinds need no round trip.
    if (name === 'find' && OTHER_TOKENS.has(model) && this.#cache.get(`AccessToken:${key}`)) return undefined;
    if (cached) {
      const hit = this.#cache.get(cacheKey);
      if (hit && (hit.expires === null || hit.expires > Date.now())) return toPayload(hit);
    }
    const ticket = cached ? this.#cache.begin() : undefined;
    const row = (await this.#sql.run<Row>(`oidc_${name}`, SQL[name], [model, key])).rows[0];
    if (!row) return undefined; // misses are not cached: a row may appear any moment
    const found: Cached = { json: row.payload, consumed: row.consumed, expires: row.expires };
    if (cached) this.#cache.set(ticket, `${model}:${row.id}`, found, name === 'find' ? [] : [cacheKey]);
    return toPayload(found);
  }

  find(model: string, id: string) { return this.one('find', model, id); }
  findByUid(model: string, uid: string) { return this.one('findByUid', model, uid); }
  findByUserCode(model: string, userCode: string) { return this.one('findByUserCode', model, userCode); }

  /**
   * Marks a code or refresh token used, in one conditional statement: under any timing exactly
   * one caller gets `won`, and a find afterwards (from any process) sees it consumed.
   */
  async consume(model: string, id: string): Promise<ConsumeResult> {
    const row = (await this.#sql.run<{ won: number; grant_id: string | null }>('oidc_consume', SQL.consume, [model, id])).rows[0]!;
    this.#changed(model, id);
    return { won: row.won === 1, grantId: row.grant_id };
  }

  /**
   * Records a value that may be seen once (until `expiresInSeconds`); false when a live record
   * of it exists already, however many callers race.
   */
  async insertOnce(model: string, id: string, payload: Payload, expiresInSeconds: number | undefined): Promise<boolean> {
    const ttl = expiresInSeconds ? Math.max(1, Math.ceil(expiresInSeconds)) : null;
    return (await this.#sql.run('oidc_insert_once', SQL.insertOnce, [model, id, JSON.stringify(payload), ttl])).rows.length === 1;
  }

  async destroy(model: string, id: string): Promise<void> {
    await this.#sql.run('oidc_destroy', SQL.destroy, [model, id]);
    this.#changed(model, id);
  }

  /** Removes what was issued under a grant: of one model (the adapter's contract), or all. */
  async revokeByGrantId(grantId: string, model?: string): Promise<void> {
    if (model) await this.#sql.run('oidc_revoke_model_grant', SQL.revokeModelByGrantId, [grantId, model]);
    else await this.#sql.run('oidc_revoke_grant', SQL.revokeByGrantId, [grantId]);
    // Which rows went is not known here; other processes hear of each one from the trigger.
    this.#cache.clear();
  }

  /** Removes a grant and everything issued under it (replay detected). */
  async revokeGrant(grantId: string): Promise<void> {
    await this.#sql.run('oidc_revoke_whole_grant', SQL.revokeGrant, [grantId]);
    // Which rows went is not known here; other processes hear of each one from the trigger.
    this.#cache.clear();
  }

  /** This process's own writes take effect in its cache at once, not when the notice arrives. */
  #changed(model: string, id: string): void {
    if (CACHED_MODELS.has(model)) this.#cache.invalidate(`${model}:${id}`);
  }

  /** Removes everything issued to a client that is being deregistered. */
  async revokeClient(clientId: string): Promise<void> {
    await this.knex('oidc_models').whereRaw(`payload->>'clientId' = ?`, [clientId]).delete();
    this.#cache.clear();
  }

  /** Deletes expired rows in batches; returns how many went. */
  async sweep(batch = 5000): Promise<number> {
    const res = await this.knex.raw(
      `DELETE FROM oidc_models WHERE ctid IN (SELECT ctid FROM oidc_models WHERE expires_at < now() LIMIT ?)`, [batch]);
    return res.rowCount ?? 0;
  }

  /** Sessions of one account, for the account page and "end all sessions". */
  async sessionsOf(accountId: string): Promise<Array<{ id: string; payload: Payload }>> {
    return this.knex('oidc_models')
      .where({ model: 'Session' })
      .andWhereRaw(`payload->>'accountId' = ?`, [accountId])
      .andWhere('expires_at', '>', this.knex.fn.now())
      .select('id', 'payload');
  }

  /** Grants (consents) of one account, for the account page's "platforms I authorised". */
  async grantsOf(accountId: string): Promise<Array<{ id: string; payload: Payload }>> {
    return this.knex('oidc_models')
      .where({ model: 'Grant' })
      .andWhereRaw(`payload->>'accountId' = ?`, [accountId])
      .andWhere((q) => q.whereNull('expires_at').orWhere('expires_at', '>', this.knex.fn.now()))
      .select('id', 'payload');
  }
}
