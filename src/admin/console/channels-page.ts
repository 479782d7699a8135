/**
 * Console page: verification channels, for the system administrator. Health per channel (calls,
 * failures, latency, breaker, quota) over the same ChannelAdmin as the admin API; enabling and
 * disabling apply to every process without a restart. Disabling is confirmed; both carry a reason
 * and are audited (verification.channel_enabled / _disabled). No secret is ever shown.
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { ChannelAdmin } from '../../verification/channel-admin.ts';
import { personActor } from '../role-grants.ts';
import { requireRole } from '../roles.ts';
import { act, adminOf, CONFIRM, consoleDetail, flash, parseForm, sendAdminPage } from './console-router.ts';

export interface ChannelsPageDeps {
  channels: Pick<ChannelAdmin, 'health' | 'setEnabled'>;
  /** Loads the stored channels into this process's registry (for breaker states). */
  ready(): Promise<void>;
}

const disableForm = z.object({ confirm: CONFIRM, reason: z.string().min(1).max(500) });
const enableForm = z.object({ reason: z.string().min(1).max(500) });

export function channelsPage(deps: ChannelsPageDeps) {
  return (router: Router): void => {
    const guard = requireRole('system_admin');

    router.get('/channels', guard, async (ctx) => {
      await deps.ready();
      sendAdminPage(ctx, 'channels', { ...flash(ctx), channels: await deps.channels.health(24) });
    });

    const setEnabled = (enabled: boolean) => (ctx: Context) => act(ctx, '/channels', async () => {
      const form = parseForm(ctx, enabled ? enableForm : disableForm);
      const id = z.string().min(1).max(100).parse(ctx.params.id);
      await deps.channels.setEnabled(id, enabled, { actor: personActor(adminOf(ctx).id), reason: form.reason, ...consoleDetail(ctx) });
      return enabled ? 'admin.channel_enabled' : 'admin.channel_disabled';
    });
    router.post('/channels/:id/enable', guard, setEnabled(true));
    router.post('/channels/:id/disable', guard, setEnabled(false));
  };
}
