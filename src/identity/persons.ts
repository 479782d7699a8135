/**
 * Natural persons: registration (one account per ID number, no enumeration), lookup by a login
 * identifier, and the decrypted view of a person. Knows nothing of HTTP.
 */
import { randomUUID } from 'node:crypto';
import type { FieldCrypto } from '../crypto/field-crypto.ts';
import type { PasswordHasher } from '../authn/password.ts';
import { checkPasswordStrength } from '../authn/password.ts';
import type { PersonRow, PersonStore, SealedFields } from '../store/persons.ts';
import { parseIdNumber } from './id-number.ts';
import { normaliseLoginIdentifier, type LoginIdentifier } from './login-identifier.ts';
import { parsePersonName } from './person-name.ts';
import { parsePhone } from './phone.ts';
import { memoized } from '../store/request-memo.ts';
import { ageOn, NARROWS_AT } from './age-rules.ts';

/**
 * `closed`: erased at the person's request (account-closure.ts); it never becomes active again.
 * `ward`: a minor's record added by a guardian (guardianships.ts), without phone or password.
 */
export type PersonStatus = 'active' | 'disabled' | 'closed' | 'ward';

export interface Person {
  readonly id: string;
  readonly name: string;
  readonly idNumber: string;
  readonly phone: string;
  readonly status: string;
  /** When the person last proved holding the phone (an SMS code); undefined while self-asserted. */
  readonly phoneVerifiedAt: Date | undefined;
  readonly createdAt: Date;
}

export interface RegistrationInput { name: string; idNumber: string; phone: string; password: string }
export type FieldErrors = Partial<Record<keyof RegistrationInput, string>>;
export type RegistrationResult =
  | { ok: false; errors: FieldErrors }
  /** `created` is for operators and audit only: never show it to the person registering. */
  | { ok: true; created: boolean; personId: string | undefined };

const CTX = { name: 'person.name', idNumber: 'person.id_number', phone: 'person.phone', nameIndex: 'person.name_index' } as const;

export class PersonService {
  readonly #views = new WeakMap<object, Person>();

  constructor(
    private readonly store: PersonStore,
    private readonly crypto: FieldCrypto,
    private readonly hasher: PasswordHasher,
  ) {}

  validate(input: RegistrationInput): { errors: FieldErrors; values?: RegistrationInput } {
    const errors: FieldErrors = {};
    const name = parsePersonName(input.name ?? '');
    const idNumber = parseIdNumber(input.idNumber ?? '');
    const phone = parsePhone(input.phone ?? '');
    if (!name.ok) errors.name = name.code;
    if (!idNumber.ok) errors.idNumber = idNumber.code;
    // A child under 14 has an account only through a guardian (guardianships.ts), never alone.
    else if (ageOn(idNumber.value.birthDate) < NARROWS_AT) errors.idNumber = 'registration.minor_needs_guardian';
    if (!phone.ok) errors.phone = phone.code;
    const personal = [idNumber.ok ? idNumber.value.number : '', phone.ok ? phone.value : ''].filter(Boolean);
    const weak = checkPasswordStrength(input.password ?? '', personal);
    if (weak) errors.password = weak;
    if (!name.ok || !idNumber.ok || !phone.ok || weak || errors.idNumber) return { errors };
    return { errors, values: { name: name.value, idNumber: idNumber.value.number, phone: phone.value, password: input.password } };
  }

  /**
   * Creates the account unless the ID number or mobile number already has one. Both outcomes cost
   * one argon2 hash and one insert attempt, so response and timing do not reveal registration.
   */
  async register(input: RegistrationInput): Promise<RegistrationResult> {
    const { errors, values } = this.validate(input);
    if (!values) return { ok: false, errors };
    const id = randomUUID();
    const hash = await this.hasher.hash(values.password);
    // During a field-key rotation, rows not yet re-indexed carry the retired key's index.
    if (this.crypto.keyCount > 1 && (await this.store.findByIdNumberIndex(this.idNumberIndexes(values.idNumber)) || await this.store.findByPhoneIndex(this.crypto.blindIndexes(values.phone, CTX.phone)))) {
      return { ok: true, created: false, personId: undefined };
    }
    const outcome = await this.store.insertWithPassword({ id, ...this.sealFields(values), name_bidx: this.nameIndex(values.name) }, hash);
    return { ok: true, created: outcome === 'created', personId: outcome === 'created' ? id : undefined };
  }

