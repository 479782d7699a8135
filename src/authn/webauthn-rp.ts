/**
 * What every passkey ceremony shares: who we are to the authenticator (the relying party: its ID
 * is the issuer's hostname, its one accepted origin the issuer's origin), the ceremonies'
 * challenge purposes and lifetime, and the strength a passkey gives.
 *
 * amr (RFC 8176): `hwk` for a device-bound credential, `swk` for one that may be synced. The
 * deciding flag is backup eligibility (BE, fixed when the credential is created): a credential
 * eligible for backup can be copied off the device at any time (a cloud keychain), whether or not
 * it has been yet, so it is not proof of one piece of hardware. Both are phishing-resistant
 * (strength 3): the browser binds the signature to our origin.
 */
import { decodeClientDataJSON, isoBase64URL } from '@simplewebauthn/server/helpers';
import { AppError } from '../errors.ts';
import { AMR } from './strength.ts';

export const CHALLENGE_PURPOSE = { register: 'passkey.register', login: 'passkey.login', mfa: 'passkey.mfa' } as const;
export type ChallengePurpose = (typeof CHALLENGE_PURPOSE)[keyof typeof CHALLENGE_PURPOSE];

/** The browser's time for a ceremony, and a little more for the challenge to reach us. */
export const CEREMONY_TIMEOUT_MS = 120_000;
export const CHALLENGE_TTL_SECONDS = 150;

export interface RelyingParty { id: string; origin: string; name: string }

export const relyingParty = (issuer: string): RelyingParty => {
  const url = new URL(issuer);
  return { id: url.hostname, origin: url.origin, name: '一号 Yihao' };
};

export const amrOf = (backupEligible: boolean): string => (backupEligible ? AMR.softwareKey : AMR.hardwareKey);

/** The WebAuthn user handle of a person: the account id's bytes (no personal data). */
export const userHandleOf = (personId: string): Uint8Array => new TextEncoder().encode(personId);
export const userHandleText = (personId: string): string => isoBase64URL.fromBuffer(userHandleOf(personId) as Uint8Array<ArrayBuffer>);

/** A credential response as the browser library sends it: JSON of an object with an id. */
export function parseCredentialJson<T extends { id: string; response: { clientDataJSON: string } }>(text: string): T {
  try {
    const value = JSON.parse(text) as T;
    if (typeof value?.id !== 'string' || value.id.length > 1400 || typeof value.response?.clientDataJSON !== 'string') throw new Error('shape');
    return value;
  } catch {
    throw new AppError('passkey.failed', 'malformed credential response');
  }
}

/** The challenge the browser signed over (checked against the stored one by the caller). */
export function challengeOf(response: { response: { clientDataJSON: string } }): string {
  try {
    const challenge = decodeClientDataJSON(response.response.clientDataJSON).challenge;
    if (typeof challenge !== 'string' || !challenge) throw new Error('no challenge');
    return challenge;
  } catch {
    throw new AppError('passkey.failed', 'malformed client data');
  }
}
