/**
 * Evidence written straight into the evidence store, as a channel would after a match: for tests
 * whose subject is not verification itself but needs a person at some level (acting for an
 * enterprise needs L3 / L2). The level is still computed by the real assurance service.
 */
import { randomUUID } from 'node:crypto';
import type { Container } from '../../src/container.ts';
import { EVIDENCE_HASH_CONTEXT } from '../../src/container-verification.ts';
import type { ChannelKind } from '../../src/verification/channel.ts';

/** L2: a population match; L3: plus a face comparison (the default ladder). */
export const LEVEL_KINDS = { L2: ['population'], L3: ['population', 'face'] } as const satisfies Record<string, ChannelKind[]>;

export async function grantEvidence(c: Container, personId: string, who: { name: string; idNumber: string }, kinds: readonly ChannelKind[]): Promise<void> {
  const h = (v: string) => c.crypto.blindIndex(v, EVIDENCE_HASH_CONTEXT);
  for (const kind of kinds) {
    await c.verification.evidence.record({
      id: randomUUID(), channelId: `${kind}-test`, kind, result: 'match', errorCode: null, authorityRef: `test-${kind}`,
      checked: [{ field: 'name', hash: h(who.name), masked: '*' }, { field: 'idNumber', hash: h(who.idNumber), masked: '*' }],
      at: new Date().toISOString(), latencyMs: 1, subjectPersonId: personId, actor: 'test',
    });
  }
}

/** Raises the person to `level` of the default ladder. */
export const raiseTo = (c: Container, personId: string, who: { name: string; idNumber: string }, level: keyof typeof LEVEL_KINDS) =>
  grantEvidence(c, personId, who, LEVEL_KINDS[level]);
