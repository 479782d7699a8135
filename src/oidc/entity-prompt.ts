/**
 * The "act for whom" step: when a platform asks for scope `entity` and the person holds roles for
 * enterprises at that platform, the login pauses on a page where they choose themselves or one of
 * those enterprises. The choice is kept per SSO session and platform (ActingRoles.select).
 */
import { interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';
import type { ActingRoles } from '../identity/acting-roles.ts';

export const ENTITY_PROMPT = 'select_entity';
const { Check, Prompt } = interactionPolicy;

export function withEntityPrompt(policy: interactionPolicy.Prompt[], roles: ActingRoles): interactionPolicy.Prompt[] {
  const prompt = new Prompt(
    { name: ENTITY_PROMPT, requestable: false },
    new Check('entity_selection_required', 'the End-User must choose whom they act for', async (ctx: KoaContextWithOIDC) => {
      const { oidc } = ctx;
      if (!oidc.requestParamScopes.has('entity') || (oidc.result as Record<string, unknown> | undefined)?.[ENTITY_PROMPT]) {
        return Check.NO_NEED_TO_PROMPT;
      }
      const accountId = oidc.session?.accountId;
      if (!accountId) return Check.NO_NEED_TO_PROMPT; // the login prompt comes first
      const available = await roles.rolesFor(accountId, oidc.client!.clientId);
      if (available.length > 0) return Check.REQUEST_PROMPT;
      // Nobody to act for: record "myself" so an earlier choice in this session cannot linger.
      await roles.select(oidc.session!.uid, oidc.client!.clientId, accountId, null, 60);
      return Check.NO_NEED_TO_PROMPT;
    }),
  );
  (policy as ReturnType<typeof interactionPolicy.base>).add(prompt);
  return policy;
}