  /**
   * Creates the account of a finished registration (registration.ts): the password hashed and
   * the fields sealed at its first step, the phone proven by an SMS code. 'duplicate' when the
   * ID number or mobile number already has an account.
   */
  async createRegistered(id: string, sealed: ReturnType<PersonService['sealFields']>, passwordHash: string): Promise<'created' | 'duplicate'> {
    if (this.crypto.keyCount > 1) {
      // During a field-key rotation, rows not yet re-indexed carry the retired key's index.
      const idNumber = this.crypto.decrypt(sealed.id_number_enc, CTX.idNumber);
      const phone = this.crypto.decrypt(sealed.phone_enc, CTX.phone);
      if (await this.store.findByIdNumberIndex(this.idNumberIndexes(idNumber)) || await this.store.findByPhoneIndex(this.crypto.blindIndexes(phone, CTX.phone))) return 'duplicate';
    }
    const nameBidx = this.nameIndex(this.crypto.decrypt(sealed.name_enc, CTX.name));
    return this.store.insertWithPassword({ id, ...sealed, name_bidx: nameBidx, phone_verified_at: new Date() }, passwordHash);
  }

  /**
   * A minor's record, added by a guardian: no phone, no password, status 'ward' (it cannot log
   * in). When the ID number already has a record, that one is linked, if the name matches.
   */
  async addWard(name: string, idNumber: string): Promise<{ id: string; created: boolean; nameMatches: boolean }> {
    const found = await this.store.insertWard({
      id: randomUUID(), name_enc: this.crypto.encrypt(name, CTX.name), name_bidx: this.nameIndex(name),
      id_number_enc: this.crypto.encrypt(idNumber, CTX.idNumber), id_number_bidx: this.idNumberIndex(idNumber),
    }, this.idNumberIndexes(idNumber));
    if (found.created) return { ...found, nameMatches: true };
    const existing = await this.get(found.id);
    return { ...found, nameMatches: existing?.name === name };
  }

  /** The account of an ID number, if any (only for someone who proved phone and identity). */
  async accountOfIdNumber(idNumber: string): Promise<string | undefined> {
    return (await this.store.findByIdNumberIndex(this.idNumberIndexes(idNumber)))?.id;
  }

  /** The ward record (a minor added by a guardian) this ID number has, if its record is one. */
  async wardOfIdNumber(idNumber: string): Promise<string | undefined> {
    const row = await this.store.findByIdNumberIndex(this.idNumberIndexes(idNumber));
    return row?.status === 'ward' ? row.id : undefined;
  }

  /** The minor, 14 or older, takes their ward record as their own account (registration.ts). */
  activateWard(id: string, sealed: ReturnType<PersonService['sealFields']>, passwordHash: string): Promise<'activated' | 'taken' | 'gone'> {
    const nameBidx = this.nameIndex(this.crypto.decrypt(sealed.name_enc, CTX.name));
    return this.store.activateWard(id, { name_enc: sealed.name_enc, name_bidx: nameBidx, phone_enc: sealed.phone_enc, phone_bidx: sealed.phone_bidx }, passwordHash);
  }

  /** Forgets this process's cached row after a change made by another store (a reclaim). */
  forget(personId: string): void {
    this.store.forget(personId);
  }

  /** Binds a new mobile number, proven by a code sent to it; it becomes the login identifier. */
  changePhone(personId: string, phone: string): Promise<'changed' | 'taken' | 'gone'> {
    return this.store.changePhone(personId, { phone_enc: this.crypto.encrypt(phone, CTX.phone), phone_bidx: this.phoneIndex(phone) });
  }

  /** Opens the sealed fields of a pending registration. */
  unseal(sealed: { name_enc: string; id_number_enc: string; phone_enc: string }): { name: string; idNumber: string; phone: string } {
    return {
      name: this.crypto.decrypt(sealed.name_enc, CTX.name),
      idNumber: this.crypto.decrypt(sealed.id_number_enc, CTX.idNumber),
      phone: this.crypto.decrypt(sealed.phone_enc, CTX.phone),
    };
  }

  /** argon2id of a new password (registration's first step hashes it once). */
  hashPassword(password: string): Promise<string> {
    return this.hasher.hash(password);
  }

  /** The stored form of a person's identifying fields: sealed, plus the blind indexes. */
  sealFields(values: { name: string; idNumber: string; phone: string }): SealedFields {
    return {
      name_enc: this.crypto.encrypt(values.name, CTX.name),
      id_number_enc: this.crypto.encrypt(values.idNumber, CTX.idNumber),
      id_number_bidx: this.idNumberIndex(values.idNumber),
      phone_enc: this.crypto.encrypt(values.phone, CTX.phone),
      phone_bidx: this.phoneIndex(values.phone),
    };
  }

  idNumberIndex(normalised: string): string { return this.crypto.blindIndex(normalised, CTX.idNumber); }
  /** The index under every configured key: what a lookup must try while a rotation is under way. */
  idNumberIndexes(normalised: string): string[] { return this.crypto.blindIndexes(normalised, CTX.idNumber); }
  phoneIndex(normalised: string): string { return this.crypto.blindIndex(normalised, CTX.phone); }
  /** Names are not unique: this index finds every account of that exact name (administrators' search). */
  nameIndex(name: string): string { return this.crypto.blindIndex(name.trim(), CTX.nameIndex); }

