/** The provider's view of a person: findAccount and the claims each scope releases. */
import type { Account, FindAccount } from 'oidc-provider';
import type { PersonService } from '../identity/persons.ts';

/** Claims per scope; the README's claims table mirrors this. */
export const SCOPE_CLAIMS = {
  openid: ['sub', 'acr', 'amr', 'auth_time'],
  profile: ['name'],
  phone: ['phone_number', 'phone_number_verified'],
} as const;

export function findAccountWith(persons: PersonService): FindAccount {
  return async (_ctx, sub): Promise<Account | undefined> => {
    const person = await persons.get(sub);
    if (!person || person.status !== 'active') return undefined;
    return {
      accountId: person.id,
      async claims() {
        return {
          sub: person.id,
          name: person.name,
          phone_number: `+86${person.phone}`,
          // Self-asserted until an SMS check or a carrier channel confirms it.
          phone_number_verified: false,
        };
      },
    };
  };
}
