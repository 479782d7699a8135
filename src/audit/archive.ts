/**
 * Retention: events older than the retention period are written to a JSON-lines archive that
 * verifies on its own (the events with their hashes, the anchor it starts from and the signed
 * checkpoints at both ends), the file is read back and verified, and only then does the database
 * remove them (audit_expire), recording the anchor the remaining chain starts from.
 *
 * File: a header line {"type":"yihao-audit-archive","version":1,"before","anchor"}, one line per
 * event {"type":"event","id","at","actor","action","target","detail","prev_hash","hash"} with
 * `detail` the exact text that was hashed, then {"type":"checkpoint",…} lines.
 */
import { createReadStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { AppError } from '../errors.ts';
import type { ChainRow, CheckpointRow } from '../store/audit.ts';
import type { AuditTrail } from './audit-trail.ts';
import { verifyChain, type ChainSource, type ChainVerification } from './chain-verifier.ts';
import type { SignatureCheck } from './chain-verifier.ts';

const DAY_MS = 86_400_000;

export interface ArchiveResult { archived: number; removed: number; throughEventId?: string }

const eventLine = (r: ChainRow) => JSON.stringify({
  type: 'event', id: r.id, at: r.at.toISOString(), actor: r.actor, action: r.action, target: r.target, detail: r.detailText, prev_hash: r.prevHash, hash: r.hash,
});
const checkpointLine = (c: Pick<CheckpointRow, 'id' | 'lastEventId' | 'lastHash' | 'jws'>) => JSON.stringify({
  type: 'checkpoint', id: c.id, last_event_id: c.lastEventId, last_hash: c.lastHash, jws: c.jws,
});

export async function archiveAndExpire(trail: AuditTrail, before: Date, out: string, retentionDays: number, now = Date.now()): Promise<ArchiveResult> {
  if (before.getTime() > now - retentionDays * DAY_MS) {
    throw new AppError('audit.within_retention', `events after ${new Date(now - retentionDays * DAY_MS).toISOString()} are within AUDIT_RETENTION_DAYS (${retentionDays})`);
  }
  const cutoff = await trail.store.archiveCutoff(before);
  if (!cutoff) return { archived: 0, removed: 0 };
  const state = await trail.verify();
  if (!state.intact) throw new AppError('audit.chain_broken', `the audit chain is broken at event ${state.broken!.eventId}: ${state.broken!.reason}`);
  const final = (await trail.checkpoint(cutoff))!;

  const source = await trail.source(cutoff.id);
  const anchorCheckpoint = source.anchor && source.checkpoints.find((c) => c.lastEventId === source.anchor!.throughEventId && c.lastHash === source.anchor!.throughHash);
  const tmp = `${out}.partial`;
  const file = await open(tmp, 'wx', 0o600).catch((e: NodeJS.ErrnoException) => {
    throw e.code === 'EEXIST' ? new AppError('audit.archive_exists', `${tmp} exists`) : e;
  });
  let archived = 0;
  try {
    const anchor = source.anchor ? { through_event_id: source.anchor.throughEventId, through_hash: source.anchor.throughHash } : null;
    await file.write(`${JSON.stringify({ type: 'yihao-audit-archive', version: 1, before: before.toISOString(), anchor })}\n`);
    for await (const page of source.pages()) {
      await file.write(page.map((r) => `${eventLine(r)}\n`).join(''));
      archived += page.length;
    }
    if (anchorCheckpoint) await file.write(`${checkpointLine(anchorCheckpoint)}\n`);
    await file.write(`${checkpointLine(final)}\n`);
    await file.sync();
  } finally {
    await file.close();
  }
  // Never replace an existing archive: link-then-rename semantics are not portable, so check first.
  if (await open(out, 'r').then(async (f) => { await f.close(); return true; }, () => false)) {
    await rm(tmp);
    throw new AppError('audit.archive_exists', `${out} exists`);
  }
  await rename(tmp, out);

  const check = await verifyArchive(out, (jws) => trail.signer.verify(jws));
  if (!check.intact || check.last?.id !== cutoff.id) {
    throw new AppError('audit.archive_invalid', `the archive written to ${out} does not verify; nothing was removed`);
  }
  const removed = await trail.store.expire(cutoff.id, cutoff.hash, before);
  return { archived, removed, throughEventId: cutoff.id };
}

/** Reads an archive file as a chain source (events are read twice: checkpoints come last). */
async function archiveSource(path: string): Promise<ChainSource> {
  const lines = async function* (): AsyncIterable<Record<string, unknown>> {
    for await (const line of createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity })) {
      if (line.trim()) yield JSON.parse(line) as Record<string, unknown>;
    }
  };
  let anchor: ChainSource['anchor'];
  const checkpoints: ChainSource['checkpoints'] = [];
  let header = false;
  for await (const l of lines()) {
    if (l.type === 'yihao-audit-archive') {
      header = true;
      const a = l.anchor as { through_event_id: string; through_hash: string } | null;
      anchor = a ? { throughEventId: a.through_event_id, throughHash: a.through_hash } : undefined;
    } else if (l.type === 'checkpoint') {
      checkpoints.push({ id: String(l.id), lastEventId: String(l.last_event_id), lastHash: String(l.last_hash), jws: String(l.jws) });
    }
  }
  if (!header) throw new AppError('audit.archive_invalid', 'not a Yihao audit archive (no header line)');
  return {
    anchor,
    checkpoints,
    async *pages() {
      for await (const l of lines()) {
        if (l.type !== 'event') continue;
        yield [{
          id: String(l.id), at: new Date(String(l.at)), actor: String(l.actor), action: String(l.action), target: l.target === null ? null : String(l.target),
          detailText: String(l.detail), prevHash: String(l.prev_hash), hash: String(l.hash),
        }];
      }
    },
  };
}

/** Verifies an archive on its own: its chain, its checkpoints, and a signed checkpoint at its end. */
export async function verifyArchive(path: string, check: SignatureCheck): Promise<ChainVerification> {
  const source = await archiveSource(path);
  const result = await verifyChain(source, check);
  if (result.intact && result.last && !source.checkpoints.some((c) => c.lastEventId === result.last!.id)) {
    return { ...result, intact: false, broken: { eventId: result.last.id, reason: 'the archive does not end with a signed checkpoint (it was cut short)' } };
  }
  return result;
}
