/**
 * The authenticator app (TOTP) as a second factor: enrolment (a pending secret confirmed by a
 * first code before it counts), verification (±1 step, each step accepted once per person, even
 * in parallel, through the single-use primitive), removal. The secret is encrypted at rest and
 * bound to its person. Every code check goes through the factor throttle.
 */
import type { Audit } from '../audit/audit.ts';
import type { FieldCrypto } from '../crypto/field-crypto.ts';
import { AppError } from '../errors.ts';
import type { TotpStore } from '../store/totp-authenticators.ts';
import type { FactorThrottle } from './factor-throttle.ts';
import type { OneTimeCodes } from './one-time-codes.ts';
import { matchingStep, newTotpSecret, STEP_MEMORY_SECONDS } from './totp.ts';

/** A pending secret not confirmed within this time is forgotten (the QR code was left open). */
export const PENDING_SECONDS = 30 * 60;
const STEP_PURPOSE = 'totp-step';

export interface TotpStatus { enrolled: boolean; confirmedAt?: Date | undefined }

export class AuthenticatorApp {
  constructor(
    private readonly store: TotpStore,
    private readonly crypto: FieldCrypto,
    private readonly oneTimeCodes: OneTimeCodes,
    private readonly throttle: FactorThrottle,
    private readonly audit: Audit,
  ) {}

  async status(personId: string): Promise<TotpStatus> {
    const row = await this.store.get(personId);
    return row?.secret_enc ? { enrolled: true, confirmedAt: row.confirmed_at ?? undefined } : { enrolled: false };
  }

  /** Starts (or restarts) an enrolment: a new pending secret; a confirmed one keeps working. */
  async start(personId: string): Promise<void> {
    await this.store.setPending(personId, this.#seal(personId, newTotpSecret()));
  }

  /** The pending secret to show (QR code and key), or undefined when none is live. */
  async pendingSecret(personId: string, now = Date.now()): Promise<string | undefined> {
    const row = await this.store.get(personId);
    if (!row?.pending_secret_enc || !row.pending_since || now - row.pending_since.getTime() > PENDING_SECONDS * 1000) return undefined;
    return this.crypto.decrypt(row.pending_secret_enc, this.#context(personId));
  }

  /** Confirms the pending secret with a code from the app; it then replaces any earlier one. */
  async confirm(personId: string, code: string, ip: string): Promise<boolean> {
    const row = await this.store.get(personId);
    const pendingEnc = row?.pending_secret_enc;
    if (!pendingEnc || !(await this.pendingSecret(personId))) throw new AppError('factor.setup_expired');
    const secret = this.crypto.decrypt(pendingEnc, this.#context(personId));
    const ok = await this.throttle.check(personId, ip, async () => (await this.#useCode(personId, secret, code)) && this.store.confirm(personId, pendingEnc));
    if (ok) await this.audit.record({ actor: personId, action: 'totp.enrolled', target: personId, detail: { ip, replaced: Boolean(row.secret_enc) } });
    return ok;
  }

  /** True when `code` is the person's current code (±1 step) of a step not used before. */
  async verify(personId: string, code: string, ip: string): Promise<boolean> {
    return this.throttle.check(personId, ip, async () => {
      const row = await this.store.get(personId);
      if (!row?.secret_enc) return false;
      return this.#useCode(personId, this.crypto.decrypt(row.secret_enc, this.#context(personId)), code);
    });
  }

  async remove(personId: string, ip: string): Promise<boolean> {
    const removed = await this.store.remove(personId);
    if (removed) await this.audit.record({ actor: personId, action: 'totp.removed', target: personId, detail: { ip } });
    return removed;
  }

  /** After a field-key rotation: re-encrypts secrets sealed under an older key. Returns how many rows. */
  async resealStale(): Promise<number> {
    let n = 0;
    for (const row of await this.store.all()) {
      const redo = (v: string | null) => (v && this.crypto.isStale(v) ? this.#seal(row.person_id, this.crypto.decrypt(v, this.#context(row.person_id))) : v);
      const after = { secret_enc: redo(row.secret_enc), pending_secret_enc: redo(row.pending_secret_enc) };
      if (after.secret_enc === row.secret_enc && after.pending_secret_enc === row.pending_secret_enc) continue;
      if (await this.store.reseal(row.person_id, row, after)) n += 1;
    }
    return n;
  }

  /** The code matches a step near now, and that step was not used by this person before. */
  async #useCode(personId: string, secret: string, code: string): Promise<boolean> {
    const step = matchingStep(secret, code);
    return step !== undefined && this.oneTimeCodes.useOnce(STEP_PURPOSE, `${personId}:${step}`, STEP_MEMORY_SECONDS);
  }

  #seal(personId: string, secret: string): string {
    return this.crypto.encrypt(secret, this.#context(personId));
  }

  /** Binds the ciphertext to its person: a secret copied to another row does not decrypt. */
  #context(personId: string): string {
    return `totp.secret:${personId}`;
  }
}
