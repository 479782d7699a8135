/**
 * Fault injection rules of the sandbox, targetable by channel kind and/or app id so that tests
 * can break one of two channels that point at the same sandbox.
 */
import { z } from 'zod';
import { CHANNEL_KINDS, type ChannelKind } from '../verification/channel.ts';

export const faultInputSchema = z.object({
  kind: z.enum(CHANNEL_KINDS).optional(),
  appId: z.string().min(1).optional(),
  /** ok clears the rules within the given scope (no kind/appId: all rules). */
  mode: z.enum(['slow', 'error', 'malformed', 'down', 'ok']),
  /** slow: how long to wait before answering normally. */
  delayMs: z.int().min(0).max(120_000).optional(),
  /** error: the HTTP status to answer with. */
  status: z.int().min(400).max(599).optional(),
  /** Apply to this many requests, then expire; absent = until cleared. */
  count: z.int().min(1).optional(),
});
export type FaultInput = z.infer<typeof faultInputSchema>;

export interface FaultRule {
  kind: ChannelKind | null;
  appId: string | null;
  mode: 'slow' | 'error' | 'malformed' | 'down';
  delayMs: number;
  status: number;
  remaining: number | null;
}

export class FaultBook {
  #rules: FaultRule[] = [];

  /** Adds (or replaces, for the same target) a rule; 'ok' removes rules instead. */
  set(input: FaultInput): FaultRule | null {
    const kind = input.kind ?? null;
    const appId = input.appId ?? null;
    if (input.mode === 'ok') {
      this.#rules = this.#rules.filter((r) => !((kind === null || r.kind === kind) && (appId === null || r.appId === appId)));
      return null;
    }
    const rule: FaultRule = {
      kind,
      appId,
      mode: input.mode,
      delayMs: input.delayMs ?? 2_000,
      status: input.status ?? 500,
      remaining: input.count ?? null,
    };
    this.#rules = this.#rules.filter((r) => !(r.kind === kind && r.appId === appId));
    this.#rules.push(rule);
    return rule;
  }

  /** The most specific rule for this request, counting it down. */
  take(kind: ChannelKind, appId: string | undefined): FaultRule | undefined {
    const score = (r: FaultRule) => (r.kind ? 2 : 0) + (r.appId ? 1 : 0);
    const rule = this.#rules
      .filter((r) => (r.kind === null || r.kind === kind) && (r.appId === null || r.appId === appId))
      .sort((a, b) => score(b) - score(a))[0];
    if (rule && rule.remaining !== null && --rule.remaining <= 0) {
      this.#rules = this.#rules.filter((r) => r !== rule);
    }
    return rule;
  }

  list(): readonly FaultRule[] {
    return this.#rules;
  }

  clear(): void {
    this.#rules = [];
  }
}
