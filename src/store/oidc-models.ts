/** SQL for oidc-provider's models, all in the one `oidc_models` table. */
import type { Knex } from 'knex';

export type Payload = Record<string, unknown>;

export class OidcModelStore {
  constructor(private readonly knex: Knex) {}

  async upsert(model: string, id: string, payload: Payload, expiresInSeconds: number | undefined): Promise<void> {
    const row = {
      model,
      id,
      payload: JSON.stringify(payload),
      grant_id: (payload.grantId as string | undefined) ?? null,
      uid: (payload.uid as string | undefined) ?? null,
      user_code: (payload.userCode as string | undefined) ?? null,
      expires_at: expiresInSeconds ? new Date(Date.now() + expiresInSeconds * 1000) : null,
    };
    await this.knex('oidc_models').insert(row).onConflict(['model', 'id']).merge(['payload', 'grant_id', 'uid', 'user_code', 'expires_at']);
  }

  private live(model: string) {
    return this.knex('oidc_models')
      .where({ model })
      .andWhere((q) => q.whereNull('expires_at').orWhere('expires_at', '>', this.knex.fn.now()))
      .first('payload', 'consumed_at');
  }

  private static toPayload(row: { payload: Payload; consumed_at: Date | null } | undefined): Payload | undefined {
    if (!row) return undefined;
    return row.consumed_at ? { ...row.payload, consumed: Math.floor(row.consumed_at.getTime() / 1000) } : row.payload;
  }

  async find(model: string, id: string) { return OidcModelStore.toPayload(await this.live(model).where({ id })); }
  async findByUid(model: string, uid: string) { return OidcModelStore.toPayload(await this.live(model).where({ uid })); }
  async findByUserCode(model: string, userCode: string) { return OidcModelStore.toPayload(await this.live(model).where({ user_code: userCode })); }

  async consume(model: string, id: string): Promise<void> {
    await this.knex('oidc_models').where({ model, id }).update({ consumed_at: this.knex.fn.now() });
  }

  async destroy(model: string, id: string): Promise<void> {
    await this.knex('oidc_models').where({ model, id }).delete();
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await this.knex('oidc_models').where({ grant_id: grantId }).delete();
  }

  /** Removes everything issued to a client that is being deregistered. */
  async revokeClient(clientId: string): Promise<void> {
    await this.knex('oidc_models').whereRaw(`payload->>'clientId' = ?`, [clientId]).delete();
  }

  /** Deletes expired rows in batches; returns how many went. */
  async sweep(batch = 5000): Promise<number> {
    const res = await this.knex.raw(
      `DELETE FROM oidc_models WHERE ctid IN (SELECT ctid FROM oidc_models WHERE expires_at < now() LIMIT ?)`, [batch]);
    return res.rowCount ?? 0;
  }

  /** Sessions of one account, for the account page and "end all sessions". */
  async sessionsOf(accountId: string): Promise<Array<{ id: string; payload: Payload }>> {
    return this.knex('oidc_models')
      .where({ model: 'Session' })
      .andWhereRaw(`payload->>'accountId' = ?`, [accountId])
      .andWhere('expires_at', '>', this.knex.fn.now())
      .select('id', 'payload');
  }

  /** Grants (consents) of one account, for the account page's "platforms I authorised". */
  async grantsOf(accountId: string): Promise<Array<{ id: string; payload: Payload }>> {
    return this.knex('oidc_models')
      .where({ model: 'Grant' })
      .andWhereRaw(`payload->>'accountId' = ?`, [accountId])
      .andWhere((q) => q.whereNull('expires_at').orWhere('expires_at', '>', this.knex.fn.now()))
      .select('id', 'payload');
  }
}
