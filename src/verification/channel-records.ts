/**
 * Channel configuration ⇄ stored row. The secret is sealed with FieldCrypto bound to the channel
 * id (a sealed secret copied onto another row does not decrypt) and only ever opened here, to
 * hand it to the HTTP client that signs requests with it.
 */
import type { FieldCrypto } from '../crypto/field-crypto.ts';
import type { ChannelRow, ChannelWrite } from '../store/verification-channels.ts';
import type { ChannelConfig } from './channel.ts';
import { parseChannelConfig } from './channel-config.ts';

const secretContext = (id: string) => `verification.channel.secret:${id}`;

export class ChannelRecords {
  constructor(private readonly crypto: FieldCrypto) {}

  toRow(config: ChannelConfig): ChannelWrite {
    const { id, kind, name, baseUrl, appId, secret, priority, enabled, ...settings } = config;
    return {
      id,
      kind,
      name,
      base_url: baseUrl,
      app_id: appId,
      secret_enc: this.crypto.encrypt(secret, secretContext(id)),
      priority,
      enabled,
      settings: settings as unknown as Record<string, unknown>,
    };
  }

  /** Validated config with the secret in clear; throws if the row no longer passes validation. */
  toConfig(row: ChannelRow): ChannelConfig {
    return parseChannelConfig(this.toInput(row));
  }

  /** The stored values as configuration input, not yet validated (so an invalid row can be fixed). */
  toInput(row: ChannelRow): Record<string, unknown> {
    return { ...this.publicFields(row), secret: this.crypto.decrypt(row.secret_enc, secretContext(row.id)) };
  }

  /** The same row with its secret sealed under the current field key (after a key rotation). */
  resealed(row: ChannelRow): ChannelWrite | undefined {
    if (!this.crypto.isStale(row.secret_enc)) return undefined;
    const { created_at: _c, updated_at: _u, ...write } = row as ChannelRow & { created_at?: unknown; updated_at?: unknown };
    return { ...write, secret_enc: this.crypto.encrypt(this.crypto.decrypt(row.secret_enc, secretContext(row.id)), secretContext(row.id)) };
  }

  /** Everything but the secret, without decrypting anything. */
  publicFields(row: ChannelRow): Record<string, unknown> {
    return {
      ...row.settings,
      id: row.id,
      kind: row.kind,
      name: row.name,
      baseUrl: row.base_url,
      appId: row.app_id,
      priority: row.priority,
      enabled: row.enabled,
    };
  }
}
