/**
 * Verification channels (`/admin/api/channels`, system administrator). Secrets are accepted on
 * add and update and never returned. Changes apply without a restart (ChannelAdmin, which also
 * validates the configuration) and are audited with the caller as the actor.
 */
import type Router from '@koa/router';
import { z } from 'zod';
import { clientIp } from '../../http/rate-limit.ts';
import type { ChannelAdmin } from '../../verification/channel-admin.ts';
import { offsetPage, pageOf, pageQuery, paginate, principal, route, apiRouter, type ApiKit } from './api-kit.ts';

export interface ChannelsApiDeps {
  channels: ChannelAdmin;
  /** Loads the stored channels into this process's registry (for breaker states). */
  ready(): Promise<void>;
}

const healthQuery = z.object({ windowHours: z.coerce.number().int().min(1).max(24 * 31).default(24).describe('hours looked back') });
const idParams = z.object({ id: z.string().min(1).max(100) });
const config = z.record(z.string(), z.unknown()).describe('channel configuration (src/verification/PROTOCOLS.md); validated by the channel registry');
const channelView = z.record(z.string(), z.unknown()).describe('channel configuration without its secret (hasSecret says whether one is set)');
const one = z.object({ channel: channelView });

export function channelsApiRouter(deps: ChannelsApiDeps, kit: ApiKit): Router {
  const router = apiRouter(kit, '/admin/api/channels');
  const roles = ['system_admin'] as const;
  const tag = 'channels';
  const actor = (ctx: Parameters<typeof principal>[0]) => ({ actor: principal(ctx).actor, ip: clientIp(ctx), userAgent: ctx.get('user-agent') || undefined });

  route(router, kit.book, tag, { method: 'get', path: '/', summary: 'List verification channels', roles, query: pageQuery, response: pageOf(channelView) }, async (ctx, { query }) => {
    const all = await deps.channels.list();
    ctx.body = await paginate(ctx, query, offsetPage(all), (w) => String(w.next), (w) => w.item as unknown as Record<string, unknown>);
  });

  route(router, kit.book, tag, { method: 'get', path: '/health', summary: 'Calls, failures, latency, breaker and quota per channel', roles, query: healthQuery, response: z.object({ channels: z.array(z.record(z.string(), z.unknown())) }) }, async (ctx, { query }) => {
    await deps.ready();
    ctx.body = { channels: await deps.channels.health(query.windowHours) };
  });

  route(router, kit.book, tag, { method: 'get', path: '/:id', summary: 'Show a channel', roles, params: idParams, response: one }, async (ctx, { params }) => {
    ctx.body = { channel: await deps.channels.show(params.id) };
  });

  route(router, kit.book, tag, { method: 'post', path: '/', summary: 'Add a channel (full configuration, with its secret)', roles, body: config, status: 201, response: one }, async (ctx, { body }) => {
    ctx.body = { channel: await deps.channels.add(body, actor(ctx)) };
  });

  route(router, kit.book, tag, { method: 'patch', path: '/:id', summary: 'Configure or reprioritise a channel', roles, params: idParams, body: config, response: one }, async (ctx, { params, body }) => {
    ctx.body = { channel: await deps.channels.update(params.id, body, actor(ctx)) };
  });

  for (const [action, enabled] of [['enable', true], ['disable', false]] as const) {
    route(router, kit.book, tag, { method: 'post', path: `/:id/${action}`, summary: `${enabled ? 'Enable' : 'Disable'} a channel`, roles, params: idParams, response: one }, async (ctx, { params }) => {
      ctx.body = { channel: await deps.channels.setEnabled(params.id, enabled, actor(ctx)) };
    });
  }

  route(router, kit.book, tag, { method: 'delete', path: '/:id', summary: 'Remove a channel', roles, params: idParams, status: 204 }, async (ctx, { params }) => {
    await deps.channels.remove(params.id, actor(ctx));
    ctx.body = null;
  });

  return router;
}
