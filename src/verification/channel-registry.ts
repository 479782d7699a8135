/**
 * The registry holds the configured channels, replaceable at run time, and runs a check
 * through the enabled channels of a kind by priority. A definitive answer (match or mismatch)
 * ends the search; a channel that cannot answer passes the check to the next one. Every
 * attempt leaves evidence. When nobody can answer: AppError('unavailable', 'verification.unavailable').
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { AppError, isAppError } from '../errors.ts';
import {
  CHANNEL_ERROR,
  VERIFICATION_INVALID_REQUEST,
  VERIFICATION_UNAVAILABLE,
  type ChannelAdapter,
  type ChannelConfig,
  type ChannelKind,
  type ChannelRequests,
  type ChannelResponses,
} from './channel.ts';
import { parseChannelConfig } from './channel-config.ts';
import type { BreakerState } from './circuit-breaker.ts';
import { describeChecked, type EvidenceRecord, type EvidenceSink, type ValueHasher } from './evidence.ts';
import { HttpChannelClient, type HttpChannelClientOptions } from './http-channel-client.ts';
import { PROTOCOL } from './protocol.ts';
import { MemoryQuotaStore, type QuotaStore } from './quota.ts';

export interface ChannelRegistryOptions {
  evidence: EvidenceSink;
  hash: ValueHasher;
  /** Builds an adapter from a config; defaults to HttpChannelClient. */
  createAdapter?: (config: ChannelConfig) => ChannelAdapter;
  quotaStore?: QuotaStore;
  now?: () => number;
  client?: Omit<HttpChannelClientOptions, 'quotaStore' | 'now'>;
}

export interface VerifyContext {
  subjectPersonId?: string;
  actor?: string;
}

export interface VerificationOutcome<K extends ChannelKind> {
  channelId: string;
  kind: K;
  response: ChannelResponses[K];
  evidence: EvidenceRecord;
  /** Evidence of the attempts that failed before this one. */
  failedAttempts: EvidenceRecord[];
}

export type PublicChannelConfig = Omit<ChannelConfig, 'secret'>;

export interface ChannelHealth {
  id: string;
  kind: ChannelKind;
  name: string;
  enabled: boolean;
  priority: number;
  calls: number;
  failures: number;
  /** Calls refused locally (breaker open, busy, quota) without reaching the authority. */
  skipped: number;
  p50Ms: number | null;
  p95Ms: number | null;
  breaker: BreakerState;
  quotaUsedToday: number;
  dailyQuota: number | null;
  inFlight: number;
  lastError: { code: string; at: string } | null;
}

interface Entry {
  config: ChannelConfig;
  adapter: ChannelAdapter;
  /** Serialised config: an unchanged channel keeps its adapter (and breaker) across replaceAll. */
  fingerprint: string;
}

interface Stats {
  calls: number;
  failures: number;
  skipped: number;
  latencies: number[];
  lastError: { code: string; at: string } | null;
}

/** Refusals that say nothing about the authority's own latency. */
const LOCAL_REFUSALS = new Set<string>([CHANNEL_ERROR.breakerOpen, CHANNEL_ERROR.busy, CHANNEL_ERROR.quotaExhausted]);
const LATENCY_WINDOW = 500;

export class ChannelRegistry {
  readonly #entries = new Map<string, Entry>();
  readonly #stats = new Map<string, Stats>();
  readonly #evidence: EvidenceSink;
  readonly #hash: ValueHasher;
  readonly #now: () => number;
  readonly #createAdapter: (config: ChannelConfig) => ChannelAdapter;
  readonly #attemptObservers: Array<(attempt: { channelId: string; kind: ChannelKind; outcome: string }) => void> = [];

