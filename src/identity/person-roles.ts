/**
 * Whom a person may act for among natural persons at a platform: the minors they are guardian of
 * (as far as the ward's age allows, age-rules.ts) and the people who authorised them for that
 * platform (proxy-grants.ts). Re-checked every time a token or userinfo is produced, against the
 * database and the clock, so an ended, expired or outgrown right stops at once.
 */
import { AppError } from '../errors.ts';
import type { ProxyGrantStore } from '../store/proxy-grants.ts';
import { guardianRight } from './age-rules.ts';
import type { GuardianshipService } from './guardianships.ts';
import type { NaturalPersonPolicy } from './natural-person-policy.ts';
import type { PersonService } from './persons.ts';
import type { ProxyGrantService } from './proxy-grants.ts';

export interface PersonRole {
  basis: 'guardian' | 'proxy';
  /** The guardianship's or the authorisation's id. */
  grantId: string;
  representedPersonId: string;
  name: string;
  relationship: string;
  /** Guardians only: the ward's age stage now. */
  stage?: 'minor_under_14' | 'minor_14_to_18';
  /** When this right at this platform ends by itself. */
  expiresAt: Date;
}

/** What the rules need to know of a platform. */
export interface PlatformTerms {
  clientId: string;
  /** The platform relies on a 14–17-year-old's own consent: guardians act there only for wards under 14. */
  minorOwnConsent: boolean;
}

export class PersonRoles {
  constructor(
    private readonly guardianships: GuardianshipService,
    private readonly proxies: ProxyGrantService,
    private readonly persons: PersonService,
    private readonly policy: NaturalPersonPolicy,
    private readonly selections: ProxyGrantStore,
  ) {}

  async rolesFor(personId: string, platform: PlatformTerms, now = new Date()): Promise<PersonRole[]> {
    const roles: PersonRole[] = [];
    if (await this.policy.mayGuard(personId)) {
      for (const w of await this.guardianships.activeWards(personId, now)) {
        const right = guardianRight(w.birthDate, platform.minorOwnConsent, now);
        if (right) roles.push({ basis: 'guardian', grantId: w.guardianshipId, representedPersonId: w.wardPersonId, name: w.name, relationship: w.relationship, stage: right.stage, expiresAt: right.until });
      }
    }
    if (await this.policy.mayProxy(personId)) {
      for (const g of await this.proxies.heldBy(personId)) {
        if (!g.platforms.includes(platform.clientId)) continue;
        const grantor = await this.persons.get(g.grantorPersonId);
        if (!grantor || grantor.status !== 'active') continue;
        roles.push({ basis: 'proxy', grantId: g.id, representedPersonId: g.grantorPersonId, name: grantor.name, relationship: g.relationship, expiresAt: g.expiresAt });
      }
    }
    return roles;
  }

  /** Records the choice for this session and platform; `null` clears it (acting as oneself or for an enterprise). */
  async select(sessionUid: string, platform: PlatformTerms, personId: string, grantId: string | null, ttlSeconds: number): Promise<PersonRole | null> {
    if (!grantId) {
      await this.selections.clearSelection(sessionUid, platform.clientId);
      return null;
    }
    const role = (await this.rolesFor(personId, platform)).find((r) => r.grantId === grantId);
    if (!role) throw new AppError('represented.not_allowed');
    await this.selections.select({ session_uid: sessionUid, client_id: platform.clientId, person_id: personId, basis: role.basis, grant_id: role.grantId }, ttlSeconds);
    return role;
  }

  /** The person chosen for this session and platform, if the right still holds now. */
  async current(sessionUid: string, platform: PlatformTerms, personId: string, now = new Date()): Promise<PersonRole | null> {
    const sel = await this.selections.selection(sessionUid, platform.clientId);
    if (!sel || sel.person_id !== personId) return null;
    return (await this.rolesFor(personId, platform, now)).find((r) => r.grantId === sel.grant_id && r.basis === sel.basis) ?? null;
  }

  sweep(): Promise<number> {
    return this.selections.sweepSelections();
  }
}
