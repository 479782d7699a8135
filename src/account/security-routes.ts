/**
 * /account/security: the account's second factors. The authenticator app is set up with a QR
 * code drawn here (no outside service) and the key in groups, and counts only once a first code
 * confirms it; recovery codes are shown once, when generated. Removing or replacing the
 * authenticator and regenerating codes need a login in the last 5 minutes (password-change.ts):
 * a browser left open must not be enough to take over the second factor.
 */
import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import QRCode from 'qrcode';
import type { AuthenticatorApp } from '../authn/authenticator-app.ts';
import type { RecoveryCodes } from '../authn/mfa-recovery-codes.ts';
import { groupKey, totpUri } from '../authn/totp.ts';
import { AppError, isAppError } from '../errors.ts';
import { csrfToken } from '../http/csrf.ts';
import { sendPage } from '../http/pages.ts';
import { clientIp } from '../http/rate-limit.ts';
import type { PersonService } from '../identity/persons.ts';
import { maskPhone } from '../identity/phone.ts';
import { accountOf } from './login-routes.ts';
import type { Reauth } from './reauth.ts';

export interface SecurityDeps {
  totp: AuthenticatorApp;
  recoveryCodes: RecoveryCodes;
  persons: PersonService;
  /** The name authenticator apps show for the account (the service's name). */
  issuerName: string;
  reauth: Reauth;
}

const NOTICES = new Set(['factors.totp_enabled', 'factors.totp_removed']);
const HOME = '/account/security';
const field = (ctx: Context, name: string) => {
  const v = (ctx.request as { body?: Record<string, unknown> }).body?.[name];
  return typeof v === 'string' ? v.slice(0, 64) : '';
};

/** The QR code as inline SVG markup, drawn from our own data (so safe to insert unescaped). */
async function qrSvg(text: string): Promise<string> {
  const svg = await QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return svg.replace('<svg ', '<svg class="qr" role="img" aria-labelledby="qr-label" ');
}

export function securityRoutes(router: Router, deps: SecurityDeps, admitted: Middleware): void {
  const home = async (ctx: Context, extra: Record<string, unknown> = {}, status = 200) => {
    const { sub } = accountOf(ctx);
    const [totp, codes] = await Promise.all([deps.totp.status(sub), deps.recoveryCodes.remaining(sub)]);
    const q = typeof ctx.query.notice === 'string' ? ctx.query.notice : '';
    sendPage(ctx, 'account/security', {
      csrf: csrfToken(ctx), notice: NOTICES.has(q) ? q : undefined, recentLogin: await deps.reauth.satisfied(accountOf(ctx)), totp, codes, ...extra,
    }, status);
  };
  /** Refuses (403, with the "log in again" link) unless the console login is recent. */
  const recent = async (ctx: Context) => {
    if (await deps.reauth.satisfied(accountOf(ctx))) return true;
    await home(ctx, { reauthNeeded: true }, 403);
    return false;
  };

  const enrolPage = async (ctx: Context, secret: string, error?: string, status = 200) => {
    const person = await deps.persons.get(accountOf(ctx).sub);
    if (!person) throw new AppError('account.inactive');
    const uri = totpUri(secret, deps.issuerName, maskPhone(person.phone));
    sendPage(ctx, 'account/security-totp', { csrf: csrfToken(ctx), qr: await qrSvg(uri), key: groupKey(secret), error }, status);
  };

  router.get(HOME, admitted, (ctx) => home(ctx));

  router.post(`${HOME}/totp/start`, admitted, async (ctx) => {
    const { sub } = accountOf(ctx);
    // Replacing a working authenticator is as sensitive as removing it, and adding one to an
    // account that has a passkey as sensitive as removing that.
    if (!(await deps.reauth.mayAddFactor(accountOf(ctx)))) {
      await home(ctx, { reauthNeeded: true }, 403);
      return;
    }
    await deps.totp.start(sub);
    ctx.status = 303;
    ctx.redirect(`${HOME}/totp`);
  });

  router.get(`${HOME}/totp`, admitted, async (ctx) => {
    const secret = await deps.totp.pendingSecret(accountOf(ctx).sub);
    if (!secret) return ctx.redirect(HOME);
    await enrolPage(ctx, secret);
  });

  router.post(`${HOME}/totp/confirm`, admitted, async (ctx) => {
    const { sub } = accountOf(ctx);
    const secret = await deps.totp.pendingSecret(sub);
    if (!secret) throw new AppError('factor.setup_expired');
    try {
      if (await deps.totp.confirm(sub, field(ctx, 'code'), clientIp(ctx))) {
        ctx.status = 303;
        return ctx.redirect(`${HOME}?notice=factors.totp_enabled`);
      }
    } catch (e) {
      if (!isAppError(e) || e.code !== 'factor.rate_limited') throw e;
      const retry = e.details?.retryAfterSeconds;
      if (typeof retry === 'number') ctx.set('Retry-After', String(retry));
      return enrolPage(ctx, secret, e.code, 429);
    }
    await enrolPage(ctx, secret, 'factor.invalid_code', 400);
  });

  router.post(`${HOME}/totp/remove`, admitted, async (ctx) => {
    if (!(await recent(ctx))) return;
    await deps.totp.remove(accountOf(ctx).sub, clientIp(ctx));
    ctx.status = 303;
    ctx.redirect(`${HOME}?notice=factors.totp_removed`);
  });

  // The codes are shown in this response only: they are stored as keyed hashes.
  router.post(`${HOME}/recovery-codes`, admitted, async (ctx) => {
    const { sub } = accountOf(ctx);
    if ((await deps.recoveryCodes.remaining(sub)).generated && !(await recent(ctx))) return;
    const codes = await deps.recoveryCodes.generate(sub, clientIp(ctx));
    sendPage(ctx, 'account/security-codes', { codes });
  });
}