  /** Accounts by exact ID number, mobile number or name (security administrators), in id order after `afterId`. */
  async search(by: { idNumber?: string; phone?: string; name?: string }, afterId: string | null, limit: number): Promise<PersonRow[]> {
    if (by.idNumber !== undefined) return this.store.findPage('id_number_bidx', this.idNumberIndexes(by.idNumber), afterId, limit);
    if (by.phone !== undefined) return this.store.findPage('phone_bidx', this.crypto.blindIndexes(by.phone, CTX.phone), afterId, limit);
    if (by.name !== undefined) return this.store.findPage('name_bidx', this.crypto.blindIndexes(by.name.trim(), CTX.nameIndex), afterId, limit);
    return [];
  }

  /** Finds the account for a login identifier: an ID number or a mobile number. */
  async findByIdentifier(identifier: string): Promise<PersonRow | undefined> {
    return (await this.findForLogin(normaliseLoginIdentifier(identifier)))?.person;
  }

  /**
   * findByIdentifier with the account's password hash, in one round trip: the login path. Text
   * that is neither an ID number nor a mobile number is looked up as an ID number all the same
   * (it matches nothing), so every identifier costs the same lookup.
   */
  async findForLogin(id: LoginIdentifier): Promise<{ person: PersonRow; passwordHash: string | undefined } | undefined> {
    const found = id.kind === 'phone' ? await this.store.findWithPassword('phone_bidx', this.crypto.blindIndexes(id.value, CTX.phone))
      : await this.store.findWithPassword('id_number_bidx', this.idNumberIndexes(id.value));
    return found && { person: found.row, passwordHash: found.passwordHash };
  }

  /** `active` or `disabled` (or `closed`, ahead of erasure); returns false when there is no such person. */
  setStatus(personId: string, status: PersonStatus): Promise<boolean> {
    return this.store.setStatus(personId, status);
  }

  /** Closes the account for good: its personal fields and blind indexes are erased. */
  erase(personId: string): Promise<void> {
    return this.store.erase(personId);
  }

  /** The person just used a code sent to their phone: the number is theirs. */
  markPhoneVerified(personId: string): Promise<void> {
    return this.store.markPhoneVerified(personId);
  }

  async setPassword(personId: string, hash: string): Promise<void> {
    await this.store.setPasswordHash(personId, hash);
  }

  /** Re-encrypts and re-indexes persons sealed under a retired key. Returns how many. */
  async resealStale(batch = 500): Promise<number> {
    let total = 0;
    for (;;) {
      const rows = await this.store.staleBatch(this.crypto.currentKeyId, batch);
      if (rows.length === 0) return total;
      for (const row of rows) {
        const p = this.decrypt(row);
        const sealed = { ...this.sealFields(p), name_bidx: this.nameIndex(p.name) };
        // A ward has no phone: its phone fields stay empty, never an index of ''.
        await this.store.reseal(row.id, row.phone_enc === null ? { ...sealed, phone_enc: null, phone_bidx: null } : sealed);
      }
      total += rows.length;
    }
  }

  async get(id: string): Promise<Person | undefined> {
    // Once per provider request (request-memo.ts); the view is frozen, so callers can share it.
    return memoized(`person:${id}`, async () => {
      const row = await this.store.findById(id);
      if (!row) return undefined;
      // The store hands out its cached row itself while it holds it (changes drop it), so the
      // view, and what it has decrypted, lives exactly as long as that entry: at most 30 s.
      let view = this.#views.get(row);
      if (!view) this.#views.set(row, view = this.decrypt(row));
      return view;
    });
  }

  /**
   * The decrypted view, each field decrypted at first read: a token or userinfo response names
   * one or two of them, and AES-GCM per field is a measurable share of such a request.
   */
  decrypt(row: PersonRow): Person {
    // An erased field (closed account) reads as empty.
    const field = (sealed: string | null, context: string) => {
      let plain: string | undefined;
      return () => (plain ??= sealed === null ? '' : this.crypto.decrypt(sealed, context));
    };
    const name = field(row.name_enc, CTX.name);
    const idNumber = field(row.id_number_enc, CTX.idNumber);
    const phone = field(row.phone_enc, CTX.phone);
    return Object.freeze({
      id: row.id,
      get name() { return name(); },
      get idNumber() { return idNumber(); },
      get phone() { return phone(); },
      status: row.status,
      phoneVerifiedAt: row.phone_verified_at ?? undefined,
      createdAt: row.created_at,
    });
  }
}
