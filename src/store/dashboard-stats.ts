/**
 * Aggregates for the administrators' dashboard: counts over the last day, grouped in the
 * database (plain SQL that PGlite and PostgreSQL both run). Hours are whole hours since the epoch,
 * so the buckets do not depend on the session's time zone.
 */
import type { Knex } from 'knex';

export interface HourCount { hour: number; key: string; n: number }
export interface ChannelCount { channelId: string; kind: string; result: string; n: number }
/** A bucket of the assurance distribution: one mark per kind held, `kind@days`. */
export interface EvidenceBucket { kind: string; since: Date; mark: string }

const rows = (res: { rows: unknown[] }) => res.rows as Array<Record<string, unknown>>;

export class DashboardStatsStore {
  constructor(private readonly knex: Knex) {}

  /** Audit events of `actions` per hour since `since`, keyed by `action` or by a detail field. */
  async eventsPerHour(actions: string[], since: Date, keyBy: { detail: string } | 'action'): Promise<HourCount[]> {
    if (actions.length === 0) return [];
    const key = keyBy === 'action' ? 'action' : `action || ':' || coalesce(detail->>'${keyBy.detail.replace(/[^a-z_]/g, '')}', 'unknown')`;
    const res = await this.knex.raw(
      `SELECT floor(extract(epoch FROM at) / 3600)::bigint AS hour, ${key} AS key, count(*)::int AS n
         FROM audit_events WHERE action = ANY(?::text[]) AND at >= ? GROUP BY 1, 2`,
      [actions, since],
    );
    return rows(res).map((r) => ({ hour: Number(r.hour), key: String(r.key), n: Number(r.n) }));
  }

  /** Verification attempts since `since` per channel and result (match, mismatch, error). */
  async verificationsByChannel(since: Date): Promise<ChannelCount[]> {
    const res = await this.knex.raw(
      `SELECT channel_id, kind, result, count(*)::int AS n FROM verification_evidence WHERE at >= ? GROUP BY 1, 2, 3 ORDER BY 1, 3`,
      [since],
    );
    return rows(res).map((r) => ({ channelId: String(r.channel_id), kind: String(r.kind), result: String(r.result), n: Number(r.n) }));
  }

  /** Throttle counters locked now (spent login or second-factor counters, authn/throttle.ts). */
  async throttleLocks(): Promise<number> {
    const r = await this.knex('rate_limits').where('locked_until', '>', this.knex.fn.now()).count<{ n: string }[]>('* as n').first();
    return Number(r?.n ?? 0);
  }

  /** SSO sessions alive now, and the accounts they belong to. */
  async activeSessions(): Promise<{ sessions: number; accounts: number }> {
    const res = await this.knex.raw(
      `SELECT count(*)::int AS sessions, count(DISTINCT payload->>'accountId')::int AS accounts
         FROM oidc_models WHERE model = 'Session' AND (expires_at IS NULL OR expires_at > now())`,
    );
    const r = rows(res)[0] ?? {};
    return { sessions: Number(r.sessions ?? 0), accounts: Number(r.accounts ?? 0) };
  }

  async activePersons(): Promise<number> {
    const r = await this.knex('persons').where({ status: 'active' }).count<{ n: string }[]>('* as n').first();
    return Number(r?.n ?? 0);
  }

  /**
   * Active persons by the set of buckets their freshest match of each kind falls in (`buckets`
   * ordered so that, per kind, the narrowest window comes first). Persons without a bucket are
   * not returned: they hold nothing the ladder counts.
   */
  async evidenceSignatures(buckets: EvidenceBucket[]): Promise<Array<{ signature: string; n: number }>> {
    if (buckets.length === 0) return [];
    const kinds = [...new Set(buckets.map((b) => b.kind))];
    const oldest = new Date(Math.min(...buckets.map((b) => b.since.getTime())));
    const cases = buckets.map(() => 'WHEN kind = ? AND at >= ? THEN ?').join(' ');
    const res = await this.knex.raw(
      `WITH latest AS (
         SELECT e.subject_person_id AS p, e.kind, max(e.at) AS at
           FROM verification_evidence e JOIN persons ps ON ps.id = e.subject_person_id
          WHERE e.result = 'match' AND ps.status = 'active' AND e.kind = ANY(?::text[]) AND e.at >= ?
          GROUP BY 1, 2),
       marks AS (SELECT p, CASE ${cases} END AS mark FROM latest)
       SELECT signature, count(*)::int AS n FROM (
         SELECT p, string_agg(mark, ',' ORDER BY mark) AS signature FROM marks WHERE mark IS NOT NULL GROUP BY p) s
       GROUP BY signature`,
      [kinds, oldest, ...buckets.flatMap((b) => [b.kind, b.since, b.mark])],
    );
    return rows(res).map((r) => ({ signature: String(r.signature), n: Number(r.n) }));
  }
}
