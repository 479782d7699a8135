/** Auditors' exports of audit events: JSON lines, or CSV (RFC 4180) for spreadsheets. */
import type { StoredAuditEvent } from '../store/audit.ts';

export const EXPORT_FORMATS = ['jsonl', 'csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const CSV_HEADER = 'id,at,actor,action,target,detail';

/**
 * Quoted always; a cell a spreadsheet would run as a formula (= + - @, tab, CR) gets a leading
 * apostrophe, since actors and targets can come from people's input.
 */
function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return `"${safe.replaceAll('"', '""')}"`;
}

export function formatEvent(e: StoredAuditEvent, format: ExportFormat): string {
  const at = e.at.toISOString();
  if (format === 'jsonl') return JSON.stringify({ id: e.id, at, actor: e.actor, action: e.action, target: e.target, detail: e.detail });
  return [e.id, at, e.actor, e.action, e.target ?? '', JSON.stringify(e.detail)].map(csvCell).join(',');
}
