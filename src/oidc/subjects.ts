/**
 * The `sub` a platform sees for an account: pairwise (an HMAC of the platform's sector and the
 * account) unless the platform is registered for public subjects. The provider uses it for the
 * person logged in; the claims use it for a person they represent, so a platform sees the same
 * `sub` for a child whether the child logs in one day or a guardian acts for them today.
 */
import { createHmac } from 'node:crypto';
import type { PlatformTerms } from '../identity/person-roles.ts';

export function pairwiseSubject(salt: string, sectorIdentifier: string, accountId: string): string {
  return createHmac('sha256', salt).update(`${sectorIdentifier}\0${accountId}`).digest('base64url');
}

interface ClientLike { clientId: string; subjectType?: string | undefined; sectorIdentifier?: string | undefined; metadata(): Record<string, unknown> }

export function subjectAt(salt: string, client: ClientLike, accountId: string): string {
  if (client.subjectType === 'public') return accountId;
  // The provider derives a pairwise client's sector (redirect URIs' host or sector_identifier_uri).
  if (!client.sectorIdentifier) throw new Error(`pairwise client ${client.clientId} has no sector identifier`);
  return pairwiseSubject(salt, client.sectorIdentifier, accountId);
}

/** A platform as the natural-person acting rules see it (metadata `minor_own_consent`). */
export const platformTerms = (client: ClientLike): PlatformTerms => ({ clientId: client.clientId, minorOwnConsent: client.metadata().minor_own_consent === true });
