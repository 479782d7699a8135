/**
 * Logging in with a passkey as the first factor, usernameless: the browser offers whichever of
 * its passkeys for us the person picks, and the credential names the account. The routes live
 * under /interaction/:uid (the interaction cookie's path) on the interaction router, which
 * checks the origin and the CSRF token first. The challenge is bound to the interaction.
 * A passkey with user verification is strength 3 on its own (authn/strength.ts).
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Audit } from '../audit/audit.ts';
import type { PasskeyAssertions } from '../authn/passkey-assertion.ts';
import { CHALLENGE_PURPOSE } from '../authn/webauthn-rp.ts';
import { AppError, isAppError } from '../errors.ts';
import { clientIp } from '../http/rate-limit.ts';

export interface PasskeyLoginDeps {
  assertions: PasskeyAssertions;
  audit: Audit;
}

export interface PasskeyLoginTools {
  details(ctx: Context): Promise<{ uid: string; prompt: { name: string }; params: Record<string, unknown> }>;
  finish(ctx: Context, result: Record<string, unknown>): Promise<void>;
  loginPage(ctx: Context, extra: Record<string, unknown>, status: number): Promise<void>;
}

/** A credential response is a few kilobytes at most (the form body limit is 16 kB anyway). */
const MAX_CREDENTIAL = 12_000;

export function mountPasskeyLogin(router: Router, tools: PasskeyLoginTools, deps: PasskeyLoginDeps): void {
  async function atLogin(ctx: Context) {
    const d = await tools.details(ctx);
    if (d.prompt.name !== 'login') throw new AppError('interaction.expired');
    return d;
  }

  router.post('/passkey/options', async (ctx) => {
    const d = await atLogin(ctx);
    ctx.body = await deps.assertions.options(CHALLENGE_PURPOSE.login, d.uid);
  });

  router.post('/passkey/verify', async (ctx) => {
    const d = await atLogin(ctx);
    const body = ctx.request.body as Record<string, unknown>;
    const credential = typeof body.credential === 'string' ? body.credential.slice(0, MAX_CREDENTIAL) : '';
    const ip = clientIp(ctx);
    const client = String(d.params.client_id);
    try {
      const result = await deps.assertions.verify(CHALLENGE_PURPOSE.login, d.uid, credential, { ip });
      if (!result.ok) {
        await deps.audit.record({ actor: 'anonymous', action: 'login.failure', target: result.personId, detail: { reason: 'passkey.failed', method: 'passkey', why: result.reason, ip } });
        return tools.loginPage(ctx, { error: 'passkey.failed' }, 401);
      }
      await deps.audit.record({ actor: result.personId, action: 'login.success', target: client, detail: { method: 'passkey', amr: [result.amr], passkey: result.passkeyId, ip } });
      await tools.finish(ctx, { login: { accountId: result.personId, amr: [result.amr], remember: false } });
    } catch (e) {
      if (!isAppError(e) || e.code !== 'passkey.rate_limited') throw e;
      await deps.audit.record({ actor: 'anonymous', action: 'login.failure', detail: { reason: e.code, method: 'passkey', ip } });
      ctx.set('Retry-After', String(e.details?.retryAfterSeconds ?? 60));
      await tools.loginPage(ctx, { error: e.code }, 429);
    }
  });
}
