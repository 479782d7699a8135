/**
 * oidc-provider's adapter contract (see its example/my_adapter.js) over our stores: every model
 * in the one oidc_models table, except Client, which is read from the relying-platform registry.
 */
import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { OidcModelStore } from '../store/oidc-models.ts';
import type { ClientSource } from './client-cache.ts';

class ModelAdapter implements Adapter {
  constructor(private readonly model: string, private readonly store: OidcModelStore) {}

  upsert(id: string, payload: AdapterPayload, expiresIn: number) {
    return this.store.upsert(this.model, id, payload as Record<string, unknown>, expiresIn);
  }
  async find(id: string) { return (await this.store.find(this.model, id)) as AdapterPayload | undefined; }
  async findByUid(uid: string) { return (await this.store.findByUid(this.model, uid)) as AdapterPayload | undefined; }
  async findByUserCode(code: string) { return (await this.store.findByUserCode(this.model, code)) as AdapterPayload | undefined; }
  consume(id: string) { return this.store.consume(this.model, id); }
  destroy(id: string) { return this.store.destroy(this.model, id); }
  revokeByGrantId(grantId: string) { return this.store.revokeByGrantId(grantId); }
}

/** Clients are managed by operators (CLI / admin API), never written by the provider. */
class ClientAdapter implements Adapter {
  constructor(private readonly registry: ClientSource) {}

  async find(id: string) { return (await this.registry.providerMetadata(id)) as AdapterPayload | undefined; }
  async upsert() { throw new Error('clients are managed through the client registry'); }
  async findByUid() { return undefined; }
  async findByUserCode() { return undefined; }
  async consume() {}
  async destroy() { throw new Error('clients are managed through the client registry'); }
  async revokeByGrantId() {}
}

export function adapterFactory(store: OidcModelStore, clients: ClientSource) {
  return class {
    constructor(name: string) {
      return name === 'Client' ? new ClientAdapter(clients) : new ModelAdapter(name, store);
    }
  } as unknown as new (name: string) => Adapter;
}
