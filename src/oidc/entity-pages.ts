/** The "act for whom" page of the login (prompt select_entity) and its form. */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { AppError } from '../errors.ts';
import { csrfToken } from '../http/csrf.ts';
import { sendPage } from '../http/pages.ts';
import type { ActingRoles } from '../identity/acting-roles.ts';
import type { Audit } from '../audit/audit.ts';
import { ENTITY_PROMPT } from './entity-prompt.ts';

export interface InteractionTools {
  details(ctx: Context): Promise<{ uid: string; prompt: { name: string }; params: Record<string, unknown>; session?: { accountId: string; uid: string } }>;
  clientName(clientId: unknown): Promise<string>;
  finish(ctx: Context, result: Record<string, unknown>): Promise<void>;
}

export function entityPage(tools: InteractionTools, roles: ActingRoles) {
  return async (ctx: Context, d: Awaited<ReturnType<InteractionTools['details']>>) => {
    const available = await roles.rolesFor(d.session!.accountId, String(d.params.client_id));
    sendPage(ctx, 'select-entity', { uid: d.uid, csrf: csrfToken(ctx), clientName: await tools.clientName(d.params.client_id), roles: available });
  };
}

export function mountEntityRoutes(router: Router, tools: InteractionTools, roles: ActingRoles, audit: Audit, sessionTtl: number): void {
  router.post('/entity', async (ctx) => {
    const d = await tools.details(ctx);
    if (d.prompt.name !== ENTITY_PROMPT || !d.session) throw new AppError('interaction.expired');
    const choice = (ctx.request.body as Record<string, unknown>).entity;
    const enterpriseId = typeof choice === 'string' && choice !== 'self' ? choice : null;
    const clientId = String(d.params.client_id);
    // Throws entity.not_allowed when the person holds no valid role for this platform.
    const role = await roles.select(d.session.uid, clientId, d.session.accountId, enterpriseId, sessionTtl);
    await audit.record({
      actor: d.session.accountId, action: 'entity.selected', target: clientId,
      detail: role ? { enterprise: role.creditCode, role: role.role, grant: role.delegationId } : { enterprise: null },
    });
    await tools.finish(ctx, { [ENTITY_PROMPT]: { enterpriseId } });
  });
}
