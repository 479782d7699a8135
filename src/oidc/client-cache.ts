/**
 * A per-process cache of relying platforms' metadata (what the provider reads on every request).
 * Clients are revocable state (secret rotation, removal): a trigger on `clients` notifies every
 * process of each change (migration 005) and writes made by this process invalidate at once;
 * store/notified-cache.ts holds the rules that keep this safe.
 */
import type { ChangeFeed } from '../store/change-feed.ts';
import { NotifiedCache } from '../store/notified-cache.ts';
import type { ClientMetadata } from './client-registry.ts';

export const CLIENT_CHANNEL = 'yihao_clients';

export interface ClientSource { providerMetadata(clientId: string): Promise<ClientMetadata | undefined> }

export class ClientMetadataCache implements ClientSource {
  // The JSON text: the provider builds its Client from what it gets and must not alter the
  // cached value, and parsing is cheaper than a structured clone.
  readonly #cache: NotifiedCache<string>;

  constructor(private readonly source: ClientSource, feed: ChangeFeed | undefined) {
    this.#cache = new NotifiedCache(feed, CLIENT_CHANNEL, { maxAgeMs: 60_000, maxEntries: 10_000 });
  }

  invalidate(clientId: string): void { this.#cache.invalidate(clientId); }

  async providerMetadata(clientId: string): Promise<ClientMetadata | undefined> {
    const hit = this.#cache.get(clientId);
    if (hit) return JSON.parse(hit) as ClientMetadata;
    const ticket = this.#cache.begin();
    const metadata = await this.source.providerMetadata(clientId);
    // Unknown ids are not cached, so random ids cannot fill the memory.
    if (metadata) this.#cache.set(ticket, clientId, JSON.stringify(metadata));
    return metadata;
  }
}
