/**
 * A per-process cache of relying platforms' metadata (what the provider reads on every request).
 * Clients are revocable state (secret rotation, removal), so entries live only while the change
 * feed listens: a trigger on `clients` notifies every process of each change (migration 005),
 * writes made by this process invalidate at once, and a lost feed empties and bypasses the cache.
 * A read racing with a change is not stored (generation check). Entries also expire after a
 * minute, as a bound should a notice ever go astray.
 */
import type { ChangeFeed } from '../store/change-feed.ts';
import type { ClientMetadata } from './client-registry.ts';

export const CLIENT_CHANNEL = 'yihao_clients';

export interface ClientSource { providerMetadata(clientId: string): Promise<ClientMetadata | undefined> }

export class ClientMetadataCache implements ClientSource {
  readonly #entries = new Map<string, { metadata: ClientMetadata; at: number }>();
  #generation = 0;

  constructor(
    private readonly source: ClientSource,
    private readonly feed: ChangeFeed | undefined,
    private readonly opts = { maxAgeMs: 60_000, maxEntries: 10_000 },
  ) {
    feed?.subscribe(CLIENT_CHANNEL, {
      notice: (clientId) => (clientId === '*' ? this.clear() : this.invalidate(clientId)),
      reset: () => this.clear(),
    });
  }

  clear(): void {
    this.#generation++;
    this.#entries.clear();
  }

  invalidate(clientId: string): void {
    this.#generation++;
    this.#entries.delete(clientId);
  }

  async providerMetadata(clientId: string): Promise<ClientMetadata | undefined> {
    const feed = this.feed;
    if (!feed?.live) {
      feed?.start();
      return this.source.providerMetadata(clientId);
    }
    const hit = this.#entries.get(clientId);
    // A copy: the provider builds its Client from this object and must not alter the cached one.
    if (hit && Date.now() - hit.at < this.opts.maxAgeMs) return structuredClone(hit.metadata);
    const generation = this.#generation;
    const metadata = await this.source.providerMetadata(clientId);
    // Unknown ids are not cached, so random ids cannot fill the memory.
    if (metadata && generation === this.#generation && feed.live) {
      if (this.#entries.size >= this.opts.maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
      this.#entries.set(clientId, { metadata: structuredClone(metadata), at: Date.now() });
    }
    return metadata;
  }
}
