/** SQL for relying platforms (OIDC clients). */
import type { Knex } from 'knex';

export interface ClientRow {
  client_id: string;
  secret_enc: string | null;
  metadata: Record<string, unknown>;
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
