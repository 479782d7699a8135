/**
 * Admin API for verification channels (JSON under /admin/api/channels). Reading needs the
 * `channels:read` scope, changing `channels:write`. Secrets are accepted on add and update and
 * never returned. Changes apply without a restart (ChannelAdmin) and are audited with the
 * calling client as the actor.
 *
 *   GET    /admin/api/channels            list
 *   GET    /admin/api/channels/health     calls, failures, p50/p95, breaker, quota per channel
 *   GET    /admin/api/channels/:id        one channel
 *   POST   /admin/api/channels            add (full configuration, with secret)
 *   PATCH  /admin/api/channels/:id        configure / reprioritise (any editable fields)
 *   POST   /admin/api/channels/:id/enable | /disable
 *   DELETE /admin/api/channels/:id        remove
 */
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import { AppError } from '../errors.ts';
import type { ChannelAdmin } from '../verification/channel-admin.ts';
import type { AdminPrincipal } from './admin-auth.ts';

export interface ChannelsApiDeps {
  channels: ChannelAdmin;
  /** Loads the stored channels into this process's registry (for breaker states). */
  ready(): Promise<void>;
  requireScope(scope: string): Middleware;
}

const healthQuery = z.object({ windowHours: z.coerce.number().int().min(1).max(24 * 31).default(24) });

const actor = (ctx: Context) => `client:${(ctx.state.admin as AdminPrincipal).clientId}`;

function body(ctx: Context): unknown {
  const b = (ctx.request as { body?: unknown }).body;
  if (b === undefined || b === null || typeof b !== 'object' || Array.isArray(b)) {
    throw new AppError('admin.json_object_required', 'the request body must be a JSON object');
  }
  return b;
}

export function channelsApiRouter(deps: ChannelsApiDeps): Router {
  const router = new Router({ prefix: '/admin/api/channels' });
  const read = deps.requireScope('channels:read');
  const write = deps.requireScope('channels:write');
  router.use(async (ctx, next) => {
    ctx.set('Cache-Control', 'no-store');
    await next();
  });
  // Authenticate before reading any body; a JSON body only, small.
  const json = bodyParser({
    enableTypes: ['json'],
    jsonLimit: '64kb',
    encoding: 'utf-8',
    onError(err) {
      // Size limits keep their own status (413); anything else is JSON that does not parse.
      if ((err as { expose?: boolean }).expose) throw err;
      throw new AppError('admin.invalid_json', 'the request body is not valid JSON');
    },
  });

  router.get('/', read, async (ctx) => {
    ctx.body = { channels: await deps.channels.list() };
  });

  router.get('/health', read, async (ctx) => {
    const query = healthQuery.safeParse(ctx.query);
    if (!query.success) throw new AppError('admin.invalid_query', 'windowHours must be an integer from 1 to 744');
    await deps.ready();
    ctx.body = { channels: await deps.channels.health(query.data.windowHours) };
  });

  router.get('/:id', read, async (ctx) => {
    ctx.body = { channel: await deps.channels.show(ctx.params.id!) };
  });

  router.post('/', write, json, async (ctx) => {
    ctx.status = 201;
    ctx.body = { channel: await deps.channels.add(body(ctx), actor(ctx)) };
  });

  router.patch('/:id', write, json, async (ctx) => {
    ctx.body = { channel: await deps.channels.update(ctx.params.id!, body(ctx), actor(ctx)) };
  });

  router.post('/:id/enable', write, async (ctx) => {
    ctx.body = { channel: await deps.channels.setEnabled(ctx.params.id!, true, actor(ctx)) };
  });

  router.post('/:id/disable', write, async (ctx) => {
    ctx.body = { channel: await deps.channels.setEnabled(ctx.params.id!, false, actor(ctx)) };
  });

  router.delete('/:id', write, async (ctx) => {
    await deps.channels.remove(ctx.params.id!, actor(ctx));
    ctx.status = 204;
  });

  return router;
}
