/**
 * Administrative roles with separated duties (三员分立 plus the people at the counters). A person
 * holds roles through approved grants; automation holds them through client_credentials scopes on
 * the admin resource, one scope per role. Every admin route names the roles it accepts; the
 * auditor's role is never combined with a role that acts.
 */
import type { Middleware } from 'koa';
import { AppError } from '../errors.ts';

export const ADMIN_ROLES = ['system_admin', 'security_admin', 'auditor', 'counter_operator', 'platform_manager'] as const;
export type AdminRole = (typeof ADMIN_ROLES)[number];

/** The client_credentials scope (resource urn:yihao:admin) that carries each role. */
export const ROLE_SCOPES: Readonly<Record<AdminRole, string>> = {
  system_admin: 'admin:system',
  security_admin: 'admin:security',
  auditor: 'admin:audit',
  counter_operator: 'admin:counter',
  platform_manager: 'admin:platforms',
};

export const isAdminRole = (value: unknown): value is AdminRole => (ADMIN_ROLES as readonly unknown[]).includes(value);

export function rolesFromScopes(scopes: Iterable<string>): Set<AdminRole> {
  const held = new Set(scopes);
  return new Set(ADMIN_ROLES.filter((role) => held.has(ROLE_SCOPES[role])));
}

/** No role both acts and audits: the auditor holds no other role, and no actor holds the auditor's. */
export function conflictsWith(held: Iterable<AdminRole>, wanted: AdminRole): AdminRole | undefined {
  for (const role of held) {
    if (role !== wanted && (role === 'auditor' || wanted === 'auditor')) return role;
  }
  return undefined;
}

/** Who is calling an admin route: a person signed in to the console, or an automation client. */
export interface AdminPrincipal {
  kind: 'person' | 'client';
  /** Person id or client id. */
  id: string;
  /** What the audit trail records as the actor, e.g. `person:<id>` or `client:<id>`. */
  actor: string;
  roles: ReadonlySet<AdminRole>;
  /** Platforms (client ids) a platform manager may manage. */
  platforms: readonly string[];
}

export const principalOf = (state: unknown): AdminPrincipal | undefined => (state as { admin?: AdminPrincipal }).admin;

/**
 * Requires one of `roles` of the principal an earlier middleware authenticated (ctx.state.admin):
 * 403 when it holds none of them. Authentication (401) is the earlier middleware's job.
 */
export function requireRole(...roles: AdminRole[]): Middleware {
  return async (ctx, next) => {
    const principal = principalOf(ctx.state);
    if (!principal) throw new AppError('admin.token_required', 'an administrator must be authenticated');
    if (!roles.some((role) => principal.roles.has(role))) {
      throw new AppError('admin.role_required', `one of these roles is required: ${roles.join(', ')}`);
    }
    await next();
  };
}

/** A platform manager reaches only the platforms assigned to them; the system administrator all. */
export function mayManagePlatform(principal: AdminPrincipal, clientId: string): boolean {
  return principal.roles.has('system_admin') || (principal.roles.has('platform_manager') && principal.platforms.includes(clientId));
}
