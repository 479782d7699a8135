/**
 * Console page: administrators' roles. Lists who holds what and the requests awaiting a second
 * administrator; requests, approves and revokes through RoleGrants, which holds every rule
 * (authority, no self-grant, second approver, auditor exclusivity).
 */
import type Router from '@koa/router';
import { z } from 'zod';
import { AppError } from '../../errors.ts';
import { ADMIN_ROLES, requireRole } from '../roles.ts';
import type { RoleGrants } from '../role-grants.ts';
import { act, adminOf, consoleDetail, CONFIRM, flash, parseForm, sendAdminPage } from './console-router.ts';
import { findPerson, maskedMany, type PersonLookup } from './people.ts';

export interface RolesPageDeps { roleGrants: RoleGrants; persons: PersonLookup }

const requestForm = z.object({
  person: z.string().min(1).max(64),
  role: z.enum(ADMIN_ROLES),
  platforms: z.string().max(2000).optional(),
  reason: z.string().max(500).optional(),
});
const revokeForm = z.object({ confirm: CONFIRM, reason: z.string().max(500).optional() });
const idParam = z.uuid();

export function rolesPage(deps: RolesPageDeps) {
  return (router: Router): void => {
    // The security administrator's duty; the system administrator shares it during founding.
    const guard = requireRole('security_admin', 'system_admin');
    const by = (ctx: Parameters<typeof consoleDetail>[0]) => ({ personId: adminOf(ctx).id, detail: consoleDetail(ctx) });
    const grantId = (raw: string) => {
      const parsed = idParam.safeParse(raw);
      if (!parsed.success) throw new AppError('admin.grant_not_found', 'not a grant id');
      return parsed.data;
    };

    router.get('/roles', guard, async (ctx) => {
      const [active, pending] = await Promise.all([deps.roleGrants.list({ status: 'active' }), deps.roleGrants.list({ status: 'pending' })]);
      const people = await maskedMany(deps.persons, [...active, ...pending].flatMap((g) => [g.personId, g.requestedBy ?? '', g.revocationRequestedBy ?? '']).filter(Boolean));
      const me = adminOf(ctx).id;
      sendAdminPage(ctx, 'roles', {
        ...flash(ctx), roles: ADMIN_ROLES, people: Object.fromEntries(people), me,
        mayManage: await deps.roleGrants.hasAuthority(me), active, pending,
      });
    });

    router.post('/roles/request', guard, (ctx) => act(ctx, '/roles', async () => {
      const form = parseForm(ctx, requestForm);
      const person = await findPerson(deps.persons, form.person);
      if (!person) throw new AppError('admin.person_not_found', 'no such person');
      const platforms = (form.platforms ?? '').split(/[\s,]+/).filter(Boolean);
      await deps.roleGrants.request(by(ctx), { personId: person.id, role: form.role, platforms, reason: form.reason });
      return 'admin.role_request_sent';
    }));

    router.post('/roles/:id/approve', guard, (ctx) => act(ctx, '/roles', async () => {
      const grant = await deps.roleGrants.approve(by(ctx), grantId(ctx.params.id!));
      return grant.status === 'revoked' ? 'admin.role_revoked_notice' : 'admin.role_approved';
    }));

    router.post('/roles/:id/revoke', guard, (ctx) => act(ctx, '/roles', async () => {
      const form = parseForm(ctx, revokeForm);
      const grant = await deps.roleGrants.revoke(by(ctx), grantId(ctx.params.id!), form.reason);
      return grant.status === 'revoked' ? 'admin.role_revoked_notice' : 'admin.role_revocation_requested';
    }));
  };
}
