/**
 * Administration of verification channels, shared by the admin API and the CLI: list, add,
 * configure, enable, disable, reprioritise, remove, health. Every change is stored, audited and
 * applied to this process's registry at once; other processes follow within one polling interval.
 * Secrets go in and never come out: views say only that one is set.
 */
import type { Audit } from '../audit/audit.ts';
import { AppError } from '../errors.ts';
import type { ChannelRow, ChannelStore } from '../store/verification-channels.ts';
import type { EvidenceStore } from '../store/verification-evidence.ts';
import { CHANNEL_ERROR, type ChannelConfig, type ChannelKind } from './channel.ts';
import { parseChannelConfig } from './channel-config.ts';
import type { ChannelRecords } from './channel-records.ts';
import type { ChannelRegistry } from './channel-registry.ts';
import type { ChannelSync } from './channel-sync.ts';
import type { BreakerState } from './circuit-breaker.ts';
import { quotaDay, type QuotaStore } from './quota.ts';


/** Who changes a channel: an actor string (`cli`), or an administrator with address, user agent and reason. */
export type ChannelActor = string | { actor: string; ip?: string | undefined; userAgent?: string | undefined; reason?: string | undefined };
export type ChannelView = Omit<ChannelConfig, 'secret'> & { hasSecret: true; createdAt: string; updatedAt: string };

export interface ChannelHealthView {
  id: string;
  kind: ChannelKind;
  name: string;
  enabled: boolean;
  priority: number;
  /** Calls, failures and latency are counted from evidence over this many hours, across all processes. */
  windowHours: number;
  calls: number;
  failures: number;
  /** Calls refused without reaching the authority (breaker open, busy, quota used). */
  skipped: number;
  p50Ms: number | null;
  p95Ms: number | null;
  /** The breaker of the process answering; null where this process has not loaded the channel. */
  breaker: BreakerState | null;
  inFlight: number | null;
  quotaUsedToday: number;
  dailyQuota: number | null;
}

const EDITABLE = ['name', 'baseUrl', 'appId', 'secret', 'priority', 'enabled', 'timeoutMs', 'maxRetries', 'dailyQuota', 'maxConcurrency', 'breaker'];
const ADDABLE = new Set(['id', 'kind', ...EDITABLE]);
const LOCAL_REFUSALS = [CHANNEL_ERROR.breakerOpen, CHANNEL_ERROR.busy, CHANNEL_ERROR.quotaExhausted];

/** Unknown fields are refused, not ignored: a typo ("prority") must not pass silently. */
function objectWithKnownKeys(input: unknown, allowed: Set<string>): Record<string, unknown> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new AppError('verification.invalid_channel_config', 'expected a JSON object');
  }
  const unknown = Object.keys(input).filter((k) => !allowed.has(k));
  if (unknown.length) {
    throw new AppError('verification.unknown_channel_field', `unknown field(s): ${unknown.join(', ')}`, { fields: unknown });
  }
  return input as Record<string, unknown>;
}

export class ChannelAdmin {
  constructor(
    private readonly store: ChannelStore,
    private readonly records: ChannelRecords,
    private readonly sync: ChannelSync,
    private readonly registry: ChannelRegistry,
    private readonly evidence: EvidenceStore,
    private readonly quota: QuotaStore,
    private readonly audit: Audit,
    private readonly now: () => number = Date.now,
  ) {}

