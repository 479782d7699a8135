/** The provider's view of a person: findAccount and the claims each scope releases. */
import type { Account, FindAccount } from 'oidc-provider';
import type { ActingRole, ActingRoles } from '../identity/acting-roles.ts';
import type { PersonService } from '../identity/persons.ts';
import type { PersonRole, PersonRoles } from '../identity/person-roles.ts';
import { platformTerms, subjectAt } from './subjects.ts';
import { assuranceLevelClaim } from './assurance-claim.ts';
import type { AssuranceLookup } from './assurance-policy.ts';

/** Claims per scope; the README's claims table mirrors this. */
export const SCOPE_CLAIMS = {
  openid: ['sub', 'acr', 'amr', 'auth_time', 'assurance_level'],
  profile: ['name'],
  phone: ['phone_number', 'phone_number_verified'],
  entity: ['entity'],
  represented_person: ['represented_person'],
  id_number: ['id_number'],
} as const;

/** The `entity` claim: the enterprise the person acts for at this platform, and in what role. */
const entityClaim = (r: ActingRole) => ({
  credit_code: r.creditCode,
  name: r.enterpriseName,
  role: r.role,
  ...(r.delegationId ? { grant_id: r.delegationId } : {}),
});

/**
 * The `represented_person` claim: the natural person the logged-in person (the token's `sub`,
 * the actor) acts for at this platform. `sub` is the represented person's own subject at this
 * platform; `expires_at` when this right ends by itself (the ward's 14th/18th birthday, the
 * authorisation's expiry).
 */
const representedClaim = (r: PersonRole, sub: string) => ({
  sub,
  name: r.name,
  basis: r.basis,
  relationship: r.relationship,
  ...(r.stage ? { age_stage: r.stage } : {}),
  expires_at: Math.floor(r.expiresAt.getTime() / 1000),
  grant_id: r.grantId,
});

const claim = (get: () => string): PropertyDescriptor => ({ get, enumerable: true });

export function findAccountWith(persons: PersonService, assurance: AssuranceLookup | undefined, roles: ActingRoles, people: PersonRoles, subjectSalt: string): FindAccount {
  return async (ctx, sub, token): Promise<Account | undefined> => {
    const person = await persons.get(sub);
    if (!person || person.status !== 'active') return undefined;
    return {
      accountId: person.id,
      async claims(_use, scope) {
        // Acting for an enterprise is chosen per SSO session and platform, and re-checked here.
        const sessionUid = (token as { sessionUid?: string } | undefined)?.sessionUid;
        const clientId = ctx.oidc.client?.clientId;
        const scopes = scope.split(' ');
        const client = ctx.oidc.client;
        const acting = scopes.includes('entity') && sessionUid && clientId ? await roles.current(sessionUid, clientId, person.id) : null;
        // Acting for a natural person likewise, re-checked against the ward's age and the grant now.
        const representing = scopes.includes('represented_person') && sessionUid && client ? await people.current(sessionUid, platformTerms(client), person.id) : null;
        // Getters: the provider picks the claims the scope and grant allow, and only those are
        // read, so a field nobody asked for is never decrypted.
        return Object.defineProperties({
          sub: person.id,
          // Self-asserted until the person uses a code texted to it (login, second factor, console).
          phone_number_verified: person.phoneVerifiedAt !== undefined,
          ...(acting ? { entity: entityClaim(acting) } : {}),
          ...(representing && client ? { represented_person: representedClaim(representing, subjectAt(subjectSalt, client, representing.representedPersonId)) } : {}),
          ...(assurance ? { assurance_level: await assuranceLevelClaim(assurance, person.id, token) } : {}),
        }, {
          name: claim(() => person.name),
          phone_number: claim(() => `+86${person.phone}`),
          // Only for platforms registered with the `id_number` scope (permitted), and only once
          // the person consented (the provider filters claims by the grant).
          ...(ctx.oidc.client?.scope?.split(' ').includes('id_number') ? { id_number: claim(() => person.idNumber) } : {}),
        });
      },
    };
  };
}
