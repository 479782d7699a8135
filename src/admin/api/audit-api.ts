/**
 * The audit trail for auditors (`/admin/api/audit`): query by time, actor, subject and event type
 * (keyset pages by event id), export the same selection as CSV or JSON lines (streamed, any size;
 * the export itself is audited), and verify the hash chain, naming the first broken link.
 */
import { Readable } from 'node:stream';
import type Router from '@koa/router';
import { z } from 'zod';
import type { Audit } from '../../audit/audit.ts';
import type { AuditTrail } from '../../audit/audit-trail.ts';
import { CSV_HEADER, EXPORT_FORMATS, formatEvent, type ExportFormat } from '../../audit/export.ts';
import type { AuditFilter, StoredAuditEvent } from '../../store/audit.ts';
import { auditor, pageOf, pageQuery, paginate, route, apiRouter, type ApiKit } from './api-kit.ts';

export interface AuditApiDeps { trail: AuditTrail; audit: Audit }

const filterQuery = z.object({
  from: z.iso.datetime({ offset: true }).optional().describe('events at or after (ISO 8601)'),
  to: z.iso.datetime({ offset: true }).optional().describe('events before (ISO 8601)'),
  actor: z.string().min(1).max(200).optional().describe('e.g. client:yh_…, person:<id>, cli'),
  subject: z.string().min(1).max(200).optional().describe('the event\'s target (an account id, a client id…)'),
  event: z.string().min(1).max(100).optional().describe('event type, e.g. login.failure'),
});
const eventsQuery = pageQuery.extend({ ...filterQuery.shape, cursor: z.string().regex(/^\d{1,19}$/).optional().describe('next_cursor of the previous page') });
const exportQuery = filterQuery.extend({ format: z.enum(EXPORT_FORMATS).default('jsonl') });

const eventView = z.object({
  id: z.string(), at: z.string(), actor: z.string(), action: z.string(), target: z.string().nullable(), detail: z.record(z.string(), z.unknown()),
});
const verifyView = z.object({
  intact: z.boolean(),
  events: z.number(),
  checkpoints: z.number(),
  last: z.object({ id: z.string(), hash: z.string() }).nullable(),
  broken: z.object({ event_id: z.string(), reason: z.string() }).nullable().describe('the first broken link'),
});

const filterOf = (q: z.infer<typeof filterQuery>): AuditFilter => ({
  ...(q.from ? { from: new Date(q.from) } : {}),
  ...(q.to ? { to: new Date(q.to) } : {}),
  ...(q.actor !== undefined ? { actor: q.actor } : {}),
  ...(q.subject !== undefined ? { target: q.subject } : {}),
  ...(q.event !== undefined ? { action: q.event } : {}),
});
const show = (e: StoredAuditEvent): z.infer<typeof eventView> => ({ id: String(e.id), at: e.at.toISOString(), actor: e.actor, action: e.action, target: e.target, detail: e.detail });

const MEDIA: Record<ExportFormat, string> = { csv: 'text/csv; charset=utf-8', jsonl: 'application/x-ndjson; charset=utf-8' };

export function auditApiRouter(deps: AuditApiDeps, kit: ApiKit): Router {
  const router = apiRouter(kit, '/admin/api/audit');
  const roles = ['auditor'] as const;
  const record = auditor(deps.audit);

  route(router, kit.book, 'audit', { method: 'get', path: '/events', summary: 'Query the audit trail', roles, query: eventsQuery, response: pageOf(eventView) }, async (ctx, { query }) => {
    const filter = filterOf(query);
    ctx.body = await paginate(ctx, query, (after, take) => deps.trail.store.query(filter, after, take), (e) => String(e.id), show);
  });

  route(router, kit.book, 'audit', { method: 'get', path: '/export', summary: 'Export the selected events as CSV or JSON lines', roles, query: exportQuery, produces: 'text/csv, application/x-ndjson' }, async (ctx, { query }) => {
    const filter = filterOf(query);
    const { format, ...selection } = query;
    await record(ctx, 'audit.exported', undefined, { format, selection });
    const trail = deps.trail;
    async function* lines() {
      if (format === 'csv') yield `${CSV_HEADER}\r\n`;
      for await (const e of trail.query(filter)) yield `${formatEvent(e, format)}${format === 'csv' ? '\r\n' : '\n'}`;
    }
    ctx.type = MEDIA[format];
    ctx.set('Content-Disposition', `attachment; filename="audit.${format}"`);
    ctx.body = Readable.from(lines());
  });

  route(router, kit.book, 'audit', { method: 'get', path: '/verify', summary: 'Verify the hash chain and its signed checkpoints', roles, response: verifyView }, async (ctx) => {
    const v = await deps.trail.verify();
    ctx.body = {
      intact: v.intact, events: v.events, checkpoints: v.checkpoints, last: v.last ?? null,
      broken: v.broken ? { event_id: v.broken.eventId, reason: v.broken.reason } : null,
    };
  });

  return router;
}
