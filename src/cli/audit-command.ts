/** `audit verify|checkpoint|archive|query`: the tamper-evident trail for operators and auditors. */
import { archiveAndExpire, verifyArchive } from '../audit/archive.ts';
import type { ChainVerification } from '../audit/chain-verifier.ts';
import { EXPORT_FORMATS, CSV_HEADER, formatEvent, type ExportFormat } from '../audit/export.ts';
import type { Container } from '../container.ts';
import { parseOptions, UsageError, type CommandIO } from './io.ts';

const DAY_MS = 86_400_000;

function date(name: string, value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  // A bare date is midnight UTC: auditors' ranges should not move with the server's time zone.
  const d = new Date(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(d.getTime())) throw new UsageError(`--${name}: not a date (use 2026-01-31 or an ISO 8601 time)`);
  return d;
}

function report(io: CommandIO, what: string, v: ChainVerification): number {
  if (v.intact) {
    io.out(`${what} intact: ${v.events} events, ${v.checkpoints} checkpoints${v.last ? `, last event ${v.last.id} ${v.last.hash}` : ''}`);
    return 0;
  }
  io.out(`${what} BROKEN at event ${v.broken!.eventId}: ${v.broken!.reason}`);
  io.err(`first broken event: ${v.broken!.eventId}`);
  return 1;
}

export async function auditCommand(args: string[], io: CommandIO, c: Container): Promise<number> {
  const [sub, ...rest] = args;
  const trail = c.auditTrail;
  if (sub === 'verify') {
    const { values } = parseOptions(rest, { archive: { type: 'string' } });
    if (values.archive) return report(io, `archive ${values.archive}`, await verifyArchive(values.archive, (jws) => trail.signer.verify(jws)));
    return report(io, 'audit trail', await trail.verify());
  }
  if (sub === 'checkpoint') {
    parseOptions(rest, {});
    const cp = await trail.checkpoint();
    io.out(cp ? `checkpoint ${cp.id} at event ${cp.lastEventId} ${cp.lastHash}${cp.created ? '' : ' (already there)'}` : 'the audit trail is empty: no checkpoint');
    return 0;
  }
  if (sub === 'archive') {
    const { values } = parseOptions(rest, { before: { type: 'string' }, out: { type: 'string' } });
    if (!values.out) throw new UsageError('audit archive needs --out <file.jsonl>');
    const before = date('before', values.before) ?? new Date(Date.now() - c.config.auditRetentionDays * DAY_MS);
    const r = await archiveAndExpire(trail, before, values.out, c.config.auditRetentionDays);
    io.out(r.archived ? `archived ${r.archived} events through ${r.throughEventId} to ${values.out}; removed ${r.removed} from the database` : `no events before ${before.toISOString()}: nothing archived`);
    return 0;
  }
  if (sub === 'query') {
    const { values } = parseOptions(rest, {
      from: { type: 'string' }, to: { type: 'string' }, actor: { type: 'string' }, target: { type: 'string' }, action: { type: 'string' }, format: { type: 'string' },
    });
    const format = (values.format ?? 'jsonl') as ExportFormat;
    if (!EXPORT_FORMATS.includes(format)) throw new UsageError(`--format: ${EXPORT_FORMATS.join(' or ')}`);
    const filter = {
      ...(values.from ? { from: date('from', values.from)! } : {}), ...(values.to ? { to: date('to', values.to)! } : {}),
      ...(values.actor !== undefined ? { actor: values.actor } : {}), ...(values.target !== undefined ? { target: values.target } : {}),
      ...(values.action !== undefined ? { action: values.action } : {}),
    };
    if (format === 'csv') io.out(CSV_HEADER);
    for await (const e of trail.query(filter)) io.out(formatEvent(e, format));
    return 0;
  }
  throw new UsageError(`unknown audit command: ${sub ?? '(none)'}`);
}
