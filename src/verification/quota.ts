/**
 * Daily call quotas per channel. The store is injected so that several processes can share
 * one counter (a knex implementation later); the in-memory one serves tests and single nodes.
 */
export interface QuotaStore {
  /** Atomically takes one unit if `used < limit`; returns whether it was taken and the count after. */
  tryConsume(channelId: string, day: string, limit: number): Promise<{ allowed: boolean; used: number }>;
  used(channelId: string, day: string): Promise<number>;
}

export class MemoryQuotaStore implements QuotaStore {
  // One counter per channel: a new day replaces the old one, so nothing accumulates.
  readonly #counts = new Map<string, { day: string; used: number }>();

  async tryConsume(channelId: string, day: string, limit: number): Promise<{ allowed: boolean; used: number }> {
    const used = this.#read(channelId, day); // no await between read and write: atomic
    if (used >= limit) return { allowed: false, used };
    this.#counts.set(channelId, { day, used: used + 1 });
    return { allowed: true, used: used + 1 };
  }

  async used(channelId: string, day: string): Promise<number> {
    return this.#read(channelId, day);
  }

  #read(channelId: string, day: string): number {
    const entry = this.#counts.get(channelId);
    return entry && entry.day === day ? entry.used : 0;
  }
}

/** Authorities bill by the China Standard Time day (UTC+8, no DST). */
export function quotaDay(nowMs: number): string {
  return new Date(nowMs + 8 * 3_600_000).toISOString().slice(0, 10);
}
