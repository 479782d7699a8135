/**
 * The audit chain's hash, as the database computes it (migration 20261201_001_audit_chain):
 * SHA-256 over "yihao-audit-v1\n" and each field as `<UTF-8 byte length>:<text>\n` ("~\n" for
 * NULL) — length-prefixed, so no choice of field contents can make two events serialise alike.
 */
import { createHash } from 'node:crypto';
import type { ChainRow } from '../store/audit.ts';

export const GENESIS_HASH = '0'.repeat(64);

/** What the hash covers: a stored event without its own chain fields. */
export type HashedFields = Omit<ChainRow, 'prevHash' | 'hash'>;

const field = (s: string | null) => (s === null ? '~\n' : `${Buffer.byteLength(s, 'utf8')}:${s}\n`);

export function eventHash(prevHash: string, e: HashedFields): string {
  const text = `yihao-audit-v1\n${field(prevHash)}${field(e.id)}${field(e.at.toISOString())}${field(e.actor)}${field(e.action)}${field(e.target)}${field(e.detailText)}`;
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
