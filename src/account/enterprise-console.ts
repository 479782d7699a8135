/**
 * The account console's enterprise section: claim an enterprise as its legal representative,
 * authorise agents, accept or decline authorisations, end them, and confirm agents after a change
 * of representative. The rules live in identity/; this module adapts them to forms.
 */
import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import type { Audit } from '../audit/audit.ts';
import { AppError, isAppError } from '../errors.ts';
import { clientIp } from '../http/rate-limit.ts';
import type { DelegationService, DelegationView } from '../identity/delegations.ts';
import type { EnterpriseService, RegistryCheck } from '../identity/enterprises.ts';
import type { RepresentationPolicy } from '../identity/representation-policy.ts';
import type { Locale } from '../i18n/messages.ts';
import type { ClientRegistry } from '../oidc/client-registry.ts';
import { accountOf } from './login-routes.ts';

export interface EnterpriseConsoleDeps {
  enterprises: EnterpriseService;
  delegations: DelegationService;
  clients: ClientRegistry;
  audit: Audit;
  /** The business-registry check; when it cannot answer, the claim stays pending. */
  registryCheck: (ip: string) => RegistryCheck;
  /** Assurance minimums for claiming and accepting: the section says what is missing. */
  representation: RepresentationPolicy;
  levelName(index: number, locale: Locale): string;
}

type Labeled = DelegationView & { enterpriseName: string; creditCode: string };

/** What views/account/enterprises.eta shows. */
export async function enterpriseSection(deps: EnterpriseConsoleDeps, personId: string, locale: Locale) {
  const label = async (d: DelegationView): Promise<Labeled> => {
    const e = await deps.enterprises.findById(d.enterpriseId);
    return { ...d, enterpriseName: e?.name ?? '', creditCode: e?.credit_code ?? '' };
  };
  const represented = await Promise.all((await deps.enterprises.representedBy(personId)).map(async (e) => ({
    id: e.id, creditCode: e.credit_code, name: e.name, agents: await deps.delegations.forEnterprise(personId, e.id),
  })));
  const mine = await Promise.all((await deps.delegations.forAgent(personId)).map(label));
  const claims = (await deps.enterprises.claimsOf(personId)).filter((c) => c.status !== 'verified' && c.status !== 'superseded');
  const platforms = (await deps.clients.list())
    .filter((c) => (c.metadata.grant_types as string[] | undefined)?.includes('authorization_code') ?? true)
    .map((c) => ({ clientId: c.clientId, name: String(c.metadata.client_name ?? c.clientId) }));
  const standing = await deps.representation.standing(personId);
  const name = (i: number) => deps.levelName(i, locale);
  return {
    // Below a minimum the section shows how to raise the level (/account/verify) instead of failing later.
    standing: {
      ...standing, current: name(standing.current),
      claimLevel: name(deps.representation.minimums.legalRepresentative), agentLevel: name(deps.representation.minimums.agent),
    },
    represented,
    claims,
    offers: mine.filter((d) => d.status === 'offered' && !d.expired),
    agentOf: mine.filter((d) => d.status === 'active' || d.status === 'suspended'),
    platforms: platforms.filter((p) => p.clientId !== 'yihao-account'),
  };
}

const field = (ctx: Context, name: string) => {
  const v = (ctx.request as { body?: Record<string, unknown> }).body?.[name];
  return typeof v === 'string' ? v.trim() : '';
};
const fields = (ctx: Context, name: string): string[] => {
  const v = (ctx.request as { body?: Record<string, unknown> }).body?.[name];
  return Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : [];
};

function back(ctx: Context, notice: string): void {
  ctx.status = 303;
  ctx.redirect(`/account?notice=${encodeURIComponent(notice)}#enterprises`);
}

/** Runs an action and reports its outcome, or a domain refusal, as a notice on the account page. */
async function attempt(ctx: Context, action: () => Promise<string>): Promise<void> {
  try {
    back(ctx, await action());
  } catch (e) {
    if (!isAppError(e) || e.kind === 'internal') throw e;
    back(ctx, e.code);
  }
}

export function enterpriseRoutes(router: Router, deps: EnterpriseConsoleDeps, admitted: Middleware): void {
  router.post('/account/enterprises/claim', admitted, (ctx) => attempt(ctx, async () => {
    const { sub } = accountOf(ctx);
    const { enterprise, claimId } = await deps.enterprises.claim(sub, { creditCode: field(ctx, 'creditCode'), name: field(ctx, 'name') });
    await deps.audit.record({ actor: sub, action: 'enterprise.claimed', target: enterprise.credit_code });
    try {
      const decision = await deps.enterprises.verifyClaimWithRegistry(claimId, deps.registryCheck(clientIp(ctx)));
      await deps.audit.record({ actor: 'business_registry', action: `enterprise.claim_${decision.status}`, target: claimId, detail: { suspended: decision.suspendedDelegations.length } });
      if (decision.status === 'rejected') return 'enterprise.claim_rejected';
      return decision.representativeChanged ? 'enterprise.claim_verified_changed' : 'enterprise.claim_verified';
    } catch (e) {
      // The registry cannot answer now: the claim waits (an operator or a later check decides it).
      if (isAppError(e) && (e.kind === 'unavailable' || e.kind === 'rate_limited')) return 'enterprise.claim_pending_check';
      throw e;
    }
  }));

  router.post('/account/enterprises/:id/agents', admitted, (ctx) => attempt(ctx, async () => {
    const { sub } = accountOf(ctx);
    const all = field(ctx, 'scope') !== 'selected';
    const expiresAt = new Date(`${field(ctx, 'expiresOn')}T23:59:59+08:00`);
    const id = await deps.delegations.grant(sub, ctx.params.id!, {
      agentName: field(ctx, 'agentName'), agentIdNumber: field(ctx, 'agentIdNumber'), allPlatforms: all, platforms: fields(ctx, 'platforms'), expiresAt,
    });
    await deps.audit.record({ actor: sub, action: 'delegation.granted', target: id, detail: { enterprise: ctx.params.id, allPlatforms: all } });
    return 'delegation.granted';
  }));

  // action → [what it does, the notice that reports it]
  const actions: Record<string, [(sub: string, id: string) => Promise<void>, string]> = {
    accept: [(sub, id) => deps.delegations.accept(sub, id), 'delegation.accepted'],
    decline: [(sub, id) => deps.delegations.decline(sub, id), 'delegation.declined'],
    revoke: [(sub, id) => deps.delegations.revoke(sub, id), 'delegation.revoked'],
    resign: [(sub, id) => deps.delegations.resign(sub, id), 'delegation.resigned'],
    confirm: [(sub, id) => deps.delegations.confirm(sub, id), 'delegation.confirmed'],
  };
  router.post('/account/delegations/:id/:action', admitted, async (ctx) => {
    const entry = Object.hasOwn(actions, ctx.params.action!) ? actions[ctx.params.action!] : undefined;
    if (!entry) throw new AppError('http.not_found');
    await attempt(ctx, async () => {
      const { sub } = accountOf(ctx);
      await entry[0](sub, ctx.params.id!);
      await deps.audit.record({ actor: sub, action: `delegation.${ctx.params.action}`, target: ctx.params.id });
      return entry[1];
    });
  });
}
