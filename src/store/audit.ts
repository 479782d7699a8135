/**
 * The audit trail's SQL. Appends only: the database computes each event's chain hash (migration
 * 20261201_001_audit_chain) and refuses UPDATE, DELETE and TRUNCATE; old events leave only
 * through audit_expire, after they are archived.
 */
import type { Knex } from 'knex';
import { Statements } from './statements.ts';

export interface AuditEvent { actor: string; action: string; target?: string; detail?: Record<string, unknown> }

export interface StoredAuditEvent {
  id: string;
  at: Date;
  actor: string;
  action: string;
  target: string | null;
  detail: Record<string, unknown>;
}

/** An event as the chain hashes it: `detailText` is the jsonb's text form, byte for byte. */
export interface ChainRow {
  id: string;
  at: Date;
  actor: string;
  action: string;
  target: string | null;
  detailText: string;
  prevHash: string;
  hash: string;
}

export interface CheckpointRow { id: string; at: Date; lastEventId: string; lastHash: string; jws: string }
export interface AnchorRow { throughEventId: string; throughHash: string; before: Date; removed: string }

export interface AuditFilter {
  from?: Date;
  to?: Date;
  actor?: string;
  target?: string;
  action?: string;
  /** Events with this actor or this target (a person's own export: their account id). */
  involving?: string;
}

const CHAIN_COLUMNS = ['id', 'at', 'actor', 'action', 'target', 'prev_hash', 'hash'] as const;

export class AuditStore {
  readonly #sql: Statements;

  constructor(private readonly knex: Knex) {
    this.#sql = new Statements(knex);
  }

  // Every login appends here: a prepared statement (statements.ts).
  async append(e: AuditEvent): Promise<void> {
    await this.#sql.run('audit_append', 'INSERT INTO audit_events (actor, action, target, detail) VALUES ($1, $2, $3, $4::jsonb)',
      [e.actor, e.action, e.target ?? null, JSON.stringify(e.detail ?? {})]);
  }

  recent(limit = 100): Promise<StoredAuditEvent[]> {
    return this.knex('audit_events').select('id', 'at', 'actor', 'action', 'target', 'detail').orderBy('id', 'desc').limit(limit);
  }

  /** One page of matching events in id order, after `afterId` (keyset paging for exports). */
  query(filter: AuditFilter, afterId: string | null, limit: number): Promise<StoredAuditEvent[]> {
    const q = this.knex('audit_events').select('id', 'at', 'actor', 'action', 'target', 'detail').orderBy('id').limit(limit);
    if (afterId !== null) q.where('id', '>', afterId);
    if (filter.from) q.where('at', '>=', filter.from);
    if (filter.to) q.where('at', '<', filter.to);
    if (filter.actor !== undefined) q.where('actor', filter.actor);
    if (filter.target !== undefined) q.where('target', filter.target);
    if (filter.action !== undefined) q.where('action', filter.action);
    if (filter.involving !== undefined) { const who = filter.involving; q.where((w) => w.where('actor', who).orWhere('target', who)); }
    return q;
  }

  /** One page of the chain in id order after `afterId`, up to `throughId` when given. */
  async chainPage(afterId: string | null, limit: number, throughId?: string): Promise<ChainRow[]> {
    const q = this.knex('audit_events').select(...CHAIN_COLUMNS, this.knex.raw('detail::text AS detail_text')).orderBy('id').limit(limit);
    if (afterId !== null) q.where('id', '>', afterId);
    if (throughId !== undefined) q.where('id', '<=', throughId);
    const rows = await q as Array<Record<string, unknown>>;
    return rows.map((r) => ({
      id: String(r.id), at: r.at as Date, actor: r.actor as string, action: r.action as string, target: (r.target as string | null) ?? null,
      detailText: r.detail_text as string, prevHash: r.prev_hash as string, hash: r.hash as string,
    }));
  }

  async head(): Promise<{ id: string; hash: string } | undefined> {
    const row = await this.knex('audit_events').select('id', 'hash').orderBy('id', 'desc').first();
    return row ? { id: String(row.id), hash: row.hash } : undefined;
  }

  async event(id: string): Promise<{ id: string; hash: string } | undefined> {
    const row = await this.knex('audit_events').select('id', 'hash').where({ id }).first();
    return row ? { id: String(row.id), hash: row.hash } : undefined;
  }

  /** The last event of the longest prefix of the chain whose events are all before `before`. */
  async archiveCutoff(before: Date): Promise<{ id: string; hash: string } | undefined> {
    const firstKept = await this.knex('audit_events').min('id as id').where('at', '>=', before).first();
    const q = this.knex('audit_events').select('id', 'hash').orderBy('id', 'desc');
    if (firstKept?.id != null) q.where('id', '<', firstKept.id);
    const row = await q.first();
    return row ? { id: String(row.id), hash: row.hash } : undefined;
  }

  async checkpoints(): Promise<CheckpointRow[]> {
    const rows = await this.knex('audit_checkpoints').select('id', 'at', 'last_event_id', 'last_hash', 'jws').orderBy('id');
    return rows.map((r) => ({ id: String(r.id), at: r.at, lastEventId: String(r.last_event_id), lastHash: r.last_hash, jws: r.jws }));
  }

  async addCheckpoint(lastEventId: string, lastHash: string, jws: string): Promise<string> {
    const [row] = await this.knex('audit_checkpoints').insert({ last_event_id: lastEventId, last_hash: lastHash, jws }).returning('id');
    return String(row.id);
  }

  async latestAnchor(): Promise<AnchorRow | undefined> {
    const r = await this.knex('audit_anchors').orderBy('id', 'desc').first();
    return r ? { throughEventId: String(r.through_event_id), throughHash: r.through_hash, before: r.before, removed: String(r.removed) } : undefined;
  }

  /** Removes the archived prefix through `throughId` (the database checks age and checkpoint). */
  async expire(throughId: string, hash: string, before: Date): Promise<number> {
    const { rows } = await this.knex.raw('SELECT audit_expire(?, ?, ?) AS removed', [throughId, hash, before]);
    return Number(rows[0].removed);
  }
}
