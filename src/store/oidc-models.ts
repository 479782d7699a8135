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
import { pending } from './request-memo.ts';
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

const SQL = {
  upsert: UPSERT,
  // A consume carried by the next save of the same request (see consume()).
  upsertConsuming: `WITH consumed AS (UPDATE oidc_models SET consumed_at = now() WHERE model = $8 AND id = $9) ${UPSERT}`,
  find: `${SELECT} WHERE model = $1 AND id = $2 AND ${LIVE}`,
  findByUid: `${SELECT} WHERE model = $1 AND uid = $2 AND ${LIVE} LIMIT 1`,
  findByUserCode: `${SELECT} WHERE model = $1 AND user_code = $2 AND ${LIVE} LIMIT 1`,
  consume: 'UPDATE oidc_models SET consumed_at = now() WHERE model = $1 AND id = $2',
  destroy: 'DELETE FROM oidc_models WHERE model = $1 AND id = $2',
  revokeByGrantId: 'DELETE FROM oidc_models WHERE grant_id = $1',
} as const;

interface Consume { model: string; id: string }
const CONSUMES = 'oidc_models.consume';

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
    const carried = pending(CONSUMES, this.#consumeNow)?.splice(0) ?? [];
    const carry = carried.pop();
    if (carried.length) await this.#consumeNow(carried);
    // Saving what this process last wrote changes nothing: the provider re-saves the SSO session
    // on every authorization, and its expiry is absolute (provider.ts), so the row is unchanged.
    // A change by another process would have dropped the entry (change notices).
    const held = cached ? this.#cache.get(`${model}:${id}`) : undefined;
    if (held && held.json === json && held.consumed === null) {
      if (carry) await this.#consumeNow([carry]);
      return;
    }
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
    const { rows: [written] } = await this.#sql.run<{ version: string; expires: number | null }>(
      carry ? 'oidc_upsert_consuming' : 'oidc_upsert', carry ? SQL.upsertConsuming : SQL.upsert, carry ? [...values, carry.model, carry.id] : values);
    if (carry) this.#changed(carry.model, carry.id);
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
   * Within a provider request, a consume waits for the request's next save and goes in the same
   * statement: a redeemed code or rotated refresh token is followed at once by saving the tokens
   * issued for it, so that is one round trip and one commit instead of two, and the old token is
   * marked used in the same transaction that stores its successor. A consume no save followed is
   * written when the request ends, before any response (request-memo.ts). Until then a read in
   * the same request would see the token unused; oidc-provider never reads one again after
   * consuming it.
   */
  async consume(model: string, id: string): Promise<void> {
    const queue = pending(CONSUMES, this.#consumeNow);
    if (queue) queue.push({ model, id });
    else await this.#consumeNow([{ model, id }]);
  }

  readonly #consumeNow = async (list: Consume[]): Promise<void> => {
    for (const { model, id } of list) {
      await this.#sql.run('oidc_consume', SQL.consume, [model, id]);
      this.#changed(model, id);
    }
  };

  async destroy(model: string, id: string): Promise<void> {
    await this.#sql.run('oidc_destroy', SQL.destroy, [model, id]);
    this.#changed(model, id);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await this.#sql.run('oidc_revoke_grant', SQL.revokeByGrantId, [grantId]);
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
