/**
 * oidc-provider's adapter contract (see its example/my_adapter.js) over our stores: every model
 * in the one oidc_models table, except Client, which is read from the relying-platform registry.
 *
 * Single use is decided here, by the database, not by the provider's read-then-write: the
 * provider finds a code, checks `consumed`, then consumes it, so parallel redemptions all read
 * "unused". The consume is one conditional statement; a caller that loses gets the standard
 * error and the grant is revoked with everything issued under it (RFC 9700 §4.14.2), as the
 * provider does itself when it sees a used code. Seen-once records (client assertion `jti`s)
 * are likewise inserted only when absent.
 */
import type { Adapter, AdapterPayload } from 'oidc-provider';
import { errors } from 'oidc-provider';
import type { OidcModelStore } from '../store/oidc-models.ts';
import type { ClientSource } from './client-cache.ts';

/** What a lost consume is called in the provider's own error for each single-use model. */
const SINGLE_USE: Record<string, string> = {
  AuthorizationCode: 'authorization code already consumed',
  RefreshToken: 'refresh token already used',
  DeviceCode: 'device code already consumed',
  BackchannelAuthenticationRequest: 'backchannel authentication request already consumed',
};

class ModelAdapter implements Adapter {
  constructor(private readonly model: string, private readonly store: OidcModelStore) {}

  async upsert(id: string, payload: AdapterPayload, expiresIn: number) {
    if (this.model === 'ReplayDetection') {
      // Only client assertions use it here (DPoP is not enabled): the provider's own words.
      if (!(await this.store.insertOnce(this.model, id, payload as Record<string, unknown>, expiresIn))) {
        throw new errors.InvalidClientAuth('client assertion tokens must only be used once');
      }
      return;
    }
    await this.store.upsert(this.model, id, payload as Record<string, unknown>, expiresIn);
  }
  async find(id: string) { return (await this.store.find(this.model, id)) as AdapterPayload | undefined; }
  async findByUid(uid: string) { return (await this.store.findByUid(this.model, uid)) as AdapterPayload | undefined; }
  async findByUserCode(code: string) { return (await this.store.findByUserCode(this.model, code)) as AdapterPayload | undefined; }
  async consume(id: string) {
    const { won, grantId } = await this.store.consume(this.model, id);
    if (won) return;
    if (grantId) await this.store.revokeGrant(grantId);
    if (this.model === 'PushedAuthorizationRequest') throw new errors.InvalidRequest('request_uri already used');
    throw new errors.InvalidGrant(SINGLE_USE[this.model] ?? 'already used');
  }
  destroy(id: string) { return this.store.destroy(this.model, id); }
  revokeByGrantId(grantId: string) { return this.store.revokeByGrantId(grantId, this.model); }
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
