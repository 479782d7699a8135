/**
 * What the administrators' dashboard shows, over the last 24 hours: logins per hour by method,
 * verification attempts and failures per channel, locks, active sessions, and how many accounts
 * hold each assurance level. Numbers only (no koa); the page draws them (console/dashboard-pages.ts).
 */
import type { DashboardStatsStore, EvidenceBucket } from '../store/dashboard-stats.ts';
import { levelIndex, type AssuranceLadder, type EvidenceFact } from '../verification/assurance-ladder.ts';
import type { ChannelKind } from '../verification/channel.ts';

const HOUR = 3_600_000;
const DAY = 86_400_000;
export const DASHBOARD_HOURS = 24;

/**
 * Audit actions counted as locks: an administrator disabling or locking an account. Login and
 * second-factor lockouts are not audit events; they are counted live from the throttle table.
 */
export const LOCK_ACTIONS = ['person.disabled', 'person.locked', 'account.locked'];

export interface DashboardData {
  /** Start of each hour shown, oldest first. */
  hours: Date[];
  /** Per method: successful and failed logins per hour (aligned with `hours`). */
  logins: Array<{ method: string; success: number[]; failure: number[] }>;
  verifications: Array<{ channelId: string; kind: string; match: number; mismatch: number; error: number }>;
  locks: Array<{ action: string; perHour: number[] }>;
  throttleLocks: number;
  sessions: { sessions: number; accounts: number };
  assurance: Array<{ levelId: string; name: { 'zh-CN': string; en: string }; count: number }>;
}

export class DashboardStats {
  constructor(private readonly store: DashboardStatsStore, private readonly ladder: AssuranceLadder, private readonly now: () => number = Date.now) {}

  async collect(): Promise<DashboardData> {
    const now = this.now();
    const firstHour = Math.floor(now / HOUR) - (DASHBOARD_HOURS - 1);
    const since = new Date(firstHour * HOUR);
    const hours = Array.from({ length: DASHBOARD_HOURS }, (_, i) => new Date((firstHour + i) * HOUR));
    const [logins, verifications, locks, throttleLocks, sessions, assurance] = await Promise.all([
      this.store.eventsPerHour(['login.success', 'login.failure'], since, { detail: 'method' }),
      this.store.verificationsByChannel(since),
      this.store.eventsPerHour(LOCK_ACTIONS, since, 'action'),
      this.store.throttleLocks(),
      this.store.activeSessions(),
      this.assurance(now),
    ]);
    const perHour = () => new Array<number>(DASHBOARD_HOURS).fill(0);
    const slot = (hour: number) => hour - firstHour;

    const byMethod = new Map<string, { method: string; success: number[]; failure: number[] }>();
    for (const row of logins) {
      const [action, method = 'unknown'] = row.key.split(/:(.*)/s);
      const entry = byMethod.get(method) ?? { method, success: perHour(), failure: perHour() };
      byMethod.set(method, entry);
      const i = slot(row.hour);
      if (i >= 0 && i < DASHBOARD_HOURS) entry[action === 'login.success' ? 'success' : 'failure'][i]! += row.n;
    }

    const byChannel = new Map<string, DashboardData['verifications'][number]>();
    for (const row of verifications) {
      const entry = byChannel.get(row.channelId) ?? { channelId: row.channelId, kind: row.kind, match: 0, mismatch: 0, error: 0 };
      byChannel.set(row.channelId, entry);
      if (row.result === 'match' || row.result === 'mismatch' || row.result === 'error') entry[row.result] += row.n;
    }

    const lockRows = new Map<string, number[]>();
    for (const row of locks) {
      const counts = lockRows.get(row.key) ?? perHour();
      lockRows.set(row.key, counts);
      const i = slot(row.hour);
      if (i >= 0 && i < DASHBOARD_HOURS) counts[i]! += row.n;
    }

    return {
      hours,
      logins: [...byMethod.values()].sort((a, b) => a.method.localeCompare(b.method)),
      verifications: [...byChannel.values()],
      locks: [...lockRows].map(([action, perHour]) => ({ action, perHour })).sort((a, b) => a.action.localeCompare(b.action)),
      throttleLocks,
      sessions,
      assurance,
    };
  }

  /**
   * Active accounts per level. The freshest match of each kind is put in the narrowest validity
   * window of the ladder that still holds it, and the level is computed from those windows by
   * the ladder itself. Unlike a token's level, the keyed hashes are not compared with the
   * account's current ID number (a changed number is rare; the dashboard is an overview).
   */
  async assurance(now: number): Promise<DashboardData['assurance']> {
    const windows = new Map<string, Set<number>>();
    for (const level of this.ladder.levels) {
      for (const group of level.requires) for (const option of group.anyOf) (windows.get(option.kind) ?? windows.set(option.kind, new Set()).get(option.kind)!).add(option.validDays);
    }
    const buckets: EvidenceBucket[] = [...windows].flatMap(([kind, days]) => [...days].sort((a, b) => a - b)
      .map((d) => ({ kind, since: new Date(now - d * DAY), mark: `${kind}@${d}` })));
    const [total, signatures] = await Promise.all([this.store.activePersons(), this.store.evidenceSignatures(buckets)]);
    const counts = new Array<number>(this.ladder.levels.length).fill(0);
    let placed = 0;
    for (const { signature, n } of signatures) {
      // One minute inside the window: the fact passes exactly the windows its real age passes.
      const facts: EvidenceFact[] = signature.split(',').map((mark) => {
        const [kind, days] = mark.split('@');
        return { kind: kind as ChannelKind, at: new Date(now - Number(days) * DAY + 60_000) };
      });
      counts[levelIndex(this.ladder, facts, now)]! += n;
      placed += n;
    }
    counts[0]! += Math.max(0, total - placed);
    return this.ladder.levels.map((l, i) => ({ levelId: l.id, name: l.name, count: counts[i]! }));
  }
}
