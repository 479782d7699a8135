/**
 * Console page: the audit trail, for the auditor only (who reads and exports, and changes
 * nothing). Query by time, actor, subject (target) and event type; export every matching event
 * as CSV or JSON lines (audit/export.ts), in pages, however many. Each export is itself audited.
 */
import { Readable } from 'node:stream';
import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { Audit } from '../../audit/audit.ts';
import type { AuditTrail } from '../../audit/audit-trail.ts';
import { CSV_HEADER, EXPORT_FORMATS, formatEvent, type ExportFormat } from '../../audit/export.ts';
import { AppError } from '../../errors.ts';
import type { AuditFilter, StoredAuditEvent } from '../../store/audit.ts';
import { personActor } from '../role-grants.ts';
import { requireRole } from '../roles.ts';
import { adminOf, consoleDetail, sendAdminPage } from './console-router.ts';

export interface AuditPageDeps { trail: Pick<AuditTrail, 'query'>; audit: Audit }

const SHOWN = 100;

// A bare date is midnight UTC, as on the command line (`audit query`).
const when = z.string().trim().max(40).transform((v, ctx) => {
  const d = new Date(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v);
  if (Number.isNaN(d.getTime())) ctx.addIssue({ code: 'custom', message: 'not a date' });
  return d;
});
const text = z.string().trim().max(200);
const querySchema = z.object({
  from: when.optional(), to: when.optional(), actor: text.optional(), target: text.optional(), action: text.optional(),
  format: z.enum(EXPORT_FORMATS).optional(),
});

/** The query string as a filter; empty fields are no condition. */
function filterOf(ctx: Context): { filter: AuditFilter; format?: ExportFormat; form: Record<string, string> } {
  const raw = Object.fromEntries(Object.entries(ctx.query).filter(([, v]) => typeof v === 'string' && v.trim() !== ''));
  const parsed = querySchema.safeParse(raw);
  if (!parsed.success) throw new AppError('admin.invalid_query', parsed.error.issues.map((i) => i.path.join('.')).join(', '));
  const { format, ...filter } = parsed.data;
  return { filter, format, form: raw as Record<string, string> };
}

async function firstEvents(trail: AuditPageDeps['trail'], filter: AuditFilter): Promise<{ events: StoredAuditEvent[]; more: boolean }> {
  const events: StoredAuditEvent[] = [];
  for await (const e of trail.query(filter)) {
    if (events.length === SHOWN) return { events, more: true };
    events.push(e);
  }
  return { events, more: false };
}

export function auditPage(deps: AuditPageDeps) {
  return (router: Router): void => {
    const guard = requireRole('auditor');

    router.get('/audit', guard, async (ctx) => {
      const { filter, form } = filterOf(ctx);
      const { events, more } = await firstEvents(deps.trail, filter);
      const exportQuery = new URLSearchParams(Object.entries(form).filter(([k]) => k !== 'format' && k !== 'lang'));
      sendAdminPage(ctx, 'audit', {
        form, more, exportQuery: exportQuery.toString(),
        events: events.map((e) => ({ ...e, at: e.at.toISOString(), detail: JSON.stringify(e.detail) })),
      });
    });

    router.get('/audit/export', guard, async (ctx) => {
      const { filter, format = 'jsonl' } = filterOf(ctx);
      await deps.audit.record({
        actor: personActor(adminOf(ctx).id), action: 'audit.exported',
        detail: { ...consoleDetail(ctx), format, filter: { ...filter, from: filter.from?.toISOString(), to: filter.to?.toISOString() } },
      });
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      ctx.set('Content-Disposition', `attachment; filename="yihao-audit-${stamp}.${format}"`);
      ctx.type = format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8';
      const trail = deps.trail;
      ctx.body = Readable.from((async function* lines() {
        if (format === 'csv') yield `${CSV_HEADER}\n`;
        for await (const e of trail.query(filter)) yield `${formatEvent(e, format)}\n`;
      })());
    });
  };
}
