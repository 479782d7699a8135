/**
 * Signing keys (`/admin/api/keys`, system administrator): list, rotate (a new active key per
 * algorithm; the previous ones stay published until their tokens expire) and retire (a key that
 * is no longer current leaves the published set at once). The key file is shared by every
 * process; this one reloads its provider at once, the others within seconds (provider-holder.ts).
 */
import type Router from '@koa/router';
import { z } from 'zod';
import type { Audit } from '../../audit/audit.ts';
import { loadSigningKeys, removeRetiredKey, rotateSigningKeys, SIGNING_ALGS, type StoredKey } from '../../crypto/signing-keys.ts';
import { AppError } from '../../errors.ts';
import { auditor, offsetPage, pageOf, pageQuery, paginate, reasonBody, route, apiRouter, type ApiKit } from './api-kit.ts';

export interface KeysApiDeps {
  keysDir: string;
  retainSeconds: number;
  /** Rebuilds this process's provider from the key file now. */
  reload(): void;
  audit: Audit;
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
  const record = auditor(deps.audit);
  const show = (k: StoredKey): z.infer<typeof keyView> => ({
    kid: k.jwk.kid!, alg: String(k.jwk.alg), status: k.retiredAt ? 'retired' : 'active', created_at: k.createdAt, retired_at: k.retiredAt ?? null,
    published_until: k.retiredAt ? new Date(Date.parse(k.retiredAt) + deps.retainSeconds * 1000).toISOString() : null,
  });

  route(router, kit.book, 'keys', { method: 'get', path: '/', summary: 'List the signing keys (active first)', roles, query: pageQuery, response: pageOf(keyView) }, async (ctx, { query }) => {
    const keys = loadSigningKeys(deps.keysDir, deps.retainSeconds);
    ctx.body = await paginate(ctx, query, offsetPage(keys), (w) => String(w.next), (w) => show(w.item));
  });

  route(router, kit.book, 'keys', { method: 'post', path: '/rotate', summary: 'Rotate: a new active key per algorithm', roles, body: rotateBody, status: 201, response: z.object({ keys: z.array(keyView) }) }, async (ctx, { body }) => {
    const fresh = await rotateSigningKeys(deps.keysDir, deps.retainSeconds, body.algs ?? SIGNING_ALGS);
    deps.reload();
    await record(ctx, 'keys.rotated', undefined, { kids: fresh.map((k) => k.jwk.kid), ...(body.reason ? { reason: body.reason } : {}) });
    ctx.body = { keys: fresh.map(show) };
  });

  route(router, kit.book, 'keys', { method: 'post', path: '/:kid/retire', summary: 'Retire a key that is no longer current: unpublished and unused at once', roles, params: z.object({ kid: z.string().min(1).max(200) }), body: reasonBody, status: 204 }, async (ctx, { params, body }) => {
    const outcome = removeRetiredKey(deps.keysDir, params.kid);
    if (outcome === 'not_found') throw new AppError('admin.key_not_found');
    if (outcome === 'active') throw new AppError('admin.key_active', 'the key is current; rotate before retiring it');
    deps.reload();
    await record(ctx, 'keys.retired', params.kid, { reason: body.reason });
    ctx.body = null;
  });

  return router;
}
