/**
 * SQL for registrations between their steps. Each transition is one conditional statement, so of
 * parallel requests exactly one proves the phone and exactly one finishes the registration.
 */
import type { Knex } from 'knex';

export interface PendingRegistrationRow {
  id: string;
  interaction_uid: string;
  name_enc: string;
  id_number_enc: string;
  id_number_bidx: string;
  phone_enc: string;
  phone_bidx: string;
  password_hash: string;
  phone_proven_at: Date | null;
  consumed_at: Date | null;
  created_at: Date;
  expires_at: Date;
}

export type NewPendingRegistration = Omit<PendingRegistrationRow, 'phone_proven_at' | 'consumed_at' | 'created_at' | 'expires_at'>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export class PendingRegistrationStore {
  constructor(private readonly knex: Knex) {}

  async insert(row: NewPendingRegistration, ttlSeconds: number): Promise<void> {
    await this.knex('pending_registrations').insert({ ...row, expires_at: this.knex.raw('now() + make_interval(secs => ?)', [ttlSeconds]) });
  }

  /** The live (unexpired, unfinished) registration `id` of this interaction. */
  async findLive(id: string, interactionUid: string): Promise<PendingRegistrationRow | undefined> {
    if (!UUID.test(id)) return undefined; // a forged id is no registration (and no SQL error)
    return this.knex('pending_registrations').where({ id, interaction_uid: interactionUid }).whereNull('consumed_at')
      .andWhere('expires_at', '>', this.knex.fn.now()).first();
  }

  /** Records the phone proof; false when it was already recorded or the registration is over. */
  async markProven(id: string): Promise<boolean> {
    return (await this.knex('pending_registrations').where({ id }).whereNull('phone_proven_at').whereNull('consumed_at')
      .andWhere('expires_at', '>', this.knex.fn.now()).update({ phone_proven_at: this.knex.fn.now() })) === 1;
  }

  /** Finishes a proven registration; true for exactly one caller. */
  async consume(id: string): Promise<boolean> {
    return (await this.knex('pending_registrations').where({ id }).whereNotNull('phone_proven_at').whereNull('consumed_at')
      .andWhere('expires_at', '>', this.knex.fn.now()).update({ consumed_at: this.knex.fn.now() })) === 1;
  }

  /** Ends a registration whatever its state (a mismatch: the data must be typed again). */
  async discard(id: string): Promise<void> {
    await this.knex('pending_registrations').where({ id }).whereNull('consumed_at').update({ consumed_at: this.knex.fn.now() });
  }

  sweep(): Promise<number> {
    return this.knex('pending_registrations').where('expires_at', '<', this.knex.fn.now()).delete();
  }
}
