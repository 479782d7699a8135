/**
 * The building blocks every admin API router uses: one declaration per route (method, path,
 * roles, zod schemas for params, query and body, the response) that both registers the koa route
 * and feeds the OpenAPI document (openapi.ts), so the document cannot drift from the routes.
 * Input failing its schema is a 400 `admin.invalid_request` whose details name each field
 * (`{ fields: [{ in, path, message }] }`); errors reach HTTP through src/http/error-handler.ts.
 */
import { bodyParser } from '@koa/bodyparser';
import RouterClass from '@koa/router';
type Router = RouterClass;
import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import type { Audit } from '../../audit/audit.ts';
import { AppError } from '../../errors.ts';
import { clientIp } from '../../http/rate-limit.ts';
import { principalOf, requireRole, ROLE_SCOPES, type AdminPrincipal, type AdminRole } from '../roles.ts';

export type Method = 'get' | 'post' | 'patch' | 'delete';

export interface RouteSpec {
  method: Method;
  /** Koa path under the router's prefix, e.g. `/:id/disable`. */
  path: string;
  summary: string;
  roles: readonly AdminRole[];
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** Status and schema of the success response (none: 204). */
  status?: number;
  response?: z.ZodType;
  /** Another media type than JSON for the success response (exports). */
  produces?: string;
}

export interface Input<P, Q, B> { params: P; query: Q; body: B }

type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

/** The routes declared so far, with their full paths (what openapi.ts documents). */
export class RouteBook {
  readonly routes: Array<RouteSpec & { fullPath: string; tag: string }> = [];
}

export interface FieldIssue { in: 'params' | 'query' | 'body'; path: string; message: string }

function parse<S extends z.ZodType>(schema: S, value: unknown, where: FieldIssue['in']): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const fields: FieldIssue[] = result.error.issues.map((i) => ({ in: where, path: i.path.map(String).join('.'), message: i.message }));
  throw new AppError('admin.invalid_request', fields.map((f) => `${f.in}${f.path ? `.${f.path}` : ''}: ${f.message}`).join('; '), { fields });
}

/**
 * Domain errors name their fields as plain names (the channel registry) or as { path, message }
 * (platform-rules.ts): the API answers every 400 in one shape, { in, path, message }.
 */
function withFieldIssues(e: unknown): unknown {
  if (!(e instanceof AppError) || e.status !== 400 || !Array.isArray(e.details?.fields)) return e;
  const fields = (e.details.fields as unknown[]).map((f): FieldIssue => (typeof f === 'string'
    ? { in: 'body', path: f, message: e.message }
    : { in: 'body', ...(f as { path: string; message: string }) }));
  return new AppError(e.code, e.message, { ...e.details, fields });
}

/** Ids that cannot exist (a malformed UUID) are unknown ids: 404, like a well-formed unknown one. */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const jsonBody = bodyParser({
  enableTypes: ['json'],
  jsonLimit: '64kb',
  encoding: 'utf-8',
  onError(err) {
    // Size limits keep their own status (413); anything else is JSON that does not parse.
    if ((err as { expose?: boolean }).expose) throw err;
    throw new AppError('admin.invalid_json', 'the request body is not valid JSON');
  },
});

/** 403 with the RFC 6750 hint naming the scopes that would do. */
function guard(roles: readonly AdminRole[]): Middleware {
  const check = requireRole(...roles);
  return async (ctx, next) => {
    try {
      await check(ctx, async () => {});
    } catch (e) {
      if ((e as AppError).code === 'admin.role_required') {
        ctx.set('WWW-Authenticate', `Bearer realm="yihao-admin", error="insufficient_scope", scope="${roles.map((r) => ROLE_SCOPES[r]).join(' ')}"`);
      }
      throw e;
    }
    await next();
  };
}

