/**
 * Yihao's own first-party consoles (the account console, the admin console) are relying
 * platforms of Yihao itself: built-in clients registered in the ordinary client registry so
 * operators see them, and kept in line with ISSUER at every start.
 */
import { AppError, isAppError } from '../errors.ts';
import type { ClientMetadata, ClientRegistry } from './client-registry.ts';

/** The fields we own; an operator's other edits (none are expected) are left alone. */
const differs = (current: ClientMetadata, wanted: ClientMetadata) =>
  Object.entries(wanted).some(([k, v]) => JSON.stringify(current[k]) !== JSON.stringify(v));

/**
 * What Yihao's own consoles register as: a public client (the code is protected by PKCE, S256,
 * and exchanged server-side), the account id itself as `sub` (not the platforms' pairwise
 * default), auth_time always present (fresh-login checks), no consent screen.
 */
export function consoleClientMetadata(c: { name: string; callback: string; postLogout: string }): ClientMetadata {
  return {
    client_name: c.name,
    application_type: 'web',
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code'],
    response_types: ['code'],
    redirect_uris: [c.callback],
    post_logout_redirect_uris: [c.postLogout],
    scope: 'openid',
    subject_type: 'public',
    require_auth_time: true,
    first_party: true,
  };
}

export class BuiltInClient {
  #ensured: Promise<void> | undefined;
  readonly #registry: ClientRegistry;
  readonly clientId: string;
  readonly #wanted: ClientMetadata;

  constructor(registry: ClientRegistry, clientId: string, wanted: ClientMetadata) {
    this.#registry = registry;
    this.clientId = clientId;
    this.#wanted = wanted;
  }

  /** Registers or corrects the built-in client once per process; retried after a failure. */
  ensure(): Promise<void> {
    this.#ensured ??= this.#ensure().catch((err) => {
      this.#ensured = undefined;
      throw err;
    });
    return this.#ensured;
  }

  async #ensure(): Promise<void> {
    const existing = await this.#registry.show(this.clientId).catch((e) => {
      if (isAppError(e) && e.code === 'client.not_found') return undefined;
      throw e;
    });
    if (!existing) {
      try {
        await this.#registry.add({ ...this.#wanted, client_id: this.clientId });
        return;
      } catch (e) {
        // Another process registered it first: fall through and compare.
        if (!(e instanceof AppError && e.code === 'client.exists')) throw e;
      }
    }
    const current = existing ?? await this.#registry.show(this.clientId);
    if (differs(current.metadata, this.#wanted)) await this.#registry.update(this.clientId, this.#wanted);
  }
}
