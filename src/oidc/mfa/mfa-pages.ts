/**
 * The `mfa` prompt (assurance-policy.ts): the platform needs a stronger authentication than this
 * session has (a second factor, or a passkey). The chooser lists the person's usable factors;
 * each factor's own routes (second-factor.ts) call `complete`, which continues the login with
 * the amr extended and auth_time now. When nothing usable is there, or the person gives up,
 * the platform gets unmet_authentication_requirements or access_denied: never a weaker token.
 */
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { errors as oidcErrors } from 'oidc-provider';
import type { Audit } from '../../audit/audit.ts';
import { addAmr } from '../../authn/strength.ts';
import { AppError, isAppError } from '../../errors.ts';
import { csrfToken, verifyCsrf } from '../../http/csrf.ts';
import { sendPage } from '../../http/pages.ts';
import { sameOrigin } from '../../http/same-origin.ts';
import { MFA_PROMPT } from '../assurance-policy.ts';
import type { MfaInteraction, MfaTools, SecondFactor } from './second-factor.ts';

export interface MfaDeps {
  issuer: string;
  provider: () => Provider;
  audit: Audit;
  factors: SecondFactor[];
}

export function mfaRouter(deps: MfaDeps): Router {
  const router = new Router({ prefix: '/interaction/:uid/mfa' });
  router.use(async (ctx, next) => {
    ctx.set('Cache-Control', 'no-store');
    await next();
  });
  router.use(sameOrigin(deps.issuer), bodyParser({ enableTypes: ['form', 'json'], formLimit: '16kb', jsonLimit: '64kb' }), verifyCsrf);

  const tools: MfaTools = {
    async interaction(ctx) {
      try {
        const d = await deps.provider().interactionDetails(ctx.req, ctx.res);
        if (d.uid !== ctx.params.uid || d.prompt.name !== MFA_PROMPT || !d.session?.accountId) throw new AppError('interaction.expired');
        const requiredAal = Number((d.prompt.details as { requiredAal?: number }).requiredAal ?? 2);
        return { uid: d.uid, accountId: d.session.accountId, clientId: String(d.params.client_id), requiredAal, amr: (d.session.amr as string[] | undefined) ?? [] };
      } catch (e) {
        if (e instanceof oidcErrors.SessionNotFound || isAppError(e)) throw new AppError('interaction.expired');
        throw e;
      }
    },
    async complete(ctx, amr) {
      const i = await tools.interaction(ctx);
      const next = addAmr(i.amr, amr);
      await deps.audit.record({ actor: i.accountId, action: 'login.second_factor', target: i.clientId, detail: { amr: next, ip: ctx.ip } });
      await finish(ctx, { login: { accountId: i.accountId, amr: next, remember: false } });
    },
    async clientName(clientId) {
      const client = await deps.provider().Client.find(clientId);
      return client?.clientName ?? clientId;
    },
  };

  async function finish(ctx: Context, result: Record<string, unknown>) {
    const to = await deps.provider().interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
    ctx.status = 303;
    ctx.redirect(to);
  }

  /** The factors that can bring this session to the strength required. */
  async function usable(i: MfaInteraction): Promise<SecondFactor[]> {
    const candidates = deps.factors.filter((f) => i.requiredAal < 3 || f.phishingResistant);
    const available = await Promise.all(candidates.map((f) => f.available(i.accountId)));
    return candidates.filter((_, n) => available[n]);
  }

  router.get('/', async (ctx) => {
    const i = await tools.interaction(ctx);
    const factors = await usable(i);
    sendPage(ctx, 'mfa', {
      uid: i.uid, csrf: csrfToken(ctx), clientName: await tools.clientName(i.clientId), requiredAal: i.requiredAal,
      factors: factors.map((f) => ({ kind: f.kind, labelKey: f.labelKey, hintKey: f.hintKey, href: `/interaction/${i.uid}/mfa/${f.kind}` })),
    });
  });

  router.post('/cancel', async (ctx) => {
    const i = await tools.interaction(ctx);
    await deps.audit.record({ actor: i.accountId, action: 'login.second_factor_declined', target: i.clientId, detail: { ip: ctx.ip } });
    await finish(ctx, { error: 'access_denied', error_description: 'the End-User declined the additional authentication' });
  });

  router.post('/unmet', async (ctx) => {
    const i = await tools.interaction(ctx);
    await deps.audit.record({ actor: i.accountId, action: 'login.second_factor_unavailable', target: i.clientId, detail: { requiredAal: i.requiredAal, ip: ctx.ip } });
    await finish(ctx, { error: 'unmet_authentication_requirements', error_description: `authentication strength ${i.requiredAal} could not be reached` });
  });

  for (const factor of deps.factors) factor.mount(router, tools);
  return router;
}
