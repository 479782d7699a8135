/**
 * Console page: accounts, for the security administrator. Exact search only (a mobile number or
 * an ID number through the blind index, or a person id); the view is masked. Locking disables the
 * account, which ends its sessions and revokes its tokens at once (identity/account-status.ts);
 * ending sessions leaves the account usable. Destructive actions need the confirmation box and a
 * reason; each is audited with the administrator, the reason, IP and user agent. Resetting a
 * second factor (authenticator app, passkeys, recovery codes) goes through the same FactorReset as
 * the admin API (factor.reset), so the person can set it up again.
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { Audit } from '../../audit/audit.ts';
import { RESETTABLE_FACTORS, type FactorReset } from '../../authn/factor-reset.ts';
import { AppError } from '../../errors.ts';
import type { AccountStatus } from '../../identity/account-status.ts';
import type { EndOptions, EndResult } from '../../oidc/sessions-service.ts';
import { personActor } from '../role-grants.ts';
import { requireRole } from '../roles.ts';
import { act, adminOf, CONFIRM, consoleDetail, flash, parseForm, sendAdminPage } from './console-router.ts';
import { findPerson, masked, type PersonLookup } from './people.ts';

export interface AccountsPageDeps {
  persons: PersonLookup;
  accounts: Pick<AccountStatus, 'disable' | 'enable'>;
  endSessions(personId: string, opts: EndOptions): Promise<EndResult>;
  audit: Audit;
  factorReset: Pick<FactorReset, 'reset'>;
  factorSummary(personId: string): Promise<{ totp: boolean; passkeys: number; recovery_codes: number }>;
}

const searchQuery = z.object({ q: z.string().trim().min(1).max(64).optional() });
const lockForm = z.object({ confirm: CONFIRM, reason: z.string().min(1).max(500) });
const unlockForm = z.object({ reason: z.string().min(1).max(500) });
const endForm = z.object({ confirm: CONFIRM, reason: z.string().min(1).max(500) });
const resetForm = z.object({ confirm: CONFIRM, reason: z.string().min(1).max(500) });
const factorParam = z.enum(RESETTABLE_FACTORS);

export function accountsPage(deps: AccountsPageDeps) {
  return (router: Router): void => {
    const guard = requireRole('security_admin');
    const by = (ctx: Context, reason: string) => ({ actor: personActor(adminOf(ctx).id), ip: consoleDetail(ctx).ip, detail: { ...consoleDetail(ctx), reason } });
    const target = async (ctx: Context) => {
      const id = z.uuid().safeParse(ctx.params.id);
      const person = id.success ? await deps.persons.get(id.data) : undefined;
      if (!person) throw new AppError('admin.person_not_found', 'no such person');
      return person;
    };
    const back = (id: string) => `/accounts?q=${encodeURIComponent(id)}`;

    router.get('/accounts', guard, async (ctx) => {
      const query = searchQuery.safeParse(ctx.query);
      const q = query.success ? query.data.q : undefined;
      const person = q ? await findPerson(deps.persons, q) : undefined;
      if (q) {
        // Looking someone up is itself recorded (never the number searched for).
        await deps.audit.record({ actor: personActor(adminOf(ctx).id), action: 'admin.account_searched', target: person?.id, detail: { ...consoleDetail(ctx), found: Boolean(person) } });
      }
      const factors = person && person.status !== 'closed' ? await deps.factorSummary(person.id) : undefined;
      sendAdminPage(ctx, 'accounts', { ...flash(ctx), searched: Boolean(q), person: person && masked(person), factors });
    });

    router.post('/accounts/:id/lock', guard, async (ctx) => {
      const person = await target(ctx);
      await act(ctx, back(person.id), async () => {
        const form = parseForm(ctx, lockForm);
        if (person.status === 'closed') throw new AppError('admin.person_not_found', 'a closed account stays closed');
        await deps.accounts.disable(person.id, by(ctx, form.reason));
        return 'admin.account_locked';
      });
    });

    router.post('/accounts/:id/unlock', guard, async (ctx) => {
      const person = await target(ctx);
      await act(ctx, back(person.id), async () => {
        const form = parseForm(ctx, unlockForm);
        if (person.status === 'closed') throw new AppError('admin.person_not_found', 'a closed account stays closed');
        await deps.accounts.enable(person.id, by(ctx, form.reason));
        return 'admin.account_unlocked';
      });
    });

    router.post('/accounts/:id/end-sessions', guard, async (ctx) => {
      const person = await target(ctx);
      await act(ctx, back(person.id), async () => {
        const form = parseForm(ctx, endForm);
        const actor = personActor(adminOf(ctx).id);
        const ended = await deps.endSessions(person.id, { reason: 'admin_console', actor, ip: consoleDetail(ctx).ip });
        await deps.audit.record({ actor, action: 'admin.sessions_ended', target: person.id, detail: { ...consoleDetail(ctx), reason: form.reason, ...ended } });
        return 'admin.sessions_ended_notice';
      });
    });

    router.post('/accounts/:id/factors/:factor/reset', guard, async (ctx) => {
      const person = await target(ctx);
      const factor = factorParam.safeParse(ctx.params.factor);
      if (!factor.success) throw new AppError('admin.invalid_request', 'unknown factor');
      await act(ctx, back(person.id), async () => {
        const form = parseForm(ctx, resetForm);
        if (person.status === 'closed') throw new AppError('admin.person_not_found', 'a closed account has no factors');
        await deps.factorReset.reset(person.id, factor.data, { actor: personActor(adminOf(ctx).id), reason: form.reason, ...consoleDetail(ctx) });
        return 'admin.factor_reset_notice';
      });
    });
  };
}