  constructor(opts: ChannelRegistryOptions) {
    this.#evidence = opts.evidence;
    this.#hash = opts.hash;
    this.#now = opts.now ?? Date.now;
    const quotaStore = opts.quotaStore ?? new MemoryQuotaStore();
    this.#createAdapter =
      opts.createAdapter ??
      ((config) => new HttpChannelClient(config, { ...opts.client, quotaStore, now: this.#now }) as unknown as ChannelAdapter);
  }

  /** Swaps the whole set at once (e.g. after an admin change); in-flight calls finish on the old adapters. */
  replaceAll(configs: readonly unknown[]): void {
    const parsed = configs.map(parseChannelConfig);
    const ids = new Set(parsed.map((c) => c.id));
    if (ids.size !== parsed.length) throw new AppError('verification.duplicate_channel_id');
    for (const id of [...this.#entries.keys()]) if (!ids.has(id)) this.remove(id);
    for (const config of parsed) this.#put(config);
  }

  /** Called after each attempt at a channel; `outcome` is the result or the error code. */
  onAttempt(observer: (attempt: { channelId: string; kind: ChannelKind; outcome: string }) => void): void {
    this.#attemptObservers.push(observer);
  }

  /** Each channel's breaker state, without touching quotas or the network (for metrics). */
  breakerStates(): Array<{ channelId: string; kind: ChannelKind; state: BreakerState }> {
    return [...this.#entries.values()].map(({ config, adapter }) => ({ channelId: config.id, kind: config.kind, state: adapter.breakerState?.() ?? 'closed' }));
  }

  upsert(config: unknown): void {
    this.#put(parseChannelConfig(config));
  }

  remove(id: string): boolean {
    this.#stats.delete(id);
    return this.#entries.delete(id);
  }

  list(): PublicChannelConfig[] {
    return [...this.#entries.values()].map(({ config: { secret: _secret, ...rest } }) => rest);
  }

  /** Enabled adapters of a kind, preferred first (lower priority number, then id for stability). */
  candidates<K extends ChannelKind>(kind: K): ChannelAdapter<K>[] {
    return [...this.#entries.values()]
      .filter((e) => e.config.kind === kind && e.config.enabled)
      .sort((a, b) => a.config.priority - b.config.priority || a.config.id.localeCompare(b.config.id))
      .map((e) => e.adapter as unknown as ChannelAdapter<K>);
  }

  async verify<K extends ChannelKind>(
    kind: K,
    request: ChannelRequests[K],
    ctx: VerifyContext = {},
  ): Promise<VerificationOutcome<K>> {
    const parsed = PROTOCOL[kind].request.safeParse(request);
    if (!parsed.success) {
      // Field paths only: zod messages could otherwise carry the values.
      const fields = parsed.error.issues.map((i) => i.path.join('.'));
      throw new AppError(VERIFICATION_INVALID_REQUEST, `invalid ${kind} request`, { fields });
    }
    const checked = describeChecked(kind, parsed.data as ChannelRequests[K], this.#hash);
    const failedAttempts: EvidenceRecord[] = [];
    for (const adapter of this.candidates(kind)) {
      const at = new Date(this.#now()).toISOString();
      const t0 = performance.now();
      let response: ChannelResponses[K] | undefined;
      let errorCode: string | null = null;
      try {
        response = await adapter.call(parsed.data as ChannelRequests[K]);
      } catch (err) {
        if (isAppError(err) && err.kind === 'invalid_input') throw err;
        errorCode = isAppError(err) ? err.code : 'verification.channel_error';
      }
      const evidence: EvidenceRecord = {
        id: randomUUID(),
        channelId: adapter.id,
        kind,
        checked,
        result: response ? response.result : 'error',
        errorCode,
        authorityRef: response?.referenceId ?? null,
        at,
        latencyMs: Math.round(performance.now() - t0),
        subjectPersonId: ctx.subjectPersonId ?? null,
        actor: ctx.actor ?? null,
      };
      this.#observe(adapter.id, evidence);
      for (const o of this.#attemptObservers) o({ channelId: adapter.id, kind, outcome: evidence.errorCode ?? evidence.result });
      // Evidence is the basis of assurance: if it cannot be written, the check does not count.
      await this.#evidence.record(evidence);
      if (response) return { channelId: adapter.id, kind, response, evidence, failedAttempts };
      failedAttempts.push(evidence);
    }
    throw new AppError(VERIFICATION_UNAVAILABLE, 'Service temporarily unavailable, please try again later', {
      kind,
      attempts: failedAttempts.map((e) => ({ channelId: e.channelId, code: e.errorCode })),
    });
  }

  async health(): Promise<ChannelHealth[]> {
    return Promise.all(
      [...this.#entries.values()].map(async ({ config, adapter }) => {
        const stats = this.#statsFor(config.id);
        const status = (await adapter.status?.()) ?? { breaker: 'closed' as const, quotaUsedToday: 0, inFlight: 0 };
        const sorted = [...stats.latencies].sort((a, b) => a - b);
        return {
          id: config.id,
          kind: config.kind,
          name: config.name,
          enabled: config.enabled,
          priority: config.priority,
          calls: stats.calls,
          failures: stats.failures,
          skipped: stats.skipped,
          p50Ms: percentile(sorted, 0.5),
          p95Ms: percentile(sorted, 0.95),
          breaker: status.breaker,
          quotaUsedToday: status.quotaUsedToday,
          dailyQuota: config.dailyQuota,
          inFlight: status.inFlight,
          lastError: stats.lastError,
        };
      }),
    );
  }

  #put(config: ChannelConfig): void {
    const fingerprint = JSON.stringify(config);
    const current = this.#entries.get(config.id);
    if (current?.fingerprint === fingerprint) return;
    this.#entries.set(config.id, { config, adapter: this.#createAdapter(config), fingerprint });
  }

  #statsFor(id: string): Stats {
    let stats = this.#stats.get(id);
    if (!stats) {
      stats = { calls: 0, failures: 0, skipped: 0, latencies: [], lastError: null };
      this.#stats.set(id, stats);
    }
    return stats;
  }

  #observe(id: string, evidence: EvidenceRecord): void {
    if (!this.#entries.has(id)) return; // removed while the call was in flight
    const stats = this.#statsFor(id);
    stats.calls++;
    if (evidence.errorCode !== null) {
      stats.failures++;
      stats.lastError = { code: evidence.errorCode, at: evidence.at };
    }
    if (evidence.errorCode !== null && LOCAL_REFUSALS.has(evidence.errorCode)) {
      stats.skipped++;
      return;
    }
    stats.latencies.push(evidence.latencyMs);
    if (stats.latencies.length > LATENCY_WINDOW) stats.latencies.shift();
  }
}

/** Nearest-rank percentile over sorted samples. */
function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? null;
}
