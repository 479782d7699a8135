/** SQL for natural persons and their credentials. Values arrive already encrypted/indexed. */
import type { Knex } from 'knex';
import type { ChangeFeed } from './change-feed.ts';
import { NotifiedCache } from './notified-cache.ts';
import { Statements } from './statements.ts';

export const PERSONS_CHANNEL = 'yihao_persons';

export interface PersonRow {
  id: string;
  /** The identifying fields are null once the account is closed (erased; migration 20261202_002). */
  name_enc: string | null;
  id_number_enc: string | null;
  id_number_bidx: string | null;
  phone_enc: string | null;
  phone_bidx: string | null;
  /** Keyed hash of the name (administrators' exact search); null for rows not yet indexed. */
  name_bidx?: string | null;
  status: string;
  /** Last proof of holding the phone (an SMS code used); null while self-asserted. */
  phone_verified_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface SealedFields { name_enc: string; id_number_enc: string; id_number_bidx: string; phone_enc: string; phone_bidx: string }
export type NewPersonRow = { id: string; name_bidx?: string } & SealedFields & {
  /** Registration proved the phone with an SMS code. */
  phone_verified_at?: Date | undefined;
};

export class PersonStore {
  /**
   * Rows by id (still encrypted), read on every userinfo and token response: cached per process
   * while change notices arrive (notified-cache.ts; the trigger is in migration 005), so a
   * disabled account or changed data reaches every process at once.
   */
  readonly #byId: NotifiedCache<PersonRow>;
  readonly #sql: Statements;

  constructor(private readonly knex: Knex, feed?: ChangeFeed) {
    this.#sql = new Statements(knex);
    this.#byId = new NotifiedCache(feed, PERSONS_CHANNEL, { maxAgeMs: 30_000, maxEntries: 20_000 });
  }

  /**
   * Frozen, and while cached the same object on every read: callers may key what they derive
   * from a row on it (PersonService keeps the decrypted view so), and it dies with the entry.
   */
  async findById(id: string): Promise<Readonly<PersonRow> | undefined> {
    const hit = this.#byId.get(id);
    if (hit) return hit;
    const ticket = this.#byId.begin();
    const row = await this.knex('persons').where({ id }).first() as PersonRow | undefined;
    if (!row) return undefined;
    Object.freeze(row);
    this.#byId.set(ticket, id, row);
    return row;
  }

  /** Several indexes: the same value under the current and the retired keys (rotation). */
  findByIdNumberIndex(bidx: string[]): Promise<PersonRow | undefined> {
    return this.knex('persons').whereIn('id_number_bidx', bidx).first();
  }

  findByPhoneIndex(bidx: string[]): Promise<PersonRow | undefined> {
    return this.knex('persons').whereIn('phone_bidx', bidx).first();
  }

  /** Rows with any field not yet sealed under `keyId` (key rotation) or no name index yet, a batch at a time. */
  staleBatch(keyId: string, limit: number): Promise<PersonRow[]> {
    const prefix = `v1.${keyId}.%`;
    return this.knex('persons')
      .whereNot('name_enc', 'like', prefix).orWhereNot('id_number_enc', 'like', prefix).orWhereNot('phone_enc', 'like', prefix)
      .orWhere((w) => w.whereNull('name_bidx').whereNotNull('name_enc'))
      .orderBy('id').limit(limit);
  }

  /** Accounts whose blind index in `column` is one of `bidx`, in id order after `afterId`. */
  findPage(column: 'id_number_bidx' | 'phone_bidx' | 'name_bidx', bidx: string[], afterId: string | null, limit: number): Promise<PersonRow[]> {
    const q = this.knex('persons').whereIn(column, bidx).orderBy('id').limit(limit);
    if (afterId !== null) q.where('id', '>', afterId);
    return q;
  }

  /** A ward's phone fields stay null (it has no phone). */
  async reseal(id: string, fields: Omit<SealedFields, 'phone_enc' | 'phone_bidx'> & { phone_enc: string | null; phone_bidx: string | null; name_bidx?: string }): Promise<void> {
    await this.knex('persons').where({ id }).update({ ...fields, updated_at: this.knex.fn.now() });
    this.#byId.invalidate(id);
  }

  /**
   * Inserts the person and their password in one transaction. Returns 'duplicate' when the ID
   * number or mobile number already has an account (unique blind indexes decide, not a pre-check).
   */
  async insertWithPassword(row: NewPersonRow, passwordHash: string): Promise<'created' | 'duplicate'> {
    return this.knex.transaction(async (trx) => {
      const inserted = await trx('persons').insert(row).onConflict().ignore().returning('id');
      if (inserted.length === 0) return 'duplicate';
      await trx('credentials').insert({ person_id: row.id, kind: 'password', secret: passwordHash });
      return 'created';
    });
  }

