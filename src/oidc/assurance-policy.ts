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
import { aalOf, acrFor, parseAcr, type AcrPoint, type Aal } from '../authn/strength.ts';
import type { AssuranceLadder } from '../verification/assurance-ladder.ts';

export interface AssuranceLookup {
  ladder: AssuranceLadder;
  levelOf(accountId: string): Promise<{ index: number }>;
}

export const VERIFY_PROMPT = 'verify';
export const MFA_PROMPT = 'mfa';

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

/** The client metadata fields naming a platform's minimums: an acr value, and a strength 1–3. */
export const MINIMUM_ACR = 'minimum_acr';
export const MINIMUM_AAL = 'minimum_aal';

/** What an authorization request needs: an identity level (ladder index) and a strength. */
export interface Requirement {
  level: number;
  aal: Aal;
  /** The platform or the request spoke of strength: the token's acr then names both. */
  strengthNamed: boolean;
}

const levelAcrs = (ladder: AssuranceLadder) => ladder.levels.map((l) => l.acr);

/** "Any of these": the lowest level and the lowest strength among the values we know. */
function lowestOf(ladder: AssuranceLadder, values: unknown[]): { level: number; aal: Aal; strengthNamed: boolean } | undefined {
  const points = values.map((v) => parseAcr(levelAcrs(ladder), v)).filter((p): p is AcrPoint => p !== undefined);
  if (!points.length) return undefined;
  return {
    level: Math.min(...points.map((p) => p.level ?? 0)),
    aal: Math.min(...points.map((p) => p.aal ?? 0)) as Aal,
    strengthNamed: points.some((p) => p.aal !== undefined),
  };
}

/** The minimums a platform registered (0 when none). */
export function platformFloor(ladder: AssuranceLadder, metadata: Record<string, unknown>): Requirement {
  const floor: Requirement = { level: 0, aal: 0, strengthNamed: false };
  const raise = (p: { level: number; aal: Aal; strengthNamed: boolean } | undefined) => {
    if (!p) return;
    floor.level = Math.max(floor.level, p.level);
    floor.aal = Math.max(floor.aal, p.aal) as Aal;
    floor.strengthNamed ||= p.strengthNamed;
  };
  raise(lowestOf(ladder, [metadata[MINIMUM_ACR]]));
  // default_acr_values lists acceptable values ("any of these"), so its lowest is the minimum.
  if (Array.isArray(metadata.default_acr_values)) raise(lowestOf(ladder, metadata.default_acr_values));
  const aal = metadata[MINIMUM_AAL];
  if (aal === 1 || aal === 2 || aal === 3) raise({ level: 0, aal, strengthNamed: true });
  return floor;
}

/** The minimum level index for this request (see requirement()). */
export function requiredLevel(ladder: AssuranceLadder, params: Record<string, unknown>, client: Record<string, unknown> = {}): number {
  return requirement(ladder, params, client).level;
}

/**
 * What this request needs: the platform's floor raised by what the request states. Unknown
 * acr_values entries are ignored (they neither lower the floor nor fail). An essential acr
 * naming no value of ours cannot be honoured: unmet_authentication_requirements.
 */
export function requirement(ladder: AssuranceLadder, params: Record<string, unknown>, client: Record<string, unknown> = {}): Requirement {
  const req = platformFloor(ladder, client);
  const raise = (p: { level: number; aal: Aal; strengthNamed: boolean }) => {
    req.level = Math.max(req.level, p.level);
    req.aal = Math.max(req.aal, p.aal) as Aal;
    req.strengthNamed ||= p.strengthNamed;
  };
  if (typeof params.acr_values === 'string') {
    const p = lowestOf(ladder, params.acr_values.split(' ').filter(Boolean));
    if (p) raise(p);
  }
  const essential = essentialAcr(params.claims);
  if (essential) {
    const values = Array.isArray(essential.values) ? essential.values : essential.value !== undefined ? [essential.value] : [];
    if (values.length) {
      const p = lowestOf(ladder, values);
      if (!p) throw new errors.UnmetAuthenticationRequirements('none of the essential acr values is supported');
      raise(p);
    }
  }
  return req;
}

/**
 * oidc-provider's default policy with two prompts after login, before consent: `mfa` when the
 * session's authentication is weaker than required (a second factor or a passkey, mfa-pages.ts),
 * then `verify` when the identity level is below the minimum (step-up.ts).
 */
export function assurancePolicy(lookup: AssuranceLookup): interactionPolicy.Prompt[] {
  const { Check, Prompt, base } = interactionPolicy;
  const policy = base();
  // The stock acr checks demand an exact match and re-run the login form; ours treats levels as
  // an ordered ladder and runs verification instead.
  const login = policy.get('login')!;
  login.checks.remove('essential_acrs');
  login.checks.remove('essential_acr');

  const required = (ctx: KoaContextWithOIDC) =>
    requirement(lookup.ladder, ctx.oidc.params as Record<string, unknown>, ctx.oidc.client?.metadata() ?? {});
  const mfa = new Prompt(
    { name: MFA_PROMPT, requestable: false },
    new Check(
      'authentication_strength',
      'the authentication of this session is weaker than required',
      (ctx) => {
        const { session } = ctx.oidc;
        if (!session?.accountId) return Check.NO_NEED_TO_PROMPT; // login comes first
        return aalOf(session.amr) < required(ctx).aal ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT;
      },
      (ctx) => ({ requiredAal: required(ctx).aal }),
    ),
  );
  const verify = new Prompt(
    { name: VERIFY_PROMPT, requestable: false },
    new Check(
      'assurance_level',
      'the identity assurance level of the account is below the requested minimum',
      async (ctx) => {
        const { session } = ctx.oidc;
        if (!session?.accountId) return Check.NO_NEED_TO_PROMPT; // login comes first
        const req = required(ctx);
        const { index } = await lookup.levelOf(session.accountId);
        if (index < req.level) return Check.REQUEST_PROMPT;
        // Up or down (new evidence, expired evidence), the session says what is held now, in
        // the form the platform asked in.
        const acr = acrFor(lookup.ladder.levels[index]!.acr, aalOf(session.amr), req.strengthNamed);
        if (session.acr !== acr) session.acr = acr;
        return Check.NO_NEED_TO_PROMPT;
      },
      (ctx) => ({ requiredLevel: lookup.ladder.levels[required(ctx).level]!.id }),
    ),
  );
  const afterLogin = policy.findIndex((p) => p.name === 'login') + 1;
  policy.add(verify, afterLogin);
  policy.add(mfa, afterLogin);
  return policy;
}
