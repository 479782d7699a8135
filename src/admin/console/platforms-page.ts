/**
 * Console page: relying platforms. The system administrator sees and registers them; a platform
 * manager sees the platforms assigned to them. Registration goes through the client registry (the
 * provider's own metadata validation); the generated secret is shown once, on the answer page.
 * Disabling keeps the registration but makes the platform unknown to the provider and revokes its
 * tokens (confirmed, with a reason); enabling undoes the first part.
 */
import type Router from '@koa/router';
import { grantsAdminRole } from '../../oidc/platform-rules.ts';
import { z } from 'zod';
import type { Audit } from '../../audit/audit.ts';
import type { ClientMetadata, ClientRegistry } from '../../oidc/client-registry.ts';
import { mayManagePlatform, requireRole } from '../roles.ts';
import { personActor } from '../role-grants.ts';
import type { Context } from 'koa';
import { ACCOUNT_CLIENT_ID } from '../../account/account-client.ts';
import { AppError, isAppError } from '../../errors.ts';
import { ADMIN_CLIENT_ID } from './admin-client.ts';
import { act, adminOf, CONFIRM, consoleDetail, flash, parseForm, sendAdminPage } from './console-router.ts';

export interface PlatformsPageDeps {
  clients: ClientRegistry;
  audit: Audit;
  /** Revokes every token and grant issued to the platform (on disabling it). */
  revokeTokens(clientId: string): Promise<void>;
}

/** Yihao's own consoles: disabling them would lock every administrator and citizen out. */
const BUILT_IN = new Set([ACCOUNT_CLIENT_ID, ADMIN_CLIENT_ID]);
const disableForm = z.object({ confirm: CONFIRM, reason: z.string().min(1).max(500) });
const enableForm = z.object({ reason: z.string().min(1).max(500) });

const lines = (max: number) => z.string().max(4000).optional().transform((v) => (v ?? '').split(/\s+/).filter(Boolean)).pipe(z.array(z.string().max(max)).max(20));

const registerForm = z.object({
  client_name: z.string().min(1).max(100),
  redirect_uris: lines(2000).pipe(z.array(z.string()).min(1)),
  post_logout_redirect_uris: lines(2000),
  backchannel_logout_uri: z.string().max(2000).optional(),
  minimum_aal: z.enum(['1', '2', '3']).optional(),
});

export function platformsPage(deps: PlatformsPageDeps) {
  return (router: Router): void => {
    const list = async (ctx: Parameters<typeof adminOf>[0]) => {
      const admin = adminOf(ctx);
      return (await deps.clients.list()).filter((c) => mayManagePlatform(admin, c.clientId)).map((c) => ({
        clientId: c.clientId, name: String(c.metadata.client_name ?? ''), redirectUris: (c.metadata.redirect_uris as string[] | undefined) ?? [],
        minimumAal: c.metadata.minimum_aal, createdAt: c.createdAt, disabled: c.disabled, builtIn: BUILT_IN.has(c.clientId),
      }));
    };

    router.get('/platforms', requireRole('system_admin', 'platform_manager'), async (ctx) => {
      sendAdminPage(ctx, 'platforms', { ...flash(ctx), platforms: await list(ctx), mayRegister: adminOf(ctx).roles.has('system_admin') });
    });

    router.post('/platforms', requireRole('system_admin'), async (ctx) => {
      let created: { clientId: string; generatedSecret?: string };
      try {
        const form = parseForm(ctx, registerForm);
        const metadata: ClientMetadata = {
          client_name: form.client_name, redirect_uris: form.redirect_uris,
          ...(form.post_logout_redirect_uris.length ? { post_logout_redirect_uris: form.post_logout_redirect_uris } : {}),
          ...(form.backchannel_logout_uri ? { backchannel_logout_uri: form.backchannel_logout_uri } : {}),
          ...(form.minimum_aal ? { minimum_aal: Number(form.minimum_aal) } : {}),
        };
        created = await deps.clients.add(metadata);
      } catch (e) {
        if (!isAppError(e)) throw e;
        // Shown with the form again (what was wrong, from the registry's validation).
        return sendAdminPage(ctx, 'platforms', { error: e.code, detail: e.message, platforms: await list(ctx), mayRegister: true }, 400);
      }
      await deps.audit.record({ actor: personActor(adminOf(ctx).id), action: 'client.added', target: created.clientId, detail: consoleDetail(ctx) });
      sendAdminPage(ctx, 'platform-created', { clientId: created.clientId, secret: created.generatedSecret });
    });

    const setDisabled = (disabled: boolean) => async (ctx: Context) => act(ctx, '/platforms', async () => {
      const form = parseForm(ctx, disabled ? disableForm : enableForm);
      const clientId = String(ctx.params.id);
      if (BUILT_IN.has(clientId)) throw new AppError('admin.platform_built_in', `${clientId} is one of Yihao's own consoles`);
      // As in the admin API: an automation client holding a role is changed from the CLI only.
      if (grantsAdminRole((await deps.clients.show(clientId)).metadata.scope)) throw new AppError('client.admin_scope_cli_only', `${clientId} holds an administrative role scope`);
      await deps.clients.setDisabled(clientId, disabled);
      if (disabled) await deps.revokeTokens(clientId);
      await deps.audit.record({
        actor: personActor(adminOf(ctx).id), action: disabled ? 'client.disabled' : 'client.enabled', target: clientId,
        detail: { ...consoleDetail(ctx), reason: form.reason },
      });
      return disabled ? 'admin.platform_disabled' : 'admin.platform_enabled';
    });
    router.post('/platforms/:id/disable', requireRole('system_admin'), setDisabled(true));
    router.post('/platforms/:id/enable', requireRole('system_admin'), setDisabled(false));
  };
}
