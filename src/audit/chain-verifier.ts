/**
 * Walks the audit chain and names the first broken link. Works on any source of events — the
 * database or an archive file — so an archive is checked by the same code as the live trail.
 *
 * What is caught: an edited event (its content no longer gives its hash), a removed, inserted or
 * reordered event (the next one no longer links to it; ids are part of the hash), a rewritten
 * suffix or a truncated end (a signed checkpoint no longer matches or its event is gone), and an
 * anchor (start after retention) that no signed checkpoint vouches for.
 */
import type { ChainRow, CheckpointRow } from '../store/audit.ts';
import { eventHash, GENESIS_HASH } from './chain-hash.ts';
import type { CheckpointClaims } from './checkpoint-signer.ts';

export interface ChainSource {
  /** Where the chain starts when older events were archived and removed. */
  anchor: { throughEventId: string; throughHash: string } | undefined;
  checkpoints: Array<Pick<CheckpointRow, 'id' | 'lastEventId' | 'lastHash' | 'jws'>>;
  /** The events in id order, in pages. */
  pages(): AsyncIterable<ChainRow[]>;
}

export interface ChainBreak { eventId: string; reason: string }

export interface ChainVerification {
  intact: boolean;
  events: number;
  checkpoints: number;
  /** The last event walked (the head, for the live trail). */
  last?: { id: string; hash: string };
  broken?: ChainBreak;
}

export type SignatureCheck = (jws: string) => Promise<CheckpointClaims>;

const big = (id: string) => BigInt(id);

/** Checks every checkpoint's signature; returns the hashes they vouch for by event id, or a break. */
async function signedCheckpoints(source: ChainSource, check: SignatureCheck): Promise<Map<string, string> | ChainBreak> {
  const vouched = new Map<string, string>();
  for (const cp of source.checkpoints) {
    let claims: CheckpointClaims;
    try {
      claims = await check(cp.jws);
    } catch (e) {
      return { eventId: cp.lastEventId, reason: `checkpoint ${cp.id}: signature not valid (${(e as Error).message})` };
    }
    if (claims.last_event_id !== cp.lastEventId || claims.last_hash !== cp.lastHash) {
      return { eventId: cp.lastEventId, reason: `checkpoint ${cp.id}: row differs from its signed content` };
    }
    vouched.set(cp.lastEventId, cp.lastHash);
  }
  return vouched;
}

export async function verifyChain(source: ChainSource, check: SignatureCheck): Promise<ChainVerification> {
  const vouched = await signedCheckpoints(source, check);
  const result: ChainVerification = { intact: false, events: 0, checkpoints: source.checkpoints.length };
  if (!(vouched instanceof Map)) return { ...result, broken: vouched };

  const { anchor } = source;
  if (anchor && vouched.get(anchor.throughEventId) !== anchor.throughHash) {
    return { ...result, broken: { eventId: anchor.throughEventId, reason: 'the chain starts from an anchor no signed checkpoint vouches for' } };
  }
  const floor = big(anchor?.throughEventId ?? '0');
  // Checkpoints inside the remaining chain, in event order: each must be passed through.
  const pending = [...vouched.entries()].filter(([id]) => big(id) > floor).sort(([a], [b]) => (big(a) < big(b) ? -1 : 1));
  let expectedPrev = anchor?.throughHash ?? GENESIS_HASH;
  let events = 0;
  let last: { id: string; hash: string } | undefined;
  const fail = (eventId: string, reason: string): ChainVerification => ({ ...result, events, ...(last ? { last } : {}), broken: { eventId, reason } });

  for await (const page of source.pages()) {
    for (const row of page) {
      if (pending.length && big(pending[0]![0]) < big(row.id)) return fail(pending[0]![0], 'a checkpointed event is missing');
      if (row.prevHash !== expectedPrev) return fail(row.id, 'does not link to the event before it (an event was removed, inserted or altered)');
      const hash = eventHash(row.prevHash, row);
      if (hash !== row.hash) return fail(row.id, 'its content does not match its hash (edited)');
      if (pending.length && pending[0]![0] === row.id) {
        if (pending[0]![1] !== hash) return fail(row.id, 'differs from its signed checkpoint');
        pending.shift();
      }
      expectedPrev = hash;
      last = { id: row.id, hash };
      events++;
    }
  }
  if (pending.length) return fail(pending[0]![0], 'a checkpointed event is missing (the trail was cut short)');
  return { ...result, intact: true, events, ...(last ? { last } : {}) };
}
