/**
 * A bounded per-process cache of rows that other processes may change or delete, kept correct by
 * change notices (change-feed.ts). The rules that make it safe for revocable state:
 * - nothing is served or stored while the feed is down, and everything is dropped when it goes
 *   down or comes back (notices may have been missed);
 * - a notice (or a local write) drops the key at once, and a read that began before the latest
 *   change to its key is not stored (per-key generations), so a late read cannot resurrect
 *   an old version;
 * - entries expire after `maxAgeMs` in any case, and at most `maxEntries` are kept.
 * What remains is the delivery delay of a notice (milliseconds), the same window a read racing
 * with the commit would have.
 */
import type { ChangeFeed } from './change-feed.ts';

export interface CacheOptions { maxAgeMs: number; maxEntries: number }

/** Taken before a read; the read's result may be stored only with its ticket. */
export interface Ticket { generation: number; at: number }

const STALE_TICKET_MS = 10_000;

export class NotifiedCache<V> {
  readonly #entries = new Map<string, { value: V; at: number; primary: string }>();
  /** For each primary key, the other keys its value is stored under (lookups by uid...). */
  readonly #aliases = new Map<string, string[]>();
  /** Keys changed recently, with the generation of the change, oldest first. */
  readonly #changed = new Map<string, { generation: number; at: number }>();
  #generation = 0;
  #resetGeneration = 0;

  constructor(private readonly feed: ChangeFeed | undefined, channel: string, private readonly opts: CacheOptions) {
    feed?.subscribe(channel, { notice: (key) => (key === '*' ? this.clear() : this.invalidate(key)), reset: () => this.clear() });
  }

  /** A ticket when caching is possible now (the feed listens), else undefined. */
  begin(): Ticket | undefined {
    if (!this.feed?.live) {
      this.feed?.start();
      return undefined;
    }
    return { generation: this.#generation, at: Date.now() };
  }

  get(key: string): V | undefined {
    if (!this.feed?.live) return undefined;
    const hit = this.#entries.get(key);
    if (!hit) return undefined;
    if (Date.now() - hit.at >= this.opts.maxAgeMs) {
      this.#drop(hit.primary);
      return undefined;
    }
    return hit.value;
  }

  /** Stores what a read begun with `ticket` returned, under its primary key and any aliases. */
  set(ticket: Ticket | undefined, primary: string, value: V, aliases: string[] = []): void {
    if (!ticket || !this.feed?.live || ticket.generation < this.#resetGeneration) return;
    const now = Date.now();
    if (now - ticket.at > STALE_TICKET_MS) return;
    const changed = this.#changed.get(primary);
    if (changed && changed.generation > ticket.generation) return;
    this.#drop(primary);
    while (this.#entries.size + aliases.length >= this.opts.maxEntries) {
      const oldest = this.#entries.values().next().value;
      if (!oldest) break;
      this.#drop(oldest.primary);
    }
    for (const key of [primary, ...aliases]) this.#entries.set(key, { value, at: now, primary });
    if (aliases.length) this.#aliases.set(primary, aliases);
  }

  /** The row under `primary` changed or went: drop it and refuse reads that began before now. */
  invalidate(primary: string): void {
    this.#generation++;
    this.#drop(primary);
    const now = Date.now();
    this.#changed.delete(primary);
    this.#changed.set(primary, { generation: this.#generation, at: now });
    for (const [key, c] of this.#changed) {
      if (now - c.at <= STALE_TICKET_MS) break;
      this.#changed.delete(key);
    }
  }

  clear(): void {
    this.#generation++;
    this.#resetGeneration = this.#generation;
    this.#entries.clear();
    this.#aliases.clear();
    this.#changed.clear();
  }

  #drop(primary: string): void {
    this.#entries.delete(primary);
    for (const alias of this.#aliases.get(primary) ?? []) this.#entries.delete(alias);
    this.#aliases.delete(primary);
  }
}
