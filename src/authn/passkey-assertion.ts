/**
 * Checking a passkey assertion: the first factor of a usernameless login (any account's
 * credential) or a second factor (only the account's own). Every check goes through the
 * credential throttle (throttle.ts): reserved before the check, on the address and on the
 * credential's account (or, for an unknown credential, its id), then released or failed.
 * The challenge is consumed before anything else, so an assertion is answered once; the
 * signature counter only moves forward (store/passkeys.ts recordUse), so a cloned
 * authenticator or a replayed assertion is refused.
 */
import { generateAuthenticationOptions, verifyAuthenticationResponse, type AuthenticationResponseJSON } from '@simplewebauthn/server';
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { AppError, isAppError } from '../errors.ts';
import type { PersonService } from '../identity/persons.ts';
import type { PasskeyStore, PasskeyRow } from '../store/passkeys.ts';
import { throttled, type Limit, type Throttle } from './throttle.ts';
import {
  amrOf, CEREMONY_TIMEOUT_MS, CHALLENGE_TTL_SECONDS, challengeOf, parseCredentialJson, relyingParty, userHandleText, type ChallengePurpose, type RelyingParty,
} from './webauthn-rp.ts';

export const PASSKEY_LIMITS: { ip: Limit; account: Limit } = {
  ip: { name: 'passkey-ip', max: 60, windowSeconds: 300 },
  // No lockout: a credential id is not secret, and a lock would let anyone keep its owner out.
  account: { name: 'passkey-account', max: 10, windowSeconds: 900, resetOnSuccess: true },
};

/** Why an assertion was refused is for the audit trail only: the person sees one message. */
export type AssertionResult =
  | { ok: true; personId: string; passkeyId: string; amr: string }
  | { ok: false; reason: string; personId: string | undefined };

export class PasskeyAssertions {
  readonly rp: RelyingParty;

  constructor(
    private readonly store: PasskeyStore,
    private readonly persons: PersonService,
    private readonly throttle: Throttle,
    issuer: string,
  ) {
    this.rp = relyingParty(issuer);
  }

  /**
   * Options for navigator.credentials.get. Without `personId` the browser offers any of its
   * passkeys for us (usernameless); with it, only that account's.
   */
  async options(purpose: ChallengePurpose, binding: string, personId?: string): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const allow = personId ? (await this.store.listFor(personId)).map((r) => ({ id: r.credential_id, transports: r.transports })) : undefined;
    if (allow && allow.length === 0) throw new AppError('passkey.none');
    const options = await generateAuthenticationOptions({
      rpID: this.rp.id, userVerification: 'required', timeout: CEREMONY_TIMEOUT_MS, ...(allow ? { allowCredentials: allow } : {}),
    });
    await this.store.putChallenge(purpose, binding, options.challenge, CHALLENGE_TTL_SECONDS);
    return options;
  }

  /**
   * Verifies the assertion answering the challenge of (purpose, binding). With `personId`, only
   * that account's credentials pass. Throws `passkey.rate_limited` when the throttle refuses.
   */
  async verify(purpose: ChallengePurpose, binding: string, responseJson: string, opts: { ip: string; personId?: string }): Promise<AssertionResult> {
    let response: AuthenticationResponseJSON;
    try {
      response = parseCredentialJson<AuthenticationResponseJSON>(responseJson);
    } catch {
      return { ok: false, reason: 'malformed', personId: undefined };
    }
    const row = await this.store.findByCredentialId(response.id);
    const subject = row ? `account:${row.person_id}` : `credential:${response.id}`;
    const r = await this.throttle.reserve([this.throttle.key(PASSKEY_LIMITS.ip, opts.ip), this.throttle.key(PASSKEY_LIMITS.account, subject)]);
    if (!r.ok) throw throttled('passkey.rate_limited', r);
    const reason = await this.#check(purpose, binding, response, row, opts.personId).catch((e: unknown) => {
      if (isAppError(e)) return 'malformed';
      throw e;
    });
    if (reason || !row) {
      await r.fail();
      return { ok: false, reason: reason ?? 'unknown_credential', personId: row?.person_id };
    }
    await r.release();
    return { ok: true, personId: row.person_id, passkeyId: row.id, amr: amrOf(row.backup_eligible) };
  }

  /** Undefined when the assertion passes (and its use is recorded), else why not (for logs). */
  async #check(purpose: ChallengePurpose, binding: string, response: AuthenticationResponseJSON, row: PasskeyRow | undefined, personId?: string): Promise<string | undefined> {
    const challenge = challengeOf(response);
    if (!(await this.store.takeChallenge(purpose, binding, challenge))) return 'challenge';
    if (!row) return 'unknown_credential';
    if (personId !== undefined && row.person_id !== personId) return 'other_account';
    const handle = response.response.userHandle;
    if (handle && handle !== userHandleText(row.person_id)) return 'user_handle';
    const person = await this.persons.get(row.person_id);
    if (!person || person.status !== 'active') return 'inactive';
    try {
      const result = await verifyAuthenticationResponse({
        response, expectedChallenge: challenge, expectedOrigin: this.rp.origin, expectedRPID: this.rp.id, requireUserVerification: true,
        credential: { id: row.credential_id, publicKey: new Uint8Array(row.public_key), counter: row.sign_count, transports: row.transports },
      });
      if (!result.verified) return 'signature';
      const info = result.authenticationInfo;
      if (!(await this.store.recordUse(row.id, info.newCounter, info.credentialBackedUp))) return 'counter';
      return undefined;
    } catch (e) {
      return /counter/i.test((e as Error).message) ? 'counter' : 'verification';
    }
  }
}
