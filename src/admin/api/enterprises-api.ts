/**
 * Enterprises and agent authorisations (`/admin/api/enterprises`, `/admin/api/authorisations`,
 * security administrator): search, view, suspend and reinstate, each with a recorded reason. A
 * suspended enterprise is acted for by no one; a suspended authorisation stops at once and only
 * an administrator reinstates it (its representative cannot confirm it back).
 */
import type Router from '@koa/router';
import { z } from 'zod';
import { AppError } from '../../errors.ts';
import type { DelegationService, DelegationView } from '../../identity/delegations.ts';
import type { EnterpriseAdmin } from '../../identity/enterprise-admin.ts';
import type { EnterpriseService } from '../../identity/enterprises.ts';
import { clientIp } from '../../http/rate-limit.ts';
import type { Context } from 'koa';
import type { EnterpriseRow } from '../../store/enterprises.ts';
import { pageOf, principal, pageQuery, paginate, reasonBody, route, UUID, apiRouter, type ApiKit } from './api-kit.ts';

export interface EnterprisesApiDeps {
  enterprises: EnterpriseService;
  delegations: DelegationService;
  /** Suspensions with their audit events (shared with the console). */
  admin: EnterpriseAdmin;
}

const enterpriseView = z.object({
  id: z.string(),
  credit_code: z.string(),
  name: z.string(),
  category: z.string(),
  representative_id: z.string().nullable().describe('account id of the verified legal representative'),
  verified_at: z.string().nullable(),
  suspended: z.boolean(),
  created_at: z.string(),
});
const authorisationView = z.object({
  id: z.string(),
  enterprise_id: z.string(),
  agent_name: z.string(),
  all_platforms: z.boolean(),
  platforms: z.array(z.string()),
  expires_at: z.string(),
  status: z.enum(['offered', 'active', 'suspended', 'declined', 'revoked', 'resigned']),
  expired: z.boolean(),
  suspended_by_admin: z.boolean(),
});

const showEnterprise = (e: EnterpriseRow): z.infer<typeof enterpriseView> => ({
  id: e.id, credit_code: e.credit_code, name: e.name, category: e.category, representative_id: e.legal_rep_person_id,
  verified_at: e.verified_at?.toISOString() ?? null, suspended: Boolean(e.suspended_at), created_at: e.created_at.toISOString(),
});
const showAuthorisation = (d: DelegationView): z.infer<typeof authorisationView> => ({
  id: d.id, enterprise_id: d.enterpriseId, agent_name: d.agentName, all_platforms: d.allPlatforms, platforms: d.platforms,
  expires_at: d.expiresAt.toISOString(), status: d.status, expired: d.expired, suspended_by_admin: d.adminSuspended,
});

const idParams = z.object({ id: z.string().max(100) });
const enterpriseQuery = pageQuery.extend({
  credit_code: z.string().trim().toUpperCase().length(18).optional().describe('exact unified social credit code'),
  name: z.string().trim().min(1).max(100).optional().describe('part of the name'),
});
const authorisationQuery = pageQuery.extend({
  enterprise_id: z.string().regex(UUID).optional(),
  status: authorisationView.shape.status.optional(),
});

export function enterprisesApiRouters(deps: EnterprisesApiDeps, kit: ApiKit): Router[] {
  const roles = ['security_admin'] as const;
  const by = (ctx: Context, reason: string) => ({ actor: principal(ctx).actor, reason, ip: clientIp(ctx), userAgent: ctx.get('user-agent') || undefined });
  const enterprise = async (id: string) => {
    const e = UUID.test(id) ? await deps.enterprises.findById(id) : undefined;
    if (!e) throw new AppError('enterprise.not_found');
    return e;
  };
  const known = (id: string) => { if (!UUID.test(id)) throw new AppError('delegation.not_found'); return id; };

  const ent = apiRouter(kit, '/admin/api/enterprises');
  route(ent, kit.book, 'enterprises', { method: 'get', path: '/', summary: 'Search enterprises by credit code or name', roles, query: enterpriseQuery, response: pageOf(enterpriseView) }, async (ctx, { query }) => {
    ctx.body = await paginate(ctx, query, (after, take) => deps.enterprises.page({ creditCode: query.credit_code, name: query.name }, after, take), (e) => e.id, showEnterprise);
  });
  route(ent, kit.book, 'enterprises', { method: 'get', path: '/:id', summary: 'Show an enterprise', roles, params: idParams, response: z.object({ enterprise: enterpriseView }) }, async (ctx, { params }) => {
    ctx.body = { enterprise: showEnterprise(await enterprise(params.id)) };
  });
  for (const [action, suspend] of [['suspend', true], ['reinstate', false]] as const) {
    route(ent, kit.book, 'enterprises', {
      method: 'post', path: `/:id/${action}`, roles, params: idParams, body: reasonBody, response: z.object({ enterprise: enterpriseView }),
      summary: suspend ? 'Suspend an enterprise: no one acts for it until reinstated' : 'Reinstate a suspended enterprise',
    }, async (ctx, { params, body }) => {
      const e = await deps.admin.setEnterpriseSuspended((await enterprise(params.id)).id, suspend, by(ctx, body.reason));
      ctx.body = { enterprise: showEnterprise(e) };
    });
  }

  const auth = apiRouter(kit, '/admin/api/authorisations');
  route(auth, kit.book, 'authorisations', { method: 'get', path: '/', summary: 'List agent authorisations (of an enterprise, in a status)', roles, query: authorisationQuery, response: pageOf(authorisationView) }, async (ctx, { query }) => {
    ctx.body = await paginate(ctx, query, (after, take) => deps.delegations.page({ enterpriseId: query.enterprise_id, status: query.status }, after, take), (d) => d.id, showAuthorisation);
  });
  route(auth, kit.book, 'authorisations', { method: 'get', path: '/:id', summary: 'Show an agent authorisation', roles, params: idParams, response: z.object({ authorisation: authorisationView }) }, async (ctx, { params }) => {
    ctx.body = { authorisation: showAuthorisation(await deps.delegations.show(known(params.id))) };
  });
  for (const [action, suspend] of [['suspend', true], ['reinstate', false]] as const) {
    route(auth, kit.book, 'authorisations', {
      method: 'post', path: `/:id/${action}`, roles, params: idParams, body: reasonBody, response: z.object({ authorisation: authorisationView }),
      summary: suspend ? 'Suspend an agent authorisation (only an administrator reinstates it)' : 'Reinstate an authorisation an administrator suspended',
    }, async (ctx, { params, body }) => {
      const d = await deps.admin.setAuthorisationSuspended(known(params.id), suspend, by(ctx, body.reason));
      ctx.body = { authorisation: showAuthorisation(d) };
    });
  }
  return [ent, auth];
}
