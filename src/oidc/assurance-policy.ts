/**
 * Identity assurance inside the authorization request. A platform's registered minimum
 * (`minimum_acr`, or the lowest of its `default_acr_values`) is a floor: a request may raise it
 * with `acr_values` or an essential `acr` claim in the `claims` parameter, never lower it (the
 * URL is in the user agent's hands). After login, the `verify` prompt runs when the account's level, computed
 * from evidence, is below that minimum; the step-up pages (step-up.ts) then either raise it or
 * end the request with a standard error. Otherwise the session's `acr` is set to the level held
 * now, so the ID token's `acr` is never a level the person does not hold.
 *
 * Levels are ordered: a higher level satisfies a lower minimum, and the token reports the level
 * actually held. Listing several values means "any of these", so the lowest is the minimum.
 */
import { errors, interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';
import { indexOfAcr, type AssuranceLadder } from '../verification/assurance-ladder.ts';

export interface AssuranceLookup {
  ladder: AssuranceLadder;
  levelOf(accountId: string): Promise<{ index: number }>;
}

export const VERIFY_PROMPT = 'verify';

interface AcrRequest { essential?: unknown; value?: unknown; values?: unknown }

function essentialAcr(claimsParam: unknown): AcrRequest | undefined {
  if (typeof claimsParam !== 'string') return undefined;
  try {
    // The provider has already refused a claims parameter that is not valid JSON.
    const acr = (JSON.parse(claimsParam) as { id_token?: { acr?: AcrRequest | null } }).id_token?.acr;
    return acr && acr.essential === true ? acr : undefined;
  } catch {
    return undefined;
  }
}

/** The client metadata field naming a platform's minimum acr (one of acr_values_supported). */
export const MINIMUM_ACR = 'minimum_acr';

const lowestKnown = (ladder: AssuranceLadder, values: unknown[]) => {
  const known = values.map((v) => indexOfAcr(ladder, v)).filter((i): i is number => i !== undefined);
  return known.length ? Math.min(...known) : undefined;
};

/** The level index a platform registered as its minimum (0 when none). */
export function platformFloor(ladder: AssuranceLadder, metadata: Record<string, unknown>): number {
  const floors = [0];
  const minimum = indexOfAcr(ladder, metadata[MINIMUM_ACR]);
  if (minimum !== undefined) floors.push(minimum);
  // default_acr_values lists acceptable levels ("any of these"), so its lowest is the minimum.
  const defaults = Array.isArray(metadata.default_acr_values) ? lowestKnown(ladder, metadata.default_acr_values) : undefined;
  if (defaults !== undefined) floors.push(defaults);
  return Math.max(...floors);
}

/**
 * The minimum level index for this request: the platform's floor raised by what the request
 * states. Unknown acr_values entries are ignored (they neither lower the floor nor fail). An
 * essential acr naming no level of ours cannot be honoured: unmet_authentication_requirements.
 */
export function requiredLevel(ladder: AssuranceLadder, params: Record<string, unknown>, client: Record<string, unknown> = {}): number {
  const minimums: number[] = [platformFloor(ladder, client)];
  if (typeof params.acr_values === 'string') {
    const m = lowestKnown(ladder, params.acr_values.split(' ').filter(Boolean));
    if (m !== undefined) minimums.push(m);
  }
  const essential = essentialAcr(params.claims);
  if (essential) {
    const values = Array.isArray(essential.values) ? essential.values : essential.value !== undefined ? [essential.value] : [];
    if (values.length) {
      const m = lowestKnown(ladder, values);
      if (m === undefined) throw new errors.UnmetAuthenticationRequirements('none of the essential acr values is supported');
      minimums.push(m);
    }
  }
  return Math.max(...minimums);
}

/** oidc-provider's default policy with the `verify` prompt after login, before consent. */
export function assurancePolicy(lookup: AssuranceLookup): interactionPolicy.Prompt[] {
  const { Check, Prompt, base } = interactionPolicy;
  const policy = base();
  // The stock acr checks demand an exact match and re-run the login form; ours treats levels as
  // an ordered ladder and runs verification instead.
  const login = policy.get('login')!;
  login.checks.remove('essential_acrs');
  login.checks.remove('essential_acr');

  const required = (ctx: KoaContextWithOIDC) =>
    requiredLevel(lookup.ladder, ctx.oidc.params as Record<string, unknown>, ctx.oidc.client?.metadata() ?? {});
  const verify = new Prompt(
    { name: VERIFY_PROMPT, requestable: false },
    new Check(
      'assurance_level',
      'the identity assurance level of the account is below the requested minimum',
      async (ctx) => {
        const { session } = ctx.oidc;
        if (!session?.accountId) return Check.NO_NEED_TO_PROMPT; // login comes first
        const { index } = await lookup.levelOf(session.accountId);
        if (index < required(ctx)) return Check.REQUEST_PROMPT;
        // Up or down (new evidence, expired evidence), the session says what is held now.
        const acr = lookup.ladder.levels[index]!.acr;
        if (session.acr !== acr) session.acr = acr;
        return Check.NO_NEED_TO_PROMPT;
      },
      (ctx) => ({ requiredLevel: lookup.ladder.levels[required(ctx)]!.id }),
    ),
  );
  policy.add(verify, policy.findIndex((p) => p.name === 'login') + 1);
  return policy;
}