export function route<const S extends RouteSpec>(
  router: Router, book: RouteBook, tag: string, spec: S,
  handler: (ctx: Context, input: Input<Out<S['params']>, Out<S['query']>, Out<S['body']>>) => Promise<void>,
): void {
  const prefix = (router as unknown as { opts: { prefix?: string } }).opts.prefix ?? '';
  book.routes.push({ ...spec, fullPath: `${prefix}${spec.path === '/' ? '' : spec.path}`, tag });
  const steps: Middleware[] = [guard(spec.roles)];
  if (spec.body) steps.push(jsonBody);
  steps.push(async (ctx) => {
    const input = {
      params: spec.params ? parse(spec.params, ctx.params, 'params') : undefined,
      query: spec.query ? parse(spec.query, ctx.query, 'query') : undefined,
      body: spec.body ? parse(spec.body, (ctx.request as { body?: unknown }).body ?? {}, 'body') : undefined,
    } as Input<Out<S['params']>, Out<S['query']>, Out<S['body']>>;
    try {
      await handler(ctx, input);
    } catch (e) {
      throw withFieldIssues(e);
    }
    if (spec.status) ctx.status = spec.status;
  });
  (router[spec.method] as (path: string, ...mw: Middleware[]) => Router).call(router, spec.path, ...steps);
}

export const principal = (ctx: Context): AdminPrincipal => principalOf(ctx.state)!;

/** Records a state change with the caller, its address and user agent (and the reason given). */
export function auditor(audit: Audit) {
  return (ctx: Context, action: string, target: string | undefined, detail: Record<string, unknown> = {}) => audit.record({
    actor: principal(ctx).actor,
    action,
    ...(target !== undefined ? { target } : {}),
    detail: { ...detail, ip: clientIp(ctx), userAgent: ctx.get('user-agent') || undefined },
  });
}

// ---- shared schemas ---------------------------------------------------------------------------

export const reasonBody = z.object({ reason: z.string().trim().min(3).max(500).describe('why, recorded in the audit trail') }).strict();

export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50).describe('items per page'),
  cursor: z.string().min(1).max(200).optional().describe('next_cursor of the previous page'),
});

export const pageOf = <T extends z.ZodType>(items: T) => z.object({
  items: z.array(items),
  next_cursor: z.string().nullable().describe('pass as `cursor` for the next page; null on the last page'),
  next: z.string().nullable().describe('the next page\'s URL (path and query)'),
});

export const errorSchema = z.object({
  error: z.string().describe('stable error code'),
  message: z.string(),
  details: z.object({
    fields: z.array(z.object({ in: z.enum(['params', 'query', 'body']).optional(), path: z.string(), message: z.string() })).optional(),
  }).catchall(z.unknown()).optional(),
});

/**
 * One page: `fetch` is asked for `limit + 1` items after the cursor so the last page says so;
 * `cursorOf` names an item's position (its id, or its offset for lists kept in memory).
 */
export async function paginate<T, V>(
  ctx: Context, q: { limit: number; cursor?: string | undefined },
  fetch: (after: string | null, take: number) => Promise<T[]>, cursorOf: (item: T, index: number) => string, show: (item: T) => V,
): Promise<{ items: V[]; next_cursor: string | null; next: string | null }> {
  const rows = await fetch(q.cursor ?? null, q.limit + 1);
  const more = rows.length > q.limit;
  const page = rows.slice(0, q.limit);
  const nextCursor = more ? cursorOf(page[page.length - 1]!, page.length - 1) : null;
  let next: string | null = null;
  if (nextCursor !== null) {
    const params = new URLSearchParams(ctx.querystring);
    params.set('cursor', nextCursor);
    params.set('limit', String(q.limit));
    next = `${ctx.path}?${params.toString()}`;
  }
  return { items: page.map(show), next_cursor: nextCursor, next };
}

/** Offset paging over a list held in memory (keys, channels): the cursor is the next offset. */
export function offsetPage<T>(all: T[]): (after: string | null, take: number) => Promise<Array<{ item: T; next: number }>> {
  return async (after, take) => {
    const start = after === null ? 0 : Number(after);
    if (!Number.isSafeInteger(start) || start < 0) {
      throw new AppError('admin.invalid_request', 'cursor is not valid', { fields: [{ in: 'query', path: 'cursor', message: 'not a cursor of this list' }] });
    }
    return all.slice(start, start + take).map((item, i) => ({ item, next: start + i + 1 }));
  };
}

/** What every resource router shares: the route book and the authentication of the caller. */
export interface ApiKit { book: RouteBook; authenticate: Middleware }

/** A resource router: nothing cached, the caller authenticated (401) before any route runs. */
export function apiRouter(kit: ApiKit, prefix: string): Router {
  const router = new RouterClass({ prefix });
  router.use(async (ctx, next) => {
    ctx.set('Cache-Control', 'no-store');
    await next();
  });
  router.use(kit.authenticate);
  return router;
}
