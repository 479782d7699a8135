/**
 * The "act for whom" step: when a platform asks for scope `entity` (enterprises) or
 * `represented_person` (natural persons: guardians, assisted service) and the person holds such
 * roles at that platform, the login pauses on a page where they choose themselves or one of them.
 * The choice is kept per SSO session and platform (ActingRoles.select, PersonRoles.select).
 */
import { interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';
import type { ActingRoles } from '../identity/acting-roles.ts';
import type { PersonRoles } from '../identity/person-roles.ts';
import { platformTerms } from './subjects.ts';

export const ENTITY_PROMPT = 'select_entity';
export const ENTITY_SCOPE = 'entity';
export const PERSON_SCOPE = 'represented_person';
const { Check, Prompt } = interactionPolicy;

export function withEntityPrompt(policy: interactionPolicy.Prompt[], roles: ActingRoles, persons: PersonRoles): interactionPolicy.Prompt[] {
  const prompt = new Prompt(
    { name: ENTITY_PROMPT, requestable: false },
    new Check('entity_selection_required', 'the End-User must choose whom they act for', async (ctx: KoaContextWithOIDC) => {
      const { oidc } = ctx;
      const wantsEntity = oidc.requestParamScopes.has(ENTITY_SCOPE);
      const wantsPerson = oidc.requestParamScopes.has(PERSON_SCOPE);
      if ((!wantsEntity && !wantsPerson) || (oidc.result as Record<string, unknown> | undefined)?.[ENTITY_PROMPT]) {
        return Check.NO_NEED_TO_PROMPT;
      }
      const accountId = oidc.session?.accountId;
      if (!accountId) return Check.NO_NEED_TO_PROMPT; // the login prompt comes first
      const client = oidc.client!;
      const platform = platformTerms(client);
      const enterprises = wantsEntity ? await roles.rolesFor(accountId, client.clientId) : [];
      const people = wantsPerson ? await persons.rolesFor(accountId, platform) : [];
      if (enterprises.length + people.length > 0) return Check.REQUEST_PROMPT;
      // Nobody to act for: record "myself" so an earlier choice in this session cannot linger.
      await roles.select(oidc.session!.uid, client.clientId, accountId, null, 60);
      await persons.select(oidc.session!.uid, platform, accountId, null, 60);
      return Check.NO_NEED_TO_PROMPT;
    }),
  );
  (policy as ReturnType<typeof interactionPolicy.base>).add(prompt);
  return policy;
}
