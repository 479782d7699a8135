/**
 * What a relying platform's registration must satisfy beyond oidc-provider's own metadata checks,
 * in one place for the command line, the admin API and the console (ClientRegistry applies it to
 * every add and update). Domain rules only: no koa, no oidc-provider.
 *
 * - every URL field holds absolute URLs;
 * - redirect and post-logout URIs: no fragment, no wildcard, https — except loopback
 *   (http://127.0.0.1, http://[::1], http://localhost) outside production;
 * - the auditor's scope is never held together with a scope that acts (separated duties);
 * - `managed_platforms` (the platforms a platform-manager client may manage) lists client ids.
 */
import { ROLE_SCOPES, conflictsWith, rolesFromScopes } from '../admin/roles.ts';

export interface FieldIssue { path: string; message: string }

export interface PlatformRuleOptions {
  /** Production: https only, loopback too. */
  production: boolean;
}

const URL_FIELDS = ['redirect_uris', 'post_logout_redirect_uris', 'backchannel_logout_uri', 'jwks_uri', 'sector_identifier_uri', 'initiate_login_uri'] as const;
const BROWSER_RETURN_FIELDS = new Set(['redirect_uris', 'post_logout_redirect_uris']);
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);
export const ADMIN_SCOPE_PREFIX = 'admin:';

/** Why a URL a browser is sent back to is refused, or undefined when it is acceptable. */
export function returnUriProblem(uri: string, opts: PlatformRuleOptions): string | undefined {
  if (!URL.canParse(uri)) return 'must be an absolute URL';
  // Checked on the text: a wildcard or fragment anywhere, even where URL parsing would encode it.
  if (uri.includes('#')) return 'must not contain a fragment (#)';
  if (uri.includes('*')) return 'must not contain a wildcard (*)';
  const url = new URL(uri);
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)) {
    return opts.production ? 'must use https in production (loopback http is for development only)' : undefined;
  }
  return opts.production ? 'must use https' : 'must use https (or http on 127.0.0.1, [::1] or localhost in development)';
}

export function platformIssues(metadata: Record<string, unknown>, opts: PlatformRuleOptions): FieldIssue[] {
  const issues: FieldIssue[] = [];
  for (const field of URL_FIELDS) {
    const value = metadata[field];
    if (value === undefined || value === null) continue;
    const many = Array.isArray(value);
    (many ? value : [value]).forEach((uri: unknown, i) => {
      const path = many ? `${field}.${i}` : field;
      if (typeof uri !== 'string' || !URL.canParse(uri)) issues.push({ path, message: 'must be an absolute URL' });
      else if (BROWSER_RETURN_FIELDS.has(field)) {
        const problem = returnUriProblem(uri, opts);
        if (problem) issues.push({ path, message: problem });
      }
    });
  }
  if (typeof metadata.scope === 'string') {
    const roles = [...rolesFromScopes(metadata.scope.split(' '))];
    if (roles.includes('auditor') && roles.some((r) => conflictsWith(['auditor'], r))) {
      issues.push({ path: 'scope', message: `${ROLE_SCOPES.auditor} cannot be held with another administrative scope` });
    }
  }
  const managed = metadata.managed_platforms;
  if (managed !== undefined && (!Array.isArray(managed) || managed.some((id) => typeof id !== 'string' || id === ''))) {
    issues.push({ path: 'managed_platforms', message: 'must be a list of client ids' });
  }
  return issues;
}

/** Whether a scope string grants an administrative role (granted from the command line only). */
export const grantsAdminRole = (scope: unknown): boolean =>
  typeof scope === 'string' && scope.split(' ').some((s) => s.startsWith(ADMIN_SCOPE_PREFIX));
