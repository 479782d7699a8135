/**
 * Relying platforms: registration, update and removal by operators, and the metadata
 * oidc-provider reads through the adapter. Secrets are generated here, printed once by the
 * caller, and stored encrypted (the provider needs them in clear to compare and for HS* JWTs).
 */
import { randomBytes } from 'node:crypto';
import type { FieldCrypto } from '../crypto/field-crypto.ts';
import { AppError } from '../errors.ts';
import type { ClientRow, ClientStore } from '../store/clients.ts';
import { platformIssues, type PlatformRuleOptions } from './platform-rules.ts';

export type ClientMetadata = Record<string, unknown> & { client_id?: string; client_secret?: string };

export interface ClientView { clientId: string; hasSecret: boolean; disabled: boolean; metadata: ClientMetadata; createdAt: Date; updatedAt: Date }

const SECRETLESS = new Set(['none', 'private_key_jwt', 'tls_client_auth', 'self_signed_tls_client_auth']);
const CTX = 'client.secret';

export const DEFAULT_CLIENT_METADATA: ClientMetadata = {
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_basic',
};

export const generateClientId = () => `yh_${randomBytes(12).toString('base64url')}`;
export const generateClientSecret = () => randomBytes(32).toString('base64url');

export class ClientRegistry {
  /** Set by the container once the provider exists: oidc-provider's own metadata validation. */
  validator: ((metadata: ClientMetadata) => Promise<void>) | undefined;
  /** Told after each change, so this process's metadata cache drops the entry at once. */
  onChange: ((clientId: string) => void) | undefined;

  constructor(private readonly store: ClientStore, private readonly crypto: FieldCrypto, private readonly rules: PlatformRuleOptions = { production: false }) {}

  private async validate(metadata: ClientMetadata): Promise<void> {
    if (!this.validator) throw new Error('client validator not configured');
    // Our rules first (platform-rules.ts), so the message names the field (the provider would
    // fail on the URL parse, and knows nothing of wildcards or loopback in production).
    const issues = platformIssues(metadata, this.rules);
    if (issues.length) {
      throw new AppError('client.invalid_metadata', issues.map((i) => `${i.path} ${i.message}`).join('; '), { fields: issues });
    }
    try {
      await this.validator(metadata);
    } catch (e) {
      const err = e as { error_description?: string; message?: string };
      throw new AppError('client.invalid_metadata', err.error_description ?? err.message ?? 'invalid client metadata');
    }
  }

  private needsSecret(metadata: ClientMetadata): boolean {
    return !SECRETLESS.has(String(metadata.token_endpoint_auth_method ?? 'client_secret_basic'));
  }

  /** Registers a platform. Returns the secret only when this call generated it. */
  async add(input: ClientMetadata): Promise<{ clientId: string; generatedSecret?: string; secret?: string }> {
    const { client_id: givenId, client_secret: givenSecret, ...rest } = input;
    const metadata = { ...DEFAULT_CLIENT_METADATA, ...rest };
    const clientId = givenId ?? generateClientId();
    const secret = this.needsSecret(metadata) ? (givenSecret ?? generateClientSecret()) : undefined;
    if (givenSecret && !secret) throw new AppError('client.secret_not_used', `token_endpoint_auth_method ${String(metadata.token_endpoint_auth_method)} takes no client secret`);
    if (secret && secret.length < 32) throw new AppError('client.secret_too_short', 'a client secret must be at least 32 characters');
    await this.validate({ ...metadata, client_id: clientId, ...(secret ? { client_secret: secret } : {}) });
    const inserted = await this.store.insert(clientId, secret ? this.crypto.encrypt(secret, CTX) : null, metadata);
    if (!inserted) throw new AppError('client.exists', `a client with id ${clientId} already exists`);
    return { clientId, ...(secret && !givenSecret ? { generatedSecret: secret } : {}) };
  }

  /** Merges `changes` into the metadata (null removes a field); `rotateSecret` issues a new one. */
  async update(clientId: string, changes: ClientMetadata, opts: { rotateSecret?: boolean } = {}): Promise<{ generatedSecret?: string }> {
    const row = await this.requireRow(clientId);
    const { client_id: _ignored, client_secret: givenSecret, ...rest } = changes;
    const metadata: ClientMetadata = { ...row.metadata };
    for (const [k, v] of Object.entries(rest)) {
      if (v === null) delete metadata[k];
      else metadata[k] = v;
    }
    let secret = row.secret_enc ? this.crypto.decrypt(row.secret_enc, CTX) : undefined;
    let generated: string | undefined;
    if (!this.needsSecret(metadata)) secret = undefined;
    else if (givenSecret) secret = givenSecret;
    else if (opts.rotateSecret || !secret) secret = generated = generateClientSecret();
    await this.validate({ ...metadata, client_id: clientId, ...(secret ? { client_secret: secret } : {}) });
    await this.store.update(clientId, secret ? this.crypto.encrypt(secret, CTX) : null, metadata);
    this.onChange?.(clientId);
    return generated ? { generatedSecret: generated } : {};
  }

  async remove(clientId: string): Promise<void> {
    if (!(await this.store.remove(clientId))) throw new AppError('client.not_found', `no client ${clientId}`);
    this.onChange?.(clientId);
  }

  async list(): Promise<ClientView[]> {
    return (await this.store.list()).map(view);
  }

  /** A page in client id order after `afterId`, among `only` when given (a platform manager's). */
  async page(afterId: string | null, limit: number, only?: readonly string[]): Promise<ClientView[]> {
    return (await this.store.page(afterId, limit, only)).map(view);
  }

  /**
   * A disabled platform is unknown to the provider (no login, token, userinfo or introspection
   * for it, and the tokens it holds stop working) until enabled again. Returns false when it was
   * in that state already.
   */
  async setDisabled(clientId: string, disabled: boolean): Promise<boolean> {
    await this.requireRow(clientId);
    const changed = await this.store.setDisabled(clientId, disabled);
    this.onChange?.(clientId);
    return changed;
  }

  async show(clientId: string): Promise<ClientView> {
    return view(await this.requireRow(clientId));
  }

  /** What oidc-provider sees: the stored metadata plus id and decrypted secret. */
  async providerMetadata(clientId: string): Promise<ClientMetadata | undefined> {
    const row = await this.store.find(clientId);
    if (!row || row.disabled_at) return undefined;
    return {
      ...row.metadata,
      client_id: row.client_id,
      ...(row.secret_enc ? { client_secret: this.crypto.decrypt(row.secret_enc, CTX) } : {}),
    };
  }

  /** Re-encrypts client secrets sealed under a retired field key. */
  async resealStale(): Promise<number> {
    const rows = await this.store.staleSecrets(this.crypto.currentKeyId);
    for (const r of rows) await this.store.setSecret(r.client_id, this.crypto.encrypt(this.crypto.decrypt(r.secret_enc!, CTX), CTX));
    return rows.length;
  }

  private async requireRow(clientId: string): Promise<ClientRow> {
    const row = await this.store.find(clientId);
    if (!row) throw new AppError('client.not_found', `no client ${clientId}`);
    return row;
  }
}

const view = (row: ClientRow): ClientView => ({
  clientId: row.client_id,
  hasSecret: Boolean(row.secret_enc),
  disabled: Boolean(row.disabled_at),
  metadata: row.metadata,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});
