/**
 * A person's passkeys: registering them (discoverable, user verification required), naming,
 * listing and removing them. Logging in with one is passkey-assertion.ts. No koa in here: the
 * console routes (src/account/passkey-routes.ts) pass a `binding` naming the console session,
 * so a challenge issued to one session cannot be answered from another.
 */
import { randomUUID } from 'node:crypto';
import { generateRegistrationOptions, verifyRegistrationResponse, type RegistrationResponseJSON } from '@simplewebauthn/server';
import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import type { Audit } from '../audit/audit.ts';
import { AppError } from '../errors.ts';
import type { PersonService } from '../identity/persons.ts';
import { maskPhone } from '../identity/phone.ts';
import type { PasskeyStore } from '../store/passkeys.ts';
import {
  amrOf, CEREMONY_TIMEOUT_MS, CHALLENGE_PURPOSE, CHALLENGE_TTL_SECONDS, challengeOf, parseCredentialJson, relyingParty, userHandleOf, type RelyingParty,
} from './webauthn-rp.ts';

/** Enough for a phone, a laptop and a few security keys; bounds the page and the allow list. */
export const MAX_PASSKEYS = 10;
export const MAX_NAME_LENGTH = 40;

/** ES256 and RS256: what platform authenticators and security keys offer (EdDSA is rare). */
const ALGORITHMS = [-7, -257];

export interface PasskeyView {
  id: string;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | undefined;
  /** Backup eligible: may be synced to other devices (amr swk), else device-bound (hwk). */
  synced: boolean;
  amr: string;
}

/** A name as typed: trimmed, control characters out; empty means "use the default". */
export function cleanName(input: string): string {
  const name = input.replace(/[\p{Cc}\p{Cf}]/gu, '').trim();
  if ([...name].length > MAX_NAME_LENGTH) throw new AppError('passkey.name_invalid');
  return name;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const checkId = (id: string) => { if (!UUID.test(id)) throw new AppError('passkey.not_found'); };

export class Passkeys {
  readonly rp: RelyingParty;

  constructor(
    private readonly store: PasskeyStore,
    private readonly persons: PersonService,
    private readonly audit: Audit,
    issuer: string,
  ) {
    this.rp = relyingParty(issuer);
  }

  async list(personId: string): Promise<PasskeyView[]> {
    return (await this.store.listFor(personId)).map((r) => ({
      id: r.id, name: r.name, createdAt: r.created_at, lastUsedAt: r.last_used_at ?? undefined, synced: r.backup_eligible, amr: amrOf(r.backup_eligible),
    }));
  }

  async hasAny(personId: string): Promise<boolean> {
    return (await this.store.count(personId)) > 0;
  }

  /** Options for navigator.credentials.create; the challenge is kept for `binding`. */
  async registrationOptions(personId: string, binding: string): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const person = await this.persons.get(personId);
    if (!person || person.status !== 'active') throw new AppError('account.inactive');
    const existing = await this.store.listFor(personId);
    if (existing.length >= MAX_PASSKEYS) throw new AppError('passkey.too_many');
    const options = await generateRegistrationOptions({
      rpName: this.rp.name,
      rpID: this.rp.id,
      // Shown in the authenticator's account list: the masked mobile number, never the ID number.
      userName: maskPhone(person.phone),
      userDisplayName: person.name,
      userID: userHandleOf(personId) as Uint8Array<ArrayBuffer>,
      attestationType: 'none',
      timeout: CEREMONY_TIMEOUT_MS,
      excludeCredentials: existing.map((r) => ({ id: r.credential_id, transports: r.transports })),
      authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'required' },
      supportedAlgorithmIDs: ALGORITHMS,
    });
    await this.store.putChallenge(CHALLENGE_PURPOSE.register, binding, options.challenge, CHALLENGE_TTL_SECONDS);
    return options;
  }

  /** Verifies the browser's response to the options of `binding` and stores the passkey. */
  async register(personId: string, binding: string, responseJson: string, name: string, ip: string): Promise<PasskeyView> {
    const response = parseCredentialJson<RegistrationResponseJSON>(responseJson);
    // Consumed before anything else is looked at: whatever the outcome, it is answered once.
    if (!(await this.store.takeChallenge(CHALLENGE_PURPOSE.register, binding, challengeOf(response)))) {
      throw new AppError('passkey.registration_failed', 'challenge unknown, expired or used');
    }
    let verified;
    try {
      verified = await verifyRegistrationResponse({
        response, expectedChallenge: challengeOf(response), expectedOrigin: this.rp.origin, expectedRPID: this.rp.id,
        requireUserVerification: true, supportedAlgorithmIDs: ALGORITHMS,
      });
    } catch (e) {
      throw new AppError('passkey.registration_failed', `registration not verified: ${(e as Error).message}`);
    }
    if (!verified.verified) throw new AppError('passkey.registration_failed');
    const info = verified.registrationInfo;
    if ((await this.store.count(personId)) >= MAX_PASSKEYS) throw new AppError('passkey.too_many');
    const id = randomUUID();
    const backupEligible = info.credentialDeviceType === 'multiDevice';
    const finalName = cleanName(name) || `${this.rp.name} ${new Date().toISOString().slice(0, 10)}`;
    const inserted = await this.store.insert({
      id, person_id: personId, credential_id: info.credential.id, public_key: Buffer.from(info.credential.publicKey),
      sign_count: info.credential.counter, transports: (info.credential.transports ?? []).slice(0, 8).map(String),
      backup_eligible: backupEligible, backed_up: info.credentialBackedUp, name: finalName,
    });
    if (!inserted) throw new AppError('passkey.duplicate');
    await this.audit.record({ actor: personId, action: 'passkey.registered', target: personId, detail: { passkey: id, synced: backupEligible, ip } });
    return { id, name: finalName, createdAt: new Date(), lastUsedAt: undefined, synced: backupEligible, amr: amrOf(backupEligible) };
  }

  async rename(personId: string, id: string, name: string, ip: string): Promise<void> {
    checkId(id);
    const clean = cleanName(name);
    if (!clean) throw new AppError('passkey.name_invalid');
    if (!(await this.store.rename(personId, id, clean))) throw new AppError('passkey.not_found');
    await this.audit.record({ actor: personId, action: 'passkey.renamed', target: personId, detail: { passkey: id, ip } });
  }

  /** The caller checks re-authentication (account/password-change.ts isRecentLogin) first. */
  async remove(personId: string, id: string, ip: string): Promise<void> {
    checkId(id);
    const removed = await this.store.remove(personId, id);
    if (!removed) throw new AppError('passkey.not_found');
    await this.audit.record({ actor: personId, action: 'passkey.removed', target: personId, detail: { passkey: id, ip } });
  }

  sweep(): Promise<number> {
    return this.store.sweep();
  }
}
