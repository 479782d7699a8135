/**
 * Relying platforms (`/admin/api/platforms`): the system administrator registers, changes,
 * disables and deletes any; a platform manager reaches only the platforms in its registration's
 * `managed_platforms` (others are unknown to it: 404) and may not change what a platform is
 * permitted (scopes, grant types, first-party or resource-server standing, managers). The rules
 * on redirect URIs and scopes are platform-rules.ts's, applied by the registry for every caller.
 * Administrative role scopes are granted from the command line only, never through this API, and
 * a client holding one is changed from the command line only: otherwise a system administrator
 * could rotate a security administrator's or auditor's client secret and act in that role.
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { AppError } from '../../errors.ts';
import type { ClientMetadata, ClientRegistry, ClientView } from '../../oidc/client-registry.ts';
import { grantsAdminRole } from '../../oidc/platform-rules.ts';
import { mayManagePlatform } from '../roles.ts';
import { auditor, pageOf, pageQuery, paginate, principal, route, apiRouter, type ApiKit } from './api-kit.ts';
import type { Audit } from '../../audit/audit.ts';

export interface PlatformsApiDeps {
  clients: ClientRegistry;
  /** Revokes every token and grant of a deleted platform. */
  revokeClient(clientId: string): Promise<void>;
  audit: Audit;
}

/** Scopes a platform may be permitted (openid always; `id_number` only when listed here). */
export const PLATFORM_SCOPES = ['openid', 'offline_access', 'profile', 'phone', 'entity', 'id_number', 'api'] as const;

const uri = z.string().min(1).max(2000);
const scope = z.string().max(500).superRefine((value, ctx) => {
  for (const s of value.split(' ').filter(Boolean)) {
    if (grantsAdminRole(s)) ctx.addIssue({ code: 'custom', message: `${s}: administrative role scopes are granted from the command line only` });
    else if (!(PLATFORM_SCOPES as readonly string[]).includes(s)) ctx.addIssue({ code: 'custom', message: `${s} is not a scope platforms may be permitted (${PLATFORM_SCOPES.join(', ')})` });
  }
}).describe(`space-separated permitted scopes, of: ${PLATFORM_SCOPES.join(' ')}`);

const fields = {
  client_name: z.string().trim().min(1).max(200),
  redirect_uris: z.array(uri).max(20).describe('https (loopback http in development); no fragment, no wildcard'),
  post_logout_redirect_uris: z.array(uri).max(20),
  backchannel_logout_uri: uri,
  backchannel_logout_session_required: z.boolean(),
  grant_types: z.array(z.enum(['authorization_code', 'refresh_token', 'client_credentials'])).min(1),
  token_endpoint_auth_method: z.enum(['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none']),
  jwks_uri: uri,
  jwks: z.object({ keys: z.array(z.record(z.string(), z.unknown())) }),
  id_token_signed_response_alg: z.enum(['ES256', 'RS256']),
  subject_type: z.enum(['pairwise', 'public']).describe('pairwise (default) or public'),
  sector_identifier_uri: uri,
  application_type: z.enum(['web', 'native']),
  scope,
  first_party: z.boolean().describe('the province\'s own portal or app: no consent screen'),
  resource_server: z.boolean().describe('may introspect other platforms\' tokens'),
  minimum_acr: z.string().min(1).max(100).describe('assurance floor, e.g. urn:yihao:loa:3'),
  minimum_aal: z.union([z.literal(1), z.literal(2), z.literal(3)]).describe('authentication strength floor'),
  managed_platforms: z.array(z.string().min(1).max(200)).max(500).describe('for a platform-manager client: the client ids it manages'),
};

/** Only the system administrator changes what a platform is permitted. */
const SYSTEM_ONLY = ['scope', 'grant_types', 'first_party', 'resource_server', 'managed_platforms'] as const;

const registerBody = z.object({
  client_id: z.string().regex(/^[A-Za-z0-9._~-]{3,100}$/).optional().describe('to migrate an existing registration; generated otherwise'),
  ...Object.fromEntries(Object.entries(fields).map(([k, f]) => [k, f.optional()])) as { [K in keyof typeof fields]: z.ZodOptional<(typeof fields)[K]> },
}).strict();

const updateBody = z.object(
  Object.fromEntries(Object.entries(fields).map(([k, f]) => [k, f.nullable().optional()])) as { [K in keyof typeof fields]: z.ZodOptional<z.ZodNullable<(typeof fields)[K]>> },
).strict().describe('fields to change; null removes one');

const reasonOptional = z.object({ reason: z.string().trim().min(3).max(500).optional() }).strict();
const idParams = z.object({ id: z.string().min(1).max(200) });

export const platformView = z.object({
  client_id: z.string(),
  disabled: z.boolean(),
  has_secret: z.boolean(),
  metadata: z.record(z.string(), z.unknown()).describe('RFC 7591 client metadata as registered'),
  created_at: z.string(),
  updated_at: z.string(),
});
const withSecret = z.object({ platform: platformView, client_secret: z.string().optional().describe('shown once') });

const show = (v: ClientView): z.infer<typeof platformView> => ({
  client_id: v.clientId, disabled: v.disabled, has_secret: v.hasSecret, metadata: v.metadata,
  created_at: v.createdAt.toISOString(), updated_at: v.updatedAt.toISOString(),
});