  async list(): Promise<ChannelView[]> {
    return (await this.store.list()).map((row) => this.#view(row));
  }

  async show(id: string): Promise<ChannelView> {
    return this.#view(await this.#require(id));
  }

  async add(input: unknown, actor: ChannelActor): Promise<ChannelView> {
    const config = parseChannelConfig(objectWithKnownKeys(input, ADDABLE));
    if (!(await this.store.insert(this.records.toRow(config)))) {
      throw new AppError('verification.channel_exists', `a channel with id ${config.id} already exists`);
    }
    await this.#applied(actor, 'verification.channel_added', config.id, { kind: config.kind, baseUrl: config.baseUrl, priority: config.priority, enabled: config.enabled });
    return this.show(config.id);
  }

  /** Merges `changes` into the stored configuration; the result is validated as a whole. */
  async update(id: string, changes: unknown, actor: ChannelActor, action = 'verification.channel_updated'): Promise<ChannelView> {
    const given = objectWithKnownKeys(changes, new Set(EDITABLE));
    const current = this.records.toInput(await this.#require(id));
    const breaker = given.breaker !== undefined && typeof given.breaker === 'object' && given.breaker !== null
      ? { ...(current.breaker as object | undefined), ...given.breaker }
      : given.breaker ?? current.breaker;
    const config = parseChannelConfig({ ...current, ...given, breaker, id, kind: current.kind });
    if (!(await this.store.update(this.records.toRow(config)))) throw new AppError('verification.channel_not_found', `no channel ${id}`);
    // Field names only: the audit trail never holds a secret.
    await this.#applied(actor, action, id, { fields: Object.keys(given).sort(), priority: config.priority, enabled: config.enabled });
    return this.show(id);
  }

  setEnabled(id: string, enabled: boolean, actor: ChannelActor): Promise<ChannelView> {
    return this.update(id, { enabled }, actor, enabled ? 'verification.channel_enabled' : 'verification.channel_disabled');
  }

  setPriority(id: string, priority: number, actor: ChannelActor): Promise<ChannelView> {
    return this.update(id, { priority }, actor, 'verification.channel_reprioritised');
  }

  async remove(id: string, actor: ChannelActor): Promise<void> {
    if (!(await this.store.remove(id))) throw new AppError('verification.channel_not_found', `no channel ${id}`);
    await this.#applied(actor, 'verification.channel_removed', id, {});
  }

  /**
   * Per-channel health. Counts and latency come from the evidence of every process; the breaker
   * and in-flight calls are this process's own (each process has its own breaker).
   */
  async health(windowHours = 24): Promise<ChannelHealthView[]> {
    const now = this.now();
    const rows = await this.store.list();
    const stats = new Map((await this.evidence.channelStats(new Date(now - windowHours * 3_600_000), LOCAL_REFUSALS)).map((s) => [s.channelId, s]));
    const local = new Map((await this.registry.health()).map((h) => [h.id, h]));
    const day = quotaDay(now);
    return Promise.all(rows.map(async (row) => {
      const s = stats.get(row.id);
      const l = local.get(row.id);
      const settings = row.settings as { dailyQuota?: number | null };
      return {
        id: row.id,
        kind: row.kind as ChannelKind,
        name: row.name,
        enabled: row.enabled,
        priority: row.priority,
        windowHours,
        calls: s?.calls ?? 0,
        failures: s?.failures ?? 0,
        skipped: s?.skipped ?? 0,
        p50Ms: s?.p50Ms ?? null,
        p95Ms: s?.p95Ms ?? null,
        breaker: l?.breaker ?? null,
        inFlight: l?.inFlight ?? null,
        quotaUsedToday: await this.quota.used(row.id, day),
        dailyQuota: settings.dailyQuota ?? null,
      };
    }));
  }

  async #require(id: string): Promise<ChannelRow> {
    const row = await this.store.find(id);
    if (!row) throw new AppError('verification.channel_not_found', `no channel ${id}`);
    return row;
  }

  async #applied(actor: ChannelActor, action: string, id: string, detail: Record<string, unknown>): Promise<void> {
    await this.sync.reload();
    // An administrator's address and user agent are recorded with the change (the CLI has none).
    const by = typeof actor === 'string' ? { actor } : actor;
    await this.audit.record({ actor: by.actor, action, target: id, detail: { ...detail, ...(by.reason ? { reason: by.reason } : {}), ...(by.ip ? { ip: by.ip } : {}), ...(by.userAgent ? { userAgent: by.userAgent } : {}) } });
  }

  #view(row: ChannelRow): ChannelView {
    return { ...this.records.publicFields(row), hasSecret: true, createdAt: new Date(row.created_at).toISOString(), updatedAt: new Date(row.updated_at).toISOString() } as ChannelView;
  }
}
