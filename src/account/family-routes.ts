/**
 * The account console's family page (/account/family): the minors a person is guardian of (add,
 * end), the relatives they authorised for assisted service (代办: grant, confirm with a code to
 * their own phone, end) and the people who authorised them (give up). The rules and the audit
 * records live in identity/; this module adapts them to forms.
 */
import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import type { Throttle } from '../authn/throttle.ts';
import { isAppError } from '../errors.ts';
import { csrfToken } from '../http/csrf.ts';
import { localeOf, sendPage } from '../http/pages.ts';
import { clientIp, rateLimit } from '../http/rate-limit.ts';
import type { Locale } from '../i18n/messages.ts';
import { GUARDIAN_RELATIONSHIPS, type GuardianshipService } from '../identity/guardianships.ts';
import type { NaturalPersonPolicy } from '../identity/natural-person-policy.ts';
import type { PersonService } from '../identity/persons.ts';
import { PROXY_RELATIONSHIPS, type ProxyGrantService } from '../identity/proxy-grants.ts';
import type { ClientRegistry } from '../oidc/client-registry.ts';
import { formatter } from './console-routes.ts';
import { accountOf } from './login-routes.ts';

export interface FamilyDeps {
  guardianships: GuardianshipService;
  proxies: ProxyGrantService;
  policy: NaturalPersonPolicy;
  persons: PersonService;
  clients: ClientRegistry;
  throttle: Throttle;
  levelOf(personId: string): Promise<number>;
  levelName(index: number, locale: Locale): string;
}

const NOTICES = new Set(['guardianship.added', 'guardianship.pending', 'guardianship.ended', 'proxy.confirmed', 'proxy.revoked', 'proxy.resigned']);

const field = (ctx: Context, name: string) => {
  const v = (ctx.request as { body?: Record<string, unknown> }).body?.[name];
  return typeof v === 'string' ? v.trim().slice(0, 128) : '';
};
const fields = (ctx: Context, name: string): string[] => {
  const v = (ctx.request as { body?: Record<string, unknown> }).body?.[name];
  return (Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : []).slice(0, 50);
};

export function familyRoutes(router: Router, deps: FamilyDeps, admitted: Middleware): void {
  const page = async (ctx: Context, extra: Record<string, unknown> = {}, status = 200) => {
    const { sub } = accountOf(ctx);
    const locale = localeOf(ctx);
    const clients = (await deps.clients.list()).filter((c) => c.clientId !== 'yihao-account'
      && ((c.metadata.grant_types as string[] | undefined)?.includes('authorization_code') ?? true));
    const nameOf = (id: string) => String(clients.find((c) => c.clientId === id)?.metadata.client_name ?? id);
    const personName = async (id: string) => (await deps.persons.get(id))?.name ?? '';
    const now = new Date();
    const level = await deps.levelOf(sub);
    const q = typeof ctx.query.notice === 'string' ? ctx.query.notice : '';
    sendPage(ctx, 'account/family', {
      csrf: csrfToken(ctx),
      notice: NOTICES.has(q) ? q : undefined,
      wards: await deps.guardianships.wardsOf(sub, now),
      mayGuard: level >= deps.policy.rules.guardian,
      guardLevel: deps.levelName(deps.policy.rules.guardian, locale),
      currentLevel: deps.levelName(level, locale),
      granted: (await deps.proxies.ofGrantor(sub)).map((g) => ({ ...g, expired: g.expiresAt <= now, platformNames: g.platforms.map(nameOf) })),
      held: await Promise.all((await deps.proxies.heldBy(sub)).map(async (g) => ({ ...g, grantorName: await personName(g.grantorPersonId), platformNames: g.platforms.map(nameOf) }))),
      platforms: clients.map((c) => ({ clientId: c.clientId, name: String(c.metadata.client_name ?? c.clientId) })),
      guardianRelationships: GUARDIAN_RELATIONSHIPS,
      proxyRelationships: PROXY_RELATIONSHIPS,
      fmt: formatter(locale),
      ...extra,
    }, status);
  };
  const done = (ctx: Context, notice: string) => {
    ctx.status = 303;
    ctx.redirect(`/account/family?notice=${notice}`);
  };
  /** Runs an action; a domain refusal is shown on the page with its status. */
  const attempt = async (ctx: Context, action: () => Promise<void>, onError: Record<string, unknown> = {}) => {
    try {
      await action();
    } catch (e) {
      if (!isAppError(e) || e.kind === 'internal') throw e;
      if (e.kind === 'rate_limited') ctx.set('Retry-After', String(e.details?.retryAfterSeconds ?? 60));
      await page(ctx, { error: e.code, ...onError }, e.status);
    }
  };
  const sent = async (ctx: Context, grantId: string) => {
    const s = await deps.proxies.sendCode(accountOf(ctx).sub, grantId, clientIp(ctx));
    await page(ctx, { code: { grantId, codeId: s.codeId, maskedPhone: s.maskedPhone, logged: s.mode === 'log' } });
  };

  router.get('/account/family', admitted, (ctx) => page(ctx));

  // Each addition looks an ID number up: bounded per address like other lookups.
  router.post('/account/family/wards/add', rateLimit(deps.throttle, 'account-family-ward', { max: 10, windowSeconds: 900 }), admitted, (ctx) => attempt(ctx, async () => {
    const added = await deps.guardianships.addWard(accountOf(ctx).sub, { name: field(ctx, 'name'), idNumber: field(ctx, 'idNumber'), relationship: field(ctx, 'relationship') }, { ip: clientIp(ctx) });
    done(ctx, added.status === 'active' ? 'guardianship.added' : 'guardianship.pending');
  }));

  router.post('/account/family/wards/:id/end', admitted, (ctx) => attempt(ctx, async () => {
    await deps.guardianships.end(accountOf(ctx).sub, ctx.params.id!);
    done(ctx, 'guardianship.ended');
  }));

  router.post('/account/family/proxies/add', rateLimit(deps.throttle, 'account-family-proxy', { max: 10, windowSeconds: 900 }), admitted, (ctx) => attempt(ctx, async () => {
    const grantId = await deps.proxies.request(accountOf(ctx).sub, {
      proxyName: field(ctx, 'proxyName'), proxyIdNumber: field(ctx, 'proxyIdNumber'), relationship: field(ctx, 'relationship'),
      platforms: fields(ctx, 'platforms'), expiresAt: new Date(`${field(ctx, 'expiresOn')}T23:59:59+08:00`),
    });
    await attempt(ctx, () => sent(ctx, grantId));
  }));

  router.post('/account/family/proxies/:id/send', admitted, (ctx) => attempt(ctx, () => sent(ctx, ctx.params.id!)));

  router.post('/account/family/proxies/:id/confirm', admitted, async (ctx) => {
    const grantId = ctx.params.id!;
    const codeId = field(ctx, 'codeId');
    await attempt(ctx, async () => {
      await deps.proxies.confirmWithCode(accountOf(ctx).sub, grantId, codeId, field(ctx, 'code'), clientIp(ctx));
      done(ctx, 'proxy.confirmed');
    }, { code: { grantId, codeId } });
  });

  router.post('/account/family/proxies/:id/revoke', admitted, (ctx) => attempt(ctx, async () => {
    await deps.proxies.revoke(accountOf(ctx).sub, ctx.params.id!);
    done(ctx, 'proxy.revoked');
  }));

  router.post('/account/family/proxies/:id/resign', admitted, (ctx) => attempt(ctx, async () => {
    await deps.proxies.resign(accountOf(ctx).sub, ctx.params.id!);
    done(ctx, 'proxy.resigned');
  }));
}
