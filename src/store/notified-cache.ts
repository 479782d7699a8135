/**
 * A bounded per-process cache of rows that other processes may change or delete, kept correct by
 * change notices (change-feed.ts). The rules that make it safe for revocable state:
 * - nothing is served or stored while the feed is down, and everything is dropped when it goes
 *   down or comes back (notices may have been missed);
 * - a notice (or a local write) drops the key at once, and a read that began before the latest
 *   change to its key is not stored (per-key generations), so a late read cannot resurrect an
 *   old version;
 * - entries expire after `maxAgeMs` in any case, and at most `maxEntries` are kept (least
 *   recently used go first), so memory stays bounded however many sessions and tokens there
 *   are (20,000 rows of about a kilobyte: some 20 MB per cache and process).
 * What remains is the delivery delay of a notice (milliseconds), the same window a read racing
 * with the commit would have.
 *
 * Versioned channels (`versioned`): a notice reads "<key> <version>", the version being the
 * writing transaction. A process that writes a row stores what it wrote with that version
 * (write-through); the notice of its own write then leaves the entry alone, and any other
 * write, which notices in commit order, still drops it.
 */
import type { ChangeFeed } from './change-feed.ts';

export interface CacheOptions { maxAgeMs: number; maxEntries: number; versioned?: boolean }

/** Taken before a read or a write; its result may be stored only with its ticket. */
export interface Ticket { generation: number; at: number }

const STALE_TICKET_MS = 10_000;

interface Entry<V> { value: V; at: number; primary: string; version: string | undefined }

export class NotifiedCache<V> {
  readonly #entries = new Map<string, Entry<V>>();
  /** For each primary key, the other keys its value is stored under (lookups by uid...). */
  readonly #aliases = new Map<string, string[]>();
  /** Keys changed recently: generation and version of the latest change, oldest first. */
  readonly #changed = new Map<string, { generation: number; at: number; version: string | undefined }>();
  #generation = 0;
  #resetGeneration = 0;

  constructor(private readonly feed: ChangeFeed | undefined, channel: string, private readonly opts: CacheOptions) {
    feed?.subscribe(channel, {
      notice: (payload) => {
        if (payload === '*') return this.clear();
        const space = opts.versioned ? payload.lastIndexOf(' ') : -1;
        return space < 0 ? this.invalidate(payload) : this.invalidate(payload.slice(0, space), payload.slice(space + 1));
      },
      reset: () => this.clear(),
    });
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
    this.#entries.delete(key); // most recently used last
    this.#entries.set(key, hit);
    return hit.value;
  }

  /**
   * Stores what a read (or this process's own write, with its `version`) begun with `ticket`
   * returned, under its primary key and any aliases.
   */
  set(ticket: Ticket | undefined, primary: string, value: V, aliases: string[] = [], version?: string): void {
    if (!ticket || !this.feed?.live || ticket.generation < this.#resetGeneration) return;
    const now = Date.now();
    if (now - ticket.at > STALE_TICKET_MS) return;
    const changed = this.#changed.get(primary);
    if (changed && changed.generation > ticket.generation && (version === undefined || changed.version !== version)) return;
    this.#drop(primary);
    while (this.#entries.size + aliases.length >= this.opts.maxEntries) {
      const oldest = this.#entries.values().next().value;
      if (!oldest) break;
      this.#drop(oldest.primary);
    }
    for (const key of [primary, ...aliases]) this.#entries.set(key, { value, at: now, primary, version });
    if (aliases.length) this.#aliases.set(primary, aliases);
  }

  /**
   * The row under `primary` changed or went: drop it and refuse reads that began before now.
   * A notice carrying the version an entry was written with is that write's own: kept.
   */
  invalidate(primary: string, version?: string): void {
    this.#generation++;
    const now = Date.now();
    this.#changed.delete(primary);
    this.#changed.set(primary, { generation: this.#generation, at: now, version });
    for (const [key, c] of this.#changed) {
      if (now - c.at <= STALE_TICKET_MS) break;
      this.#changed.delete(key);
    }
    const entry = this.#entries.get(primary);
    if (!entry || version === undefined || entry.version !== version) this.#drop(primary);
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
