/**
 * `reencrypt`: after a field-key rotation (new FIELD_ENCRYPTION_KEY, the previous one moved to
 * FIELD_ENCRYPTION_OLD_KEYS), re-encrypts and re-indexes every sealed value under the new key.
 * Lookups keep working throughout; when it reports nothing left, the old key can be dropped.
 */
import type { Container } from '../container.ts';
import type { CommandIO } from './io.ts';
import { UNNAMED, type CliOperator } from './operator.ts';

export async function reencryptCommand(_args: string[], io: CommandIO, c: Container, op: CliOperator = UNNAMED): Promise<number> {
  const counts = {
    persons: await c.persons.resealStale(),
    delegations: await c.delegations.resealStale(),
    clients: await c.clients.resealStale(),
    channels: await c.verification.resealStale(),
    evidence: await c.verification.rekeyEvidence(),
    authenticators: await c.factors.totp.resealStale(),
    // Card numbers presented at counters (a reader payload is only a keyed hash: it stays as is).
    counterChecks: await c.desk.counter.resealStale(),
  };
  await c.audit.record({ actor: op.actor, action: 'crypto.reencrypted', detail: { ...op.detail, ...counts, keyId: c.crypto.currentKeyId } });
  for (const [what, n] of Object.entries(counts)) io.out(`${what}: ${n} re-encrypted`);
  io.out(`every sealed value is now under key ${c.crypto.currentKeyId}; FIELD_ENCRYPTION_OLD_KEYS can be removed`);
  // Recovery codes are kept only as keyed hashes: they cannot be re-keyed, and they keep working
  // only while the key they were hashed under is configured.
  io.out('second-factor recovery codes generated before the rotation stop working once the old key is removed (people generate new ones)');
  return 0;
}
