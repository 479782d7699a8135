/**
 * Accounts (`/admin/api/accounts`, security administrator): exact search by ID number (through
 * its blind index), mobile number or name — by POST, so an ID number never appears in a URL or a
 * request log; masked views; lock (disable) and unlock with a reason, effective at the next login
 * and ending every session at once; ending sessions; resetting a second factor with a reason.
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { FactorReset } from '../../authn/factor-reset.ts';
import { RESETTABLE_FACTORS } from '../../authn/factor-reset.ts';
import { AppError } from '../../errors.ts';
import { clientIp } from '../../http/rate-limit.ts';
import type { AccountStatus } from '../../identity/account-status.ts';
import { maskIdNumber, parseIdNumber } from '../../identity/id-number.ts';
import type { Person, PersonService } from '../../identity/persons.ts';
import { maskPhone, parsePhone } from '../../identity/phone.ts';
import type { SessionsService } from '../../oidc/sessions-service.ts';
import type { Audit } from '../../audit/audit.ts';
import { auditor, pageOf, paginate, principal, reasonBody, route, UUID, apiRouter, type ApiKit } from './api-kit.ts';

export interface AccountsApiDeps {
  persons: PersonService;
  accounts: AccountStatus;
  sessions: SessionsService;
  factorReset: FactorReset;
  audit: Audit;
  /** Which second factors the person has (the view's summary). */
  factorSummary(personId: string): Promise<{ totp: boolean; passkeys: number; recovery_codes: number }>;
}

const searchBody = z.object({
  id_number: z.string().trim().min(1).max(40).optional(),
  phone: z.string().trim().min(1).max(20).optional(),
  name: z.string().trim().min(1).max(100).optional(),
  limit: z.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
}).strict().refine((b) => [b.id_number, b.phone, b.name].filter((v) => v !== undefined).length === 1, {
  message: 'give exactly one of id_number, phone, name', path: ['id_number'],
});

export const accountView = z.object({
  id: z.string(),
  status: z.string().describe('active, disabled (locked) or closed'),
  name: z.string(),
  id_number: z.string().describe('masked: 1101**********002X'),
  phone: z.string().describe('masked: 139****0000'),
  phone_verified: z.boolean(),
  created_at: z.string(),
});
const accountDetail = accountView.extend({
  factors: z.object({ totp: z.boolean(), passkeys: z.number(), recovery_codes: z.number() }),
  sessions: z.number().describe('live SSO sessions'),
});

const idParams = z.object({ id: z.string().max(100) });
const factorParams = idParams.extend({ factor: z.enum(RESETTABLE_FACTORS) });

const view = (p: Person): z.infer<typeof accountView> => ({
  id: p.id, status: p.status, name: p.name, id_number: p.idNumber ? maskIdNumber(p.idNumber) : '', phone: p.phone ? maskPhone(p.phone) : '',
  phone_verified: Boolean(p.phoneVerifiedAt), created_at: p.createdAt.toISOString(),
});

function searchKey(body: z.infer<typeof searchBody>): { idNumber?: string; phone?: string; name?: string } {
  if (body.id_number !== undefined) {
    const parsed = parseIdNumber(body.id_number);
    // A malformed number has no account: an empty result, not an error naming the number.
    return { idNumber: parsed.ok ? parsed.value.number : `invalid:${body.id_number}` };
  }
  if (body.phone !== undefined) {
    const parsed = parsePhone(body.phone);
    return { phone: parsed.ok ? parsed.value : `invalid:${body.phone}` };
  }
  return { name: body.name! };
}

export function accountsApiRouter(deps: AccountsApiDeps, kit: ApiKit): Router {
  const router = apiRouter(kit, '/admin/api/accounts');
  const tag = 'accounts';
  const roles = ['security_admin'] as const;
  const by = (ctx: Context, reason: string) => ({ actor: principal(ctx).actor, reason, ip: clientIp(ctx), userAgent: ctx.get('user-agent') || undefined });

  const person = async (id: string): Promise<Person> => {
    const found = UUID.test(id) ? await deps.persons.get(id) : undefined;
    if (!found) throw new AppError('person.not_found', 'no such account');
    return found;
  };

  route(router, kit.book, tag, { method: 'post', path: '/search', summary: 'Find accounts by exact ID number, mobile number or name', roles, body: searchBody, response: pageOf(accountView) }, async (ctx, { body }) => {
    const key = searchKey(body);
    ctx.body = await paginate(ctx, body, async (after, take) => {
      const rows = await deps.persons.search(key, after, take);
      return Promise.all(rows.map((r) => deps.persons.decrypt(r)));
    }, (p) => p.id, view);
    // The next page is asked for by the same POST with `cursor`: no URL carries the search.
    (ctx.body as { next: string | null }).next = null;
  });

  route(router, kit.book, tag, { method: 'get', path: '/:id', summary: 'Show an account (masked)', roles, params: idParams, response: z.object({ account: accountDetail }) }, async (ctx, { params }) => {
    const p = await person(params.id);
    const [factors, sessions] = await Promise.all([deps.factorSummary(p.id), deps.sessions.list(p.id)]);
    ctx.body = { account: { ...view(p), factors, sessions: sessions.length } };
  });

  route(router, kit.book, tag, { method: 'post', path: '/:id/lock', summary: 'Lock (disable) an account: no login from now on, every session ended', roles, params: idParams, body: reasonBody, response: z.object({ account: accountView }) }, async (ctx, { params, body }) => {
    const p = await person(params.id);
    if (p.status === 'closed') throw new AppError('admin.already_in_state', 'the account is closed');
    await deps.accounts.disable(p.id, by(ctx, body.reason));
    ctx.body = { account: view((await deps.persons.get(p.id))!) };
  });

  route(router, kit.book, tag, { method: 'post', path: '/:id/unlock', summary: 'Unlock (enable) a locked account', roles, params: idParams, body: reasonBody, response: z.object({ account: accountView }) }, async (ctx, { params, body }) => {
    const p = await person(params.id);
    if (p.status !== 'disabled') throw new AppError('admin.already_in_state', `the account is ${p.status}`);
    await deps.accounts.enable(p.id, by(ctx, body.reason));
    ctx.body = { account: view((await deps.persons.get(p.id))!) };
  });

  route(router, kit.book, tag, { method: 'post', path: '/:id/end-sessions', summary: 'End every session of the account and revoke its tokens', roles, params: idParams, body: reasonBody, response: z.object({ sessions: z.number(), grants: z.number() }) }, async (ctx, { params, body }) => {
    const p = await person(params.id);
    const who = by(ctx, body.reason);
    // The sessions service audits each ending (with the caller as actor); this event keeps the reason.
    const ended = await deps.sessions.endAll(p.id, { reason: 'admin', actor: who.actor, ip: who.ip });
    await auditor(deps.audit)(ctx, 'person.sessions_ended', p.id, { reason: body.reason, ...ended });
    ctx.body = ended;
  });

  route(router, kit.book, tag, { method: 'post', path: '/:id/factors/:factor/reset', summary: 'Remove a second factor (totp, passkeys, recovery_codes) so the person can set it up again', roles, params: factorParams, body: reasonBody, response: z.object({ removed: z.number() }) }, async (ctx, { params, body }) => {
    const p = await person(params.id);
    ctx.body = { removed: await deps.factorReset.reset(p.id, params.factor, by(ctx, body.reason)) };
  });

  return router;
}
