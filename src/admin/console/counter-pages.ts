/**
 * The counter desk's console pages (/admin/console/counter…), for counter operators only. The ID
 * number travels in POST bodies, never in a URL (URLs end up in logs and browser history). Every
 * act needs the card number again and a ticked confirmation: the acts cannot be undone.
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { formatter } from '../../account/console-routes.ts';
import { AppError, isAppError } from '../../errors.ts';
import { csrfToken } from '../../http/csrf.ts';
import { localeOf, sendPage } from '../../http/pages.ts';
import { clientIp } from '../../http/rate-limit.ts';
import { DESK_DOCUMENTS, MAX_READER_PAYLOAD, type CardPresented, type CounterDesk, type DeskOperator } from '../../identity/counter-desk.ts';
import { principalOf, requireRole } from '../roles.ts';

export interface CounterPageDeps { desk: CounterDesk }

const BASE = '/admin/console/counter';
const uuid = z.uuid();
const lookupForm = z.object({ idNumber: z.string().max(64).default('') });
const cardForm = z.object({
  cardNumber: z.string().max(64).default(''),
  documentType: z.string().max(64).default(''),
  // A little over the limit, so that the domain's own check answers with its message.
  readerPayload: z.string().max(MAX_READER_PAYLOAD * 2).optional(),
  hall: z.string().max(128).default(''),
  reference: z.string().max(128).default(''),
  confirm: z.string().max(8).optional(),
  newPhone: z.string().max(32).optional(),
});

const body = (ctx: Context) => (ctx.request as { body?: unknown }).body ?? {};

function operatorOf(ctx: Context): DeskOperator {
  const principal = principalOf(ctx.state);
  // An automation client cannot stand at a counter: the desk is for signed-in people.
  if (!principal || principal.kind !== 'person') throw new AppError('counter.operator_required', 'the counter desk is for signed-in operators');
  return { personId: principal.id, roles: principal.roles, ip: clientIp(ctx), userAgent: ctx.get('user-agent') || undefined };
}

function parse<T extends z.ZodType>(schema: T, value: unknown, code: 'counter.form_invalid' | 'counter.person_not_found' | 'counter.check_not_found' = 'counter.form_invalid'): z.infer<T> {
  const r = schema.safeParse(value);
  if (!r.success) throw new AppError(code, r.error.issues.map((i) => i.path.join('.')).join(', '));
  return r.data;
}

function cardOf(ctx: Context): CardPresented {
  const form = parse(cardForm, body(ctx));
  if (form.confirm !== 'yes') throw new AppError('counter.confirm_required');
  return form;
}

/** Errors about what was typed go back to the form; refusals (403, 429, 503) to the error page. */
const formError = (e: unknown): e is AppError => isAppError(e) && (e.status === 400 || e.status === 404 || e.status === 409);

export function counterRoutes(router: Router, deps: CounterPageDeps): void {
  const guard = requireRole('counter_operator');
  const { desk } = deps;
  const common = (ctx: Context) => ({
    admin: principalOf(ctx.state), csrf: csrfToken(ctx), halls: desk.halls.list, documents: DESK_DOCUMENTS,
    fmt: formatter(localeOf(ctx)), hallLabel: (h: string) => desk.halls.label(h),
  });

  const personPage = async (ctx: Context, personId: string, extra: Record<string, unknown> = {}, status = 200) => {
    const citizen = await desk.citizen(personId);
    if (!citizen) throw new AppError('counter.person_not_found');
    sendPage(ctx, 'admin/counter-person', { ...common(ctx), citizen, form: {}, ...extra }, status);
  };

  router.get('/counter', guard, (ctx) => {
    sendPage(ctx, 'admin/counter', { ...common(ctx), lookupError: undefined, notFound: false });
  });

  router.post('/counter/lookup', guard, async (ctx) => {
    const op = operatorOf(ctx);
    const { idNumber } = parse(lookupForm, body(ctx));
    try {
      const citizen = await desk.lookup(op, idNumber);
      if (!citizen) return sendPage(ctx, 'admin/counter', { ...common(ctx), lookupError: undefined, notFound: true });
      sendPage(ctx, 'admin/counter-person', { ...common(ctx), citizen, form: {} });
    } catch (e) {
      if (!formError(e)) throw e;
      sendPage(ctx, 'admin/counter', { ...common(ctx), lookupError: e.code, notFound: false }, e.status);
    }
  });

  /** One act on a person's form: done → the check's page; a typing error → the form again. */
  const act = (path: string, form: (id: string) => string, run: (op: DeskOperator, id: string, card: CardPresented) => Promise<{ check: { id: string } }>, personOf: (id: string) => Promise<string>) => {
    router.post(path, guard, async (ctx) => {
      const op = operatorOf(ctx);
      const id = parse(uuid, ctx.params.id, 'counter.person_not_found');
      try {
        const { check } = await run(op, id, cardOf(ctx));
        ctx.status = 303;
        ctx.redirect(`${BASE}/checks/${check.id}`);
      } catch (e) {
        if (!formError(e)) throw e;
        const values = parse(cardForm, body(ctx));
        await personPage(ctx, await personOf(id), { actError: { form: form(id), code: e.code }, form: { [form(id)]: { ...values, cardNumber: '', readerPayload: '' } } }, e.status);
      }
    });
  };
  const samePerson = async (id: string) => id;
  const claimant = async (claimId: string) => {
    const personId = await desk.claimantOf(claimId);
    if (!personId) throw new AppError('enterprise.claim_not_found');
    return personId;
  };
  act('/counter/persons/:id/identity', () => 'identity', (op, id, card) => desk.recordIdentity(op, id, card), samePerson);
  act('/counter/claims/:id/confirm', (id) => `claim-${id}`, (op, id, card) => desk.confirmRepresentative(op, id, card), claimant);
  act('/counter/persons/:id/reclaim', () => 'reclaim', (op, id, card) => desk.startReclaim(op, id, card), samePerson);

  router.get('/counter/checks/:id', guard, async (ctx) => {
    const check = await desk.check(parse(uuid, ctx.params.id, 'counter.check_not_found'));
    if (!check) throw new AppError('counter.check_not_found');
    const citizen = await desk.citizen(check.personId);
    sendPage(ctx, 'admin/counter-check', { ...common(ctx), check, citizen });
  });
}
