/**
 * Console page: signing keys, for the system administrator. Lists the keys (current ones first),
 * rotates (a new current key per algorithm; the previous ones keep being published until their
 * tokens expire) and retires a key that is no longer current (it leaves /jwks at once). Both are
 * confirmed, with a reason, over the same KeyAdmin as the admin API (keys.rotated / keys.retired).
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { KeyAdmin } from '../key-admin.ts';
import { personActor } from '../role-grants.ts';
import { requireRole } from '../roles.ts';
import { act, adminOf, CONFIRM, consoleDetail, flash, parseForm, sendAdminPage } from './console-router.ts';

export interface KeysPageDeps { keys: KeyAdmin }

const changeForm = z.object({ confirm: CONFIRM, reason: z.string().min(1).max(500) });

export function keysPage(deps: KeysPageDeps) {
  return (router: Router): void => {
    const guard = requireRole('system_admin');
    const by = (ctx: Context, reason: string) => ({ actor: personActor(adminOf(ctx).id), reason, ...consoleDetail(ctx) });

    router.get('/keys', guard, (ctx) => {
      sendAdminPage(ctx, 'keys', { ...flash(ctx), keys: deps.keys.list() });
    });

    router.post('/keys/rotate', guard, (ctx) => act(ctx, '/keys', async () => {
      const form = parseForm(ctx, changeForm);
      await deps.keys.rotate(undefined, by(ctx, form.reason));
      return 'admin.keys_rotated';
    }));

    router.post('/keys/:kid/retire', guard, (ctx) => act(ctx, '/keys', async () => {
      const form = parseForm(ctx, changeForm);
      await deps.keys.retire(String(ctx.params.kid).slice(0, 200), by(ctx, form.reason));
      return 'admin.key_retired';
    }));
  };
}
