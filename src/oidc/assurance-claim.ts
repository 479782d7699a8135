/**
 * The `assurance_level` claim ('L1'…): the level held now, computed from evidence, but never
 * above the `acr` of the login the token comes from (an authorization code or refresh token
 * carries it). So an ID token's `assurance_level` agrees with its `acr`, and userinfo (whose
 * access token carries no acr) says the level held at the time of the call.
 */
import { parseAcr } from '../authn/strength.ts';
import type { AssuranceLookup } from './assurance-policy.ts';

export async function assuranceLevelClaim(lookup: AssuranceLookup, accountId: string, token: unknown): Promise<string> {
  const { index } = await lookup.levelOf(accountId);
  const acr = (token as { acr?: unknown } | undefined)?.acr;
  const fromToken = acr === undefined ? undefined : parseAcr(lookup.ladder.levels.map((l) => l.acr), acr)?.level ?? 0;
  return lookup.ladder.levels[Math.min(index, fromToken ?? index)]!.id;
}
