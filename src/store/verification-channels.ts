/**
 * SQL for verification channels. Every change bumps the single revision row in the same
 * transaction, so a process that sees a new revision also sees the change behind it.
 */
import type { Knex } from 'knex';

export interface ChannelRow {
  id: string;
  kind: string;
  name: string;
  base_url: string;
  app_id: string;
  secret_enc: string;
  priority: number;
  enabled: boolean;
  settings: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
}

export type ChannelWrite = Omit<ChannelRow, 'created_at' | 'updated_at'>;

export class ChannelStore {
  constructor(private readonly knex: Knex) {}

  list(): Promise<ChannelRow[]> {
    return this.knex('verification_channels').orderBy([{ column: 'kind' }, { column: 'priority' }, { column: 'id' }]);
  }

  find(id: string): Promise<ChannelRow | undefined> {
    return this.knex('verification_channels').where({ id }).first();
  }

  async revision(): Promise<number> {
    const row = await this.knex('verification_channel_revision').where({ id: 1 }).first('revision');
    return Number(row?.revision ?? 0);
  }

  /** Returns false when the id is taken. */
  async insert(row: ChannelWrite): Promise<boolean> {
    return this.#changing(async (trx) => {
      const rows = await trx('verification_channels').insert({ ...row, settings: JSON.stringify(row.settings) })
        .onConflict('id').ignore().returning('id');
      return rows.length === 1;
    });
  }

  async update(row: ChannelWrite): Promise<boolean> {
    return this.#changing(async (trx) => {
      const n = await trx('verification_channels').where({ id: row.id })
        .update({ ...row, settings: JSON.stringify(row.settings), updated_at: trx.fn.now() });
      return n === 1;
    });
  }

  async remove(id: string): Promise<boolean> {
    return this.#changing(async (trx) => (await trx('verification_channels').where({ id }).delete()) === 1);
  }

  /** Runs a change and bumps the revision only when the change happened. */
  #changing(change: (trx: Knex.Transaction) => Promise<boolean>): Promise<boolean> {
    return this.knex.transaction(async (trx) => {
      const changed = await change(trx);
      if (changed) await trx('verification_channel_revision').where({ id: 1 }).increment('revision', 1);
      return changed;
    });
  }
}
