/**
 * SQL for verification evidence: append-only inserts, the matches that make a person's level,
 * and per-channel statistics shared by every process (health).
 */
import type { Knex } from 'knex';
import type { ChangeFeed } from './change-feed.ts';
import { NotifiedCache } from './notified-cache.ts';

export const EVIDENCE_CHANNEL = 'yihao_evidence';

/** The shape written; structurally the verification module's EvidenceRecord. */
export interface EvidenceWrite {
  id: string;
  channelId: string;
  kind: string;
  checked: Array<{ field: string; hash: string; masked: string }>;
  result: string;
  errorCode: string | null;
  authorityRef: string | null;
  at: string;
  latencyMs: number;
  subjectPersonId: string | null;
  actor: string | null;
}

export interface EvidenceMatch {
  id: string;
  kind: string;
  at: Date;
  checked: Array<{ field: string; hash: string; masked: string }>;
  authorityRef: string | null;
}

export interface ChannelStatsRow {
  channelId: string;
  calls: number;
  failures: number;
  skipped: number;
  p50Ms: number | null;
  p95Ms: number | null;
}

interface CachedMatches { kinds: string; since: number; rows: EvidenceMatch[] }

export class EvidenceStore {
  /**
   * A person's matches, read on every token and userinfo response (the assurance_level claim):
   * cached per process while change notices arrive (notified-cache.ts; trigger in migration 005).
   */
  readonly #matches: NotifiedCache<CachedMatches>;

  constructor(private readonly knex: Knex, feed?: ChangeFeed) {
    this.#matches = new NotifiedCache(feed, EVIDENCE_CHANNEL, { maxAgeMs: 30_000, maxEntries: 20_000 });
  }

  /** Evidence about people, a batch at a time in id order (re-keying after a field-key rotation). */
  subjectBatch(afterId: string, limit: number): Promise<Array<{ id: string; subject_person_id: string; checked: EvidenceWrite['checked'] }>> {
    return this.knex('verification_evidence').whereNotNull('subject_person_id').andWhere('id', '>', afterId)
      .orderBy('id').limit(limit).select('id', 'subject_person_id', 'checked');
  }

  /** Replaces the keyed hashes of a record (same values, new key); the trigger notifies caches. */
  async rekey(id: string, checked: EvidenceWrite['checked']): Promise<void> {
    await this.knex('verification_evidence').where({ id }).update({ checked: JSON.stringify(checked) });
  }

  /**
   * Gives evidence gathered before the account existed (registration) to the account; only
   * records that name nobody yet. Returns how many.
   */
  async attach(ids: string[], personId: string): Promise<number> {
    if (ids.length === 0) return 0;
    const n = await this.knex('verification_evidence').whereIn('id', ids).whereNull('subject_person_id').update({ subject_person_id: personId });
    this.#matches.invalidate(personId);
    return n;
  }

  async record(e: EvidenceWrite): Promise<void> {
    await this.knex('verification_evidence').insert({
      id: e.id,
      channel_id: e.channelId,
      kind: e.kind,
      checked: JSON.stringify(e.checked),
      result: e.result,
      error_code: e.errorCode,
      authority_ref: e.authorityRef,
      at: e.at,
      latency_ms: e.latencyMs,
      subject_person_id: e.subjectPersonId,
      actor: e.actor,
    });
    if (e.subjectPersonId) this.#matches.invalidate(e.subjectPersonId);
  }

  /** A person's matching checks of these kinds since `since`, newest first. */
  async matchesOf(personId: string, kinds: string[], since: Date): Promise<EvidenceMatch[]> {
    if (kinds.length === 0) return [];
    const kindsKey = kinds.join(',');
    const hit = this.#matches.get(personId);
    // Served from an earlier, wider read: the rows since `since` are a subset of it.
    if (hit && hit.kinds === kindsKey && hit.since <= since.getTime()) {
      return hit.rows.filter((m) => m.at.getTime() >= since.getTime()).map((m) => ({ ...m }));
    }
    const ticket = this.#matches.begin();
    const rows = await this.knex('verification_evidence')
      .where({ subject_person_id: personId, result: 'match' })
      .whereIn('kind', kinds)
      .andWhere('at', '>=', since)
      .orderBy('at', 'desc')
      .select('id', 'kind', 'at', 'checked', 'authority_ref');
    const matches: EvidenceMatch[] = rows.map((r) => ({ id: r.id, kind: r.kind, at: r.at, checked: r.checked, authorityRef: r.authority_ref }));
    this.#matches.set(ticket, personId, { kinds: kindsKey, since: since.getTime(), rows: matches.map((m) => ({ ...m })) });
    return matches;
  }

  /** All attempts about a person, newest first (the account page's history). */
  async historyOf(personId: string, limit = 50): Promise<EvidenceWrite[]> {
    const rows = await this.knex('verification_evidence').where({ subject_person_id: personId }).orderBy('at', 'desc').limit(limit);
    return rows.map((r) => ({
      id: r.id, channelId: r.channel_id, kind: r.kind, checked: r.checked, result: r.result, errorCode: r.error_code,
      authorityRef: r.authority_ref, at: new Date(r.at).toISOString(), latencyMs: r.latency_ms, subjectPersonId: r.subject_person_id, actor: r.actor,
    }));
  }

  /**
   * Calls, failures and latency percentiles per channel since `since`, over every process.
   * Local refusals (breaker open, busy, quota) are counted as skipped and left out of latency.
   */
  async channelStats(since: Date, localRefusals: string[]): Promise<ChannelStatsRow[]> {
    const res = await this.knex.raw(
      `WITH e AS (
         SELECT channel_id, result, latency_ms, coalesce(error_code = ANY(?::text[]), false) AS refused
           FROM verification_evidence
          WHERE at >= ?)
       SELECT channel_id,
              count(*)::int AS calls,
              (count(*) FILTER (WHERE result = 'error'))::int AS failures,
              (count(*) FILTER (WHERE refused))::int AS skipped,
              percentile_disc(0.5) WITHIN GROUP (ORDER BY latency_ms) FILTER (WHERE NOT refused) AS p50,
              percentile_disc(0.95) WITHIN GROUP (ORDER BY latency_ms) FILTER (WHERE NOT refused) AS p95
         FROM e
        GROUP BY channel_id`,
      [localRefusals, since],
    );
    return (res.rows as Array<Record<string, unknown>>).map((r) => ({
      channelId: String(r.channel_id),
      calls: Number(r.calls),
      failures: Number(r.failures),
      skipped: Number(r.skipped),
      p50Ms: r.p50 === null ? null : Number(r.p50),
      p95Ms: r.p95 === null ? null : Number(r.p95),
    }));
  }
}
