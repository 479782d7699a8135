/**
 * Signing keys (`/admin/api/keys`, system administrator): list, rotate (a new active key per
 * algorithm; the previous ones stay published until their tokens expire) and retire (a key that
 * is no longer current leaves the published set at once), over KeyAdmin (../key-admin.ts), which
 * the console uses too.
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { SIGNING_ALGS } from '../../crypto/signing-keys.ts';
import { clientIp } from '../../http/rate-limit.ts';
import type { KeyAdmin, KeyView } from '../key-admin.ts';
import { offsetPage, pageOf, pageQuery, paginate, principal, reasonBody, route, apiRouter, type ApiKit } from './api-kit.ts';

export interface KeysApiDeps {
  keys: KeyAdmin;
}

const keyView = z.object({
  kid: z.string(),
  alg: z.string(),
  status: z.enum(['active', 'retired']),
  created_at: z.string(),
  retired_at: z.string().nullable(),
  published_until: z.string().nullable().describe('a retired key leaves the published set then'),
});

const rotateBody = z.object({
  algs: z.array(z.enum(SIGNING_ALGS)).min(1).optional().describe('default: every algorithm'),
  reason: reasonBody.shape.reason.optional(),
}).strict();

export function keysApiRouter(deps: KeysApiDeps, kit: ApiKit): Router {
  const router = apiRouter(kit, '/admin/api/keys');
  const roles = ['system_admin'] as const;
  const by = (ctx: Context, reason?: string) => ({ actor: principal(ctx).actor, reason, ip: clientIp(ctx), userAgent: ctx.get('user-agent') || undefined });
  const show = (k: KeyView): z.infer<typeof keyView> => ({
    kid: k.kid, alg: k.alg, status: k.status, created_at: k.createdAt, retired_at: k.retiredAt, published_until: k.publishedUntil,
  });

  route(router, kit.book, 'keys', { method: 'get', path: '/', summary: 'List the signing keys (active first)', roles, query: pageQuery, response: pageOf(keyView) }, async (ctx, { query }) => {
    ctx.body = await paginate(ctx, query, offsetPage(deps.keys.list()), (w) => String(w.next), (w) => show(w.item));
  });

  route(router, kit.book, 'keys', { method: 'post', path: '/rotate', summary: 'Rotate: a new active key per algorithm', roles, body: rotateBody, status: 201, response: z.object({ keys: z.array(keyView) }) }, async (ctx, { body }) => {
    const fresh = await deps.keys.rotate(body.algs ?? SIGNING_ALGS, by(ctx, body.reason));
    ctx.body = { keys: fresh.map(show) };
  });

  route(router, kit.book, 'keys', { method: 'post', path: '/:kid/retire', summary: 'Retire a key that is no longer current: unpublished and unused at once', roles, params: z.object({ kid: z.string().min(1).max(200) }), body: reasonBody, status: 204 }, async (ctx, { params, body }) => {
    await deps.keys.retire(params.kid, { ...by(ctx), reason: body.reason });
    ctx.body = null;
  });

  return router;
}
