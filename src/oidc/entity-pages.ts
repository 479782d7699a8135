/** The "act for whom" page of the login (prompt select_entity) and its form: oneself, an enterprise, or a natural person. */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { AppError } from '../errors.ts';
import { csrfToken } from '../http/csrf.ts';
import { sendPage } from '../http/pages.ts';
import type { ActingRoles } from '../identity/acting-roles.ts';
import type { PersonRoles, PlatformTerms } from '../identity/person-roles.ts';
import type { Audit } from '../audit/audit.ts';
import { ENTITY_PROMPT, ENTITY_SCOPE, PERSON_SCOPE } from './entity-prompt.ts';

export interface InteractionTools {
  details(ctx: Context): Promise<{ uid: string; prompt: { name: string }; params: Record<string, unknown>; session?: { accountId: string; uid: string } }>;
  clientName(clientId: unknown): Promise<string>;
  /** The platform as the natural-person rules see it. */
  platform(clientId: unknown): Promise<PlatformTerms>;
  finish(ctx: Context, result: Record<string, unknown>): Promise<void>;
}

type Details = Awaited<ReturnType<InteractionTools['details']>>;
/** Form value of a natural-person choice; an enterprise's is its id, oneself's `self`. */
const PERSON_PREFIX = 'person:';

const scopes = (d: Details) => new Set(String(d.params.scope ?? '').split(' '));

export function entityPage(tools: InteractionTools, roles: ActingRoles, persons: PersonRoles) {
  return async (ctx: Context, d: Details) => {
    const asked = scopes(d);
    const accountId = d.session!.accountId;
    const platform = await tools.platform(d.params.client_id);
    sendPage(ctx, 'select-entity', {
      uid: d.uid, csrf: csrfToken(ctx), clientName: await tools.clientName(d.params.client_id),
      roles: asked.has(ENTITY_SCOPE) ? await roles.rolesFor(accountId, platform.clientId) : [],
      persons: asked.has(PERSON_SCOPE) ? await persons.rolesFor(accountId, platform) : [],
    });
  };
}

export function mountEntityRoutes(router: Router, tools: InteractionTools, roles: ActingRoles, persons: PersonRoles, audit: Audit, sessionTtl: number): void {
  router.post('/entity', async (ctx) => {
    const d = await tools.details(ctx);
    if (d.prompt.name !== ENTITY_PROMPT || !d.session) throw new AppError('interaction.expired');
    const choice = (ctx.request.body as Record<string, unknown>).entity;
    const value = typeof choice === 'string' && choice !== 'self' ? choice : null;
    const grantId = value?.startsWith(PERSON_PREFIX) ? value.slice(PERSON_PREFIX.length) : null;
    const enterpriseId = value && !grantId ? value : null;
    const platform = await tools.platform(d.params.client_id);
    const { uid, accountId } = d.session;
    // A choice the request did not ask for is refused, not silently ignored.
    if (grantId && !scopes(d).has(PERSON_SCOPE)) throw new AppError('represented.not_allowed');
    if (enterpriseId && !scopes(d).has(ENTITY_SCOPE)) throw new AppError('entity.not_allowed');
    // Each select throws (entity.not_allowed / represented.not_allowed) when the right does not hold;
    // the chosen kind is checked first, then the other is cleared: one choice per platform.
    let detail: Record<string, unknown>;
    if (grantId) {
      const person = (await persons.select(uid, platform, accountId, grantId, sessionTtl))!;
      await roles.select(uid, platform.clientId, accountId, null, sessionTtl);
      detail = { represented: person.representedPersonId, basis: person.basis, grant: person.grantId, stage: person.stage ?? null };
    } else {
      const role = await roles.select(uid, platform.clientId, accountId, enterpriseId, sessionTtl);
      await persons.select(uid, platform, accountId, null, sessionTtl);
      detail = role ? { enterprise: role.creditCode, role: role.role, grant: role.delegationId } : { enterprise: null };
    }
    await audit.record({ actor: accountId, action: 'entity.selected', target: platform.clientId, detail });
    await tools.finish(ctx, { [ENTITY_PROMPT]: { enterpriseId, grantId } });
  });
}
