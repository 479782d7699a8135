/**
 * The passkey as a second factor, or as the step-up a platform needing strength 3 asks for
 * (phishing-resistant). Only the account's own passkeys are offered and accepted: the options
 * list them, and the check refuses any other account's credential. The challenge is bound to
 * the interaction.
 */
import type { Audit } from '../../audit/audit.ts';
import type { PasskeyAssertions } from '../../authn/passkey-assertion.ts';
import type { Passkeys } from '../../authn/passkeys.ts';
import { CHALLENGE_PURPOSE } from '../../authn/webauthn-rp.ts';
import { isAppError } from '../../errors.ts';
import { csrfToken } from '../../http/csrf.ts';
import { sendPage } from '../../http/pages.ts';
import { clientIp } from '../../http/rate-limit.ts';
import type { SecondFactor } from './second-factor.ts';

export interface PasskeyFactorDeps { passkeys: Passkeys; assertions: PasskeyAssertions; audit: Audit }

const MAX_CREDENTIAL = 12_000;

export function passkeyFactor(deps: PasskeyFactorDeps): SecondFactor {
  return {
    kind: 'passkey',
    labelKey: 'mfa.passkey',
    hintKey: 'mfa.passkey_hint',
    phishingResistant: true,
    available: (accountId) => deps.passkeys.hasAny(accountId),
    mount(router, tools) {
      const page = async (ctx: Parameters<typeof tools.interaction>[0], error?: string, status = 200) => {
        const i = await tools.interaction(ctx);
        sendPage(ctx, 'mfa-passkey', { uid: i.uid, csrf: csrfToken(ctx), clientName: await tools.clientName(i.clientId), error }, status, { script: true });
      };

      router.get('/passkey', (ctx) => page(ctx));

      router.post('/passkey/options', async (ctx) => {
        const i = await tools.interaction(ctx);
        ctx.body = await deps.assertions.options(CHALLENGE_PURPOSE.mfa, i.uid, i.accountId);
      });

      router.post('/passkey/verify', async (ctx) => {
        const i = await tools.interaction(ctx);
        const body = ctx.request.body as Record<string, unknown>;
        const credential = typeof body.credential === 'string' ? body.credential.slice(0, MAX_CREDENTIAL) : '';
        const ip = clientIp(ctx);
        try {
          const result = await deps.assertions.verify(CHALLENGE_PURPOSE.mfa, i.uid, credential, { ip, personId: i.accountId });
          if (!result.ok) {
            await deps.audit.record({ actor: i.accountId, action: 'login.second_factor_failed', target: i.clientId, detail: { method: 'passkey', why: result.reason, ip } });
            return page(ctx, 'passkey.failed', 401);
          }
          await tools.complete(ctx, result.amr);
        } catch (e) {
          if (!isAppError(e) || e.code !== 'passkey.rate_limited') throw e;
          ctx.set('Retry-After', String(e.details?.retryAfterSeconds ?? 60));
          await page(ctx, e.code, 429);
        }
      });
    },
  };
}
