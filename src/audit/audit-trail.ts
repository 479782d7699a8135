/** The trail as auditors and operators see it: verify the chain, sign checkpoints, query. */
import type { AuditFilter, AuditStore, ChainRow, StoredAuditEvent } from '../store/audit.ts';
import type { CheckpointSigner } from './checkpoint-signer.ts';
import { verifyChain, type ChainSource, type ChainVerification } from './chain-verifier.ts';

const PAGE = 1000;

export class AuditTrail {
  constructor(readonly store: AuditStore, readonly signer: CheckpointSigner) {}

  /** The live chain, read in pages, up to `throughId` when given. */
  async source(throughId?: string): Promise<ChainSource> {
    const store = this.store;
    const [anchor, checkpoints] = await Promise.all([store.latestAnchor(), store.checkpoints()]);
    return {
      anchor,
      checkpoints: throughId === undefined ? checkpoints : checkpoints.filter((c) => BigInt(c.lastEventId) <= BigInt(throughId)),
      async *pages(): AsyncIterable<ChainRow[]> {
        for (let after: string | null = null; ;) {
          const page = await store.chainPage(after, PAGE, throughId);
          if (page.length) yield page;
          if (page.length < PAGE) return;
          after = page[page.length - 1]!.id;
        }
      },
    };
  }

  async verify(): Promise<ChainVerification> {
    return verifyChain(await this.source(), (jws) => this.signer.verify(jws));
  }

  /**
   * A signed checkpoint at the head (or at `at`), unless one is there already. Undefined when
   * the trail is empty.
   */
  async checkpoint(at?: { id: string; hash: string }): Promise<{ id: string; lastEventId: string; lastHash: string; jws: string; created: boolean } | undefined> {
    const target = at ?? await this.store.head();
    if (!target) return undefined;
    const existing = (await this.store.checkpoints()).find((c) => c.lastEventId === target.id && c.lastHash === target.hash);
    if (existing) return { ...existing, created: false };
    const jws = await this.signer.sign(target.id, target.hash);
    const id = await this.store.addCheckpoint(target.id, target.hash, jws);
    return { id, lastEventId: target.id, lastHash: target.hash, jws, created: true };
  }

  /** Every matching event in id order, in pages (exports of any size). */
  async *query(filter: AuditFilter): AsyncIterable<StoredAuditEvent> {
    for (let after: string | null = null; ;) {
      const page = await this.store.query(filter, after, PAGE);
      yield* page;
      if (page.length < PAGE) return;
      after = page[page.length - 1]!.id;
    }
  }
}
