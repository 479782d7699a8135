/**
 * Console page: enterprises and agent authorisations, for the security administrator. Search by
 * exact credit code or part of the name; an enterprise's view shows its representative masked and
 * its agents' authorisations. Suspending an enterprise (no one acts for it) or an authorisation
 * (stops at once; only an administrator reinstates it) is confirmed, with a reason; reinstating
 * takes a reason. Both go through the same EnterpriseAdmin as the admin API, which audits them.
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { AppError } from '../../errors.ts';
import type { DelegationService } from '../../identity/delegations.ts';
import type { EnterpriseAdmin } from '../../identity/enterprise-admin.ts';
import type { EnterpriseService } from '../../identity/enterprises.ts';
import { mask } from '../../verification/evidence.ts';
import { personActor } from '../role-grants.ts';
import { requireRole } from '../roles.ts';
import { act, adminOf, CONFIRM, consoleDetail, flash, parseForm, sendAdminPage } from './console-router.ts';
import { masked, type PersonLookup } from './people.ts';

export interface EnterprisesPageDeps {
  enterprises: Pick<EnterpriseService, 'page' | 'findById'>;
  delegations: Pick<DelegationService, 'page' | 'show'>;
  admin: EnterpriseAdmin;
  persons: PersonLookup;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const searchQuery = z.object({
  credit_code: z.string().trim().toUpperCase().length(18).optional().catch(undefined),
  name: z.string().trim().min(1).max(100).optional().catch(undefined),
});
const suspendForm = z.object({ confirm: CONFIRM, reason: z.string().min(1).max(500) });
const reinstateForm = z.object({ reason: z.string().min(1).max(500) });
const LIMIT = 50;

export function enterprisesPage(deps: EnterprisesPageDeps) {
  return (router: Router): void => {
    const guard = requireRole('security_admin');
    const by = (ctx: Context, reason: string) => ({ actor: personActor(adminOf(ctx).id), reason, ...consoleDetail(ctx) });
    const enterprise = async (id: unknown) => {
      const e = typeof id === 'string' && UUID.test(id) ? await deps.enterprises.findById(id.toLowerCase()) : undefined;
      if (!e) throw new AppError('enterprise.not_found');
      return e;
    };

    router.get('/enterprises', guard, async (ctx) => {
      const q = searchQuery.parse(ctx.query);
      const searched = Boolean(q.credit_code || q.name);
      // An empty search lists nothing: enterprises are looked up, not browsed.
      const found = searched ? await deps.enterprises.page({ creditCode: q.credit_code, name: q.credit_code ? undefined : q.name }, null, LIMIT) : [];
      sendAdminPage(ctx, 'enterprises', { ...flash(ctx), searched, found, more: found.length === LIMIT, q });
    });

    router.get('/enterprises/:id', guard, async (ctx) => {
      const e = await enterprise(ctx.params.id);
      const rep = e.legal_rep_person_id ? await deps.persons.get(e.legal_rep_person_id) : undefined;
      const agents = (await deps.delegations.page({ enterpriseId: e.id }, null, 200)).map((d) => ({ ...d, agentName: mask.name(d.agentName) }));
      sendAdminPage(ctx, 'enterprise', { ...flash(ctx), enterprise: e, representative: rep && masked(rep), agents });
    });

    for (const [action, suspend] of [['suspend', true], ['reinstate', false]] as const) {
      router.post(`/enterprises/:id/${action}`, guard, async (ctx) => {
        const e = await enterprise(ctx.params.id);
        await act(ctx, `/enterprises/${e.id}`, async () => {
          const form = parseForm(ctx, suspend ? suspendForm : reinstateForm);
          await deps.admin.setEnterpriseSuspended(e.id, suspend, by(ctx, form.reason));
          return suspend ? 'admin.enterprise_suspended' : 'admin.enterprise_reinstated';
        });
      });

      router.post(`/authorisations/:id/${action}`, guard, async (ctx) => {
        const id = String(ctx.params.id);
        if (!UUID.test(id)) throw new AppError('delegation.not_found');
        const d = await deps.delegations.show(id.toLowerCase());
        await act(ctx, `/enterprises/${d.enterpriseId}`, async () => {
          const form = parseForm(ctx, suspend ? suspendForm : reinstateForm);
          await deps.admin.setAuthorisationSuspended(d.id, suspend, by(ctx, form.reason));
          return suspend ? 'admin.authorisation_suspended' : 'admin.authorisation_reinstated';
        });
      });
    }
  };
}
