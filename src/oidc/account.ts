/** The provider's view of a person: findAccount and the claims each scope releases. */
import type { Account, FindAccount } from 'oidc-provider';
import type { ActingRole, ActingRoles } from '../identity/acting-roles.ts';
import type { PersonService } from '../identity/persons.ts';
import { assuranceLevelClaim } from './assurance-claim.ts';
import type { AssuranceLookup } from './assurance-policy.ts';

/** Claims per scope; the README's claims table mirrors this. */
export const SCOPE_CLAIMS = {
  openid: ['sub', 'acr', 'amr', 'auth_time', 'assurance_level'],
  profile: ['name'],
  phone: ['phone_number', 'phone_number_verified'],
  entity: ['entity'],
  id_number: ['id_number'],
} as const;

/** The `entity` claim: the enterprise the person acts for at this platform, and in what role. */
const entityClaim = (r: ActingRole) => ({
  credit_code: r.creditCode,
  name: r.enterpriseName,
  role: r.role,
  ...(r.delegationId ? { grant_id: r.delegationId } : {}),
});

const claim = (get: () => string): PropertyDescriptor => ({ get, enumerable: true });

export function findAccountWith(persons: PersonService, assurance: AssuranceLookup | undefined, roles: ActingRoles): FindAccount {
  return async (ctx, sub, token): Promise<Account | undefined> => {
    const person = await persons.get(sub);
    if (!person || person.status !== 'active') return undefined;
    return {
      accountId: person.id,
      async claims(_use, scope) {
        // Acting for an enterprise is chosen per SSO session and platform, and re-checked here.
        const sessionUid = (token as { sessionUid?: string } | undefined)?.sessionUid;
        const clientId = ctx.oidc.client?.clientId;
        const acting = scope.split(' ').includes('entity') && sessionUid && clientId ? await roles.current(sessionUid, clientId, person.id) : null;
        // Getters: the provider picks the claims the scope and grant allow, and only those are
        // read, so a field nobody asked for is never decrypted.
        return Object.defineProperties({
          sub: person.id,
          // Self-asserted until the person uses a code texted to it (login, second factor, console).
          phone_number_verified: person.phoneVerifiedAt !== undefined,
          ...(acting ? { entity: entityClaim(acting) } : {}),
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