export function platformsApiRouter(deps: PlatformsApiDeps, kit: ApiKit): Router {
  const router = apiRouter(kit, '/admin/api/platforms');
  const record = auditor(deps.audit);
  const tag = 'platforms';

  /** The platform, if the caller may manage it; a platform manager's others are unknown (404). */
  const reachable = async (ctx: Context, id: string): Promise<ClientView> => {
    if (!mayManagePlatform(principal(ctx), id)) throw new AppError('client.not_found', `no client ${id} among the caller's platforms`);
    return deps.clients.show(id);
  };
  /** Reachable and not an automation client holding a role. */
  const changeable = async (ctx: Context, id: string): Promise<ClientView> => {
    const view = await reachable(ctx, id);
    if (grantsAdminRole(view.metadata.scope)) throw new AppError('client.admin_scope_cli_only', `${id} holds an administrative role scope`);
    return view;
  };

  route(router, kit.book, tag, { method: 'get', path: '/', summary: 'List platforms (a platform manager sees its own)', roles: ['system_admin', 'platform_manager'], query: pageQuery, response: pageOf(platformView) }, async (ctx, { query }) => {
    const who = principal(ctx);
    const only = who.roles.has('system_admin') ? undefined : who.platforms;
    ctx.body = await paginate(ctx, query, (after, take) => deps.clients.page(after, take, only), (v) => v.clientId, show);
  });

  route(router, kit.book, tag, { method: 'post', path: '/', summary: 'Register a platform', roles: ['system_admin'], body: registerBody, status: 201, response: withSecret }, async (ctx, { body }) => {
    const metadata: ClientMetadata = { ...body };
    if (metadata.grant_types && (metadata.grant_types as string[]).every((g) => g === 'client_credentials')) {
      metadata.response_types = [];
      metadata.redirect_uris ??= [];
    } else if (!body.redirect_uris?.length) {
      throw new AppError('admin.invalid_request', 'redirect_uris is required', { fields: [{ in: 'body', path: 'redirect_uris', message: 'at least one redirect URI is required (unless the platform only uses client_credentials)' }] });
    }
    const added = await deps.clients.add(metadata);
    await record(ctx, 'client.added', added.clientId);
    ctx.body = { platform: show(await deps.clients.show(added.clientId)), ...(added.generatedSecret ? { client_secret: added.generatedSecret } : {}) };
  });

  route(router, kit.book, tag, { method: 'get', path: '/:id', summary: 'Show a platform', roles: ['system_admin', 'platform_manager'], params: idParams, response: z.object({ platform: platformView }) }, async (ctx, { params }) => {
    ctx.body = { platform: show(await reachable(ctx, params.id)) };
  });

  route(router, kit.book, tag, { method: 'patch', path: '/:id', summary: 'Change a platform\'s registration', roles: ['system_admin', 'platform_manager'], params: idParams, body: updateBody, response: z.object({ platform: platformView }) }, async (ctx, { params, body }) => {
    await changeable(ctx, params.id);
    if (!principal(ctx).roles.has('system_admin')) {
      const forbidden = SYSTEM_ONLY.filter((k) => body[k] !== undefined);
      if (forbidden.length) throw new AppError('admin.role_required', `only a system administrator may change ${forbidden.join(', ')}`);
    }
    await deps.clients.update(params.id, body as ClientMetadata);
    await record(ctx, 'client.updated', params.id, { fields: Object.keys(body) });
    ctx.body = { platform: show(await deps.clients.show(params.id)) };
  });

  route(router, kit.book, tag, { method: 'post', path: '/:id/rotate-secret', summary: 'Issue a new client secret (the old one stops working)', roles: ['system_admin', 'platform_manager'], params: idParams, response: withSecret }, async (ctx, { params }) => {
    await changeable(ctx, params.id);
    const { generatedSecret } = await deps.clients.update(params.id, {}, { rotateSecret: true });
    if (!generatedSecret) throw new AppError('client.secret_not_used', 'this platform authenticates without a client secret');
    await record(ctx, 'client.secret_rotated', params.id);
    ctx.body = { platform: show(await deps.clients.show(params.id)), client_secret: generatedSecret };
  });

  for (const [action, disabled] of [['disable', true], ['enable', false]] as const) {
    route(router, kit.book, tag, {
      method: 'post', path: `/:id/${action}`, roles: ['system_admin', 'platform_manager'], params: idParams, body: reasonOptional, response: z.object({ platform: platformView }),
      summary: disabled ? 'Disable a platform: no login, token or userinfo for it until enabled' : 'Enable a disabled platform',
    }, async (ctx, { params, body }) => {
      await changeable(ctx, params.id);
      if (!(await deps.clients.setDisabled(params.id, disabled))) throw new AppError('admin.already_in_state', `the platform is ${disabled ? 'disabled' : 'enabled'} already`);
      await record(ctx, disabled ? 'client.disabled' : 'client.enabled', params.id, body.reason ? { reason: body.reason } : {});
      ctx.body = { platform: show(await deps.clients.show(params.id)) };
    });
  }

  route(router, kit.book, tag, { method: 'delete', path: '/:id', summary: 'Delete a platform and revoke its tokens and grants', roles: ['system_admin'], params: idParams, body: reasonOptional, status: 204 }, async (ctx, { params, body }) => {
    await changeable(ctx, params.id);
    await deps.clients.remove(params.id);
    await deps.revokeClient(params.id);
    await record(ctx, 'client.removed', params.id, body.reason ? { reason: body.reason } : {});
    ctx.body = null;
  });

  return router;
}
