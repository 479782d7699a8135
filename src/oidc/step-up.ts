/**
 * Step-up inside an authorization request: the pages of the `verify` prompt (assurance-policy.ts).
 * The person runs the checks that reach the level the platform asked for; when it is reached the
 * interaction ends with no new login (auth_time and amr stay), and the policy re-evaluates the
 * level from evidence and sets the session's acr. When it cannot be reached the platform gets a
 * standard error: access_denied when the person declines, unmet_authentication_requirements when
 * it cannot be done (a counter-only level, channels down, checks failed).
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { errors as oidcErrors } from 'oidc-provider';
import type { Audit } from '../audit/audit.ts';
import { AppError, isAppError } from '../errors.ts';
import { csrfToken, verifyCsrf } from '../http/csrf.ts';
import { sameOrigin } from '../http/same-origin.ts';
import { formBody } from '../http/form-body.ts';
import { sendPage } from '../http/pages.ts';
import { indexOfId } from '../verification/assurance-ladder.ts';
import { MAX_SELFIE_BYTES } from '../verification/verification-service.ts';
import { VERIFY_PROMPT } from './assurance-policy.ts';
import { attemptCheck, verifyPageData, type VerifyPageDeps } from './verify-pages.ts';

export interface StepUpDeps extends VerifyPageDeps {
  provider: () => Provider;
  audit: Audit;
}

export function stepUpRouter(deps: StepUpDeps): Router {
  const router = new Router({ prefix: '/interaction/:uid/verify' });
  router.use(async (ctx, next) => {
    ctx.set('Cache-Control', 'no-store');
    await next();
  });
  // A selfie plus the form fields; base64 in the authority request is a third larger.
  router.use(sameOrigin(deps.issuer), formBody({ maxBytes: MAX_SELFIE_BYTES + 64 * 1024 }), verifyCsrf);

  async function details(ctx: Context) {
    try {
      const d = await deps.provider().interactionDetails(ctx.req, ctx.res);
      if (d.uid !== ctx.params.uid || d.prompt.name !== VERIFY_PROMPT || !d.session?.accountId) {
        throw new AppError('interaction.expired');
      }
      const ladder = deps.verification.assurance.ladder;
      const minimum = indexOfId(ladder, (d.prompt.details as { requiredLevel?: string }).requiredLevel) ?? ladder.levels.length - 1;
      return { d, accountId: d.session.accountId, minimum };
    } catch (e) {
      if (e instanceof oidcErrors.SessionNotFound || isAppError(e)) throw new AppError('interaction.expired');
      throw e;
    }
  }

  async function finish(ctx: Context, result: Record<string, unknown>) {
    const to = await deps.provider().interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
    ctx.status = 303;
    ctx.redirect(to);
  }

  async function clientName(clientId: unknown): Promise<string> {
    const client = await deps.provider().Client.find(String(clientId));
    return client?.clientName ?? String(clientId);
  }

  /** Renders the next step, or ends the interaction when the level is already held. */
  async function show(ctx: Context, message?: { key: string; ok: boolean }, status = 200) {
    const { d, accountId, minimum } = await details(ctx);
    const page = await verifyPageData(deps, ctx, { personId: accountId, minimum, action: `/interaction/${d.uid}/verify`, csrf: csrfToken(ctx), message });
    if (page.reached) {
      await deps.audit.record({ actor: accountId, action: 'verification.step_up_reached', target: String(d.params.client_id), detail: { level: page.status.level.id } });
      return finish(ctx, { verify: { level: page.status.level.id } });
    }
    // Once something went wrong (or cannot be done online) the way out says so to the platform.
    const failed = Boolean(page.data.blockedName) || (message !== undefined && !message.ok);
    sendPage(ctx, 'verify', {
      ...page.data,
      titleKey: 'verify.title',
      clientName: await clientName(d.params.client_id),
      exit: failed
        ? { action: `/interaction/${d.uid}/verify/unmet`, label: 'verify.give_up' }
        : { action: `/interaction/${d.uid}/verify/cancel`, label: 'verify.cancel' },
    }, status);
  }

  router.get('/', (ctx) => show(ctx));

  router.post('/check/:kind', async (ctx) => {
    const { accountId } = await details(ctx);
    const attempt = await attemptCheck(deps, ctx, accountId);
    await show(ctx, { key: attempt.message, ok: attempt.ok }, attempt.status);
  });

  router.post('/cancel', async (ctx) => {
    const { d, accountId } = await details(ctx);
    await deps.audit.record({ actor: accountId, action: 'verification.step_up_declined', target: String(d.params.client_id) });
    await finish(ctx, { error: 'access_denied', error_description: 'the End-User declined the identity verification' });
  });

  router.post('/unmet', async (ctx) => {
    const { d, accountId, minimum } = await details(ctx);
    const required = deps.verification.assurance.ladder.levels[minimum]!.id;
    await deps.audit.record({ actor: accountId, action: 'verification.step_up_failed', target: String(d.params.client_id), detail: { required } });
    await finish(ctx, { error: 'unmet_authentication_requirements', error_description: `identity assurance level ${required} could not be reached` });
  });

  return router;
}