  /**
   * A ward: a minor's record added by a guardian, with no phone and no password (status 'ward').
   * The id of the existing record when the ID number already has one.
   */
  async insertWard(row: { id: string; name_enc: string; name_bidx: string; id_number_enc: string; id_number_bidx: string }, indexes: string[]): Promise<{ id: string; created: boolean }> {
    const inserted = await this.knex('persons').insert({ ...row, status: 'ward' }).onConflict().ignore().returning('id');
    if (inserted.length === 1) return { id: row.id, created: true };
    const existing = await this.knex('persons').whereIn('id_number_bidx', indexes).first('id');
    if (!existing) throw new Error('ward insert conflicted on another column');
    return { id: existing.id as string, created: false };
  }

  /** The person behind a blind index with their password hash, in one round trip (login). */
  async findWithPassword(column: 'id_number_bidx' | 'phone_bidx', bidx: string[]): Promise<{ row: PersonRow; passwordHash: string | undefined } | undefined> {
    // A prepared statement per column: every login runs one (statements.ts). Columns are named,
    // as a prepared `*` would fail once a migration adds one.
    const { rows: [found] } = await this.#sql.run<PersonRow & { login_password_hash: string | null }>(`person_login_${column}`,
      `SELECT p.id, p.name_enc, p.id_number_enc, p.id_number_bidx, p.phone_enc, p.phone_bidx, p.status, p.phone_verified_at, p.created_at, p.updated_at,
         c.secret AS login_password_hash FROM persons p
       LEFT JOIN credentials c ON c.person_id = p.id AND c.kind = 'password'
       WHERE p.${column} = ANY($1) LIMIT 1`, [bidx]);
    if (!found) return undefined;
    const { login_password_hash: hash, ...row } = found;
    return { row, passwordHash: hash ?? undefined };
  }

  /** Returns false when there is no such person, or it is closed (a closed account stays closed). */
  async setStatus(id: string, status: string): Promise<boolean> {
    const n = await this.knex('persons').where({ id }).whereNot({ status: 'closed' }).update({ status, updated_at: this.knex.fn.now() });
    this.#byId.invalidate(id);
    return n > 0;
  }

  /**
   * Closes the account and erases its personal fields and their blind indexes (the ID number and
   * the mobile number may register again). Idempotent.
   */
  async erase(id: string): Promise<void> {
    await this.knex('persons').where({ id }).update({
      status: 'closed', name_enc: null, name_bidx: null, id_number_enc: null, id_number_bidx: null, phone_enc: null, phone_bidx: null,
      phone_verified_at: null, updated_at: this.knex.fn.now(),
    });
    this.#byId.invalidate(id);
  }

  /** Records a proof of holding the phone now. */
  async markPhoneVerified(id: string): Promise<void> {
    await this.knex('persons').where({ id }).update({ phone_verified_at: this.knex.fn.now(), updated_at: this.knex.fn.now() });
    this.#byId.invalidate(id);
  }

  /**
   * Binds a new (just proven) mobile number: the login identifier changes with it. 'taken' when
   * another account has the number (the unique blind index decides).
   */
  async changePhone(id: string, fields: Pick<PersonRow, 'phone_enc' | 'phone_bidx'>): Promise<'changed' | 'taken' | 'gone'> {
    try {
      const n = await this.knex('persons').where({ id })
        .update({ ...fields, phone_verified_at: this.knex.fn.now(), updated_at: this.knex.fn.now() });
      return n === 1 ? 'changed' : 'gone';
    } catch (e) {
      if ((e as { code?: string }).code === '23505') return 'taken';
      throw e;
    } finally {
      this.#byId.invalidate(id);
    }
  }

  /**
   * A ward's record becomes the minor's own account (from 14): their proven phone, their name as
   * checked, a password, status active. Only while it is still a ward: of two attempts, one wins.
   */
  async activateWard(id: string, fields: Pick<PersonRow, 'name_enc' | 'phone_enc' | 'phone_bidx'> & { name_bidx: string }, passwordHash: string): Promise<'activated' | 'taken' | 'gone'> {
    try {
      return await this.knex.transaction(async (trx) => {
        const n = await trx('persons').where({ id, status: 'ward' })
          .update({ ...fields, status: 'active', phone_verified_at: trx.fn.now(), updated_at: trx.fn.now() });
        if (n !== 1) return 'gone';
        await trx('credentials').insert({ person_id: id, kind: 'password', secret: passwordHash });
        return 'activated';
      });
    } catch (e) {
      if ((e as { code?: string }).code === '23505') return 'taken';
      throw e;
    } finally {
      this.#byId.invalidate(id);
    }
  }

  /** Drops the cached row after a change made elsewhere (a reclaim's transaction). */
  forget(id: string): void {
    this.#byId.invalidate(id);
  }

  async setPasswordHash(personId: string, hash: string): Promise<void> {
    await this.knex('credentials').where({ person_id: personId, kind: 'password' })
      .update({ secret: hash, updated_at: this.knex.fn.now() });
  }
}
