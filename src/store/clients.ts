/** SQL for relying platforms (OIDC clients). */
import type { Knex } from 'knex';

export interface ClientRow {
  client_id: string;
  secret_enc: string | null;
  metadata: Record<string, unknown>;
  /** Set while the platform is disabled (migration 20261203_040). */
  disabled_at?: Date | null;
  created_at: Date;
  updated_at: Date;
}

export class ClientStore {
  constructor(private readonly knex: Knex) {}

  find(clientId: string): Promise<ClientRow | undefined> {
    return this.knex('clients').where({ client_id: clientId }).first();
  }

  list(): Promise<ClientRow[]> {
    return this.knex('clients').orderBy('client_id');
  }

  page(afterId: string | null, limit: number, only?: readonly string[]): Promise<ClientRow[]> {
    const q = this.knex('clients').orderBy('client_id').limit(limit);
    if (afterId !== null) q.where('client_id', '>', afterId);
    if (only) q.whereIn('client_id', [...only]);
    return q;
  }

  /** Returns false when the platform was in that state already (or does not exist). */
  async setDisabled(clientId: string, disabled: boolean): Promise<boolean> {
    const q = this.knex('clients').where({ client_id: clientId });
    if (disabled) q.whereNull('disabled_at'); else q.whereNotNull('disabled_at');
    return (await q.update({ disabled_at: disabled ? this.knex.fn.now() : null, updated_at: this.knex.fn.now() })) === 1;
  }

  /** Returns false when the client id is taken. */
  async insert(clientId: string, secretEnc: string | null, metadata: Record<string, unknown>): Promise<boolean> {
    const rows = await this.knex('clients')
      .insert({ client_id: clientId, secret_enc: secretEnc, metadata: JSON.stringify(metadata) })
      .onConflict('client_id').ignore().returning('client_id');
    return rows.length === 1;
  }

  async update(clientId: string, secretEnc: string | null, metadata: Record<string, unknown>): Promise<boolean> {
    const n = await this.knex('clients').where({ client_id: clientId })
      .update({ secret_enc: secretEnc, metadata: JSON.stringify(metadata), updated_at: this.knex.fn.now() });
    return n === 1;
  }

  staleSecrets(keyId: string): Promise<Array<Pick<ClientRow, 'client_id' | 'secret_enc'>>> {
    return this.knex('clients').whereNotNull('secret_enc').whereNot('secret_enc', 'like', `v1.${keyId}.%`).select('client_id', 'secret_enc');
  }

  async setSecret(clientId: string, secretEnc: string): Promise<void> {
    await this.knex('clients').where({ client_id: clientId }).update({ secret_enc: secretEnc });
  }

  async remove(clientId: string): Promise<boolean> {
    return (await this.knex('clients').where({ client_id: clientId }).delete()) === 1;
  }
}
