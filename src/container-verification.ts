/**
 * Wiring of the verification part of the container: stores, channel registry and its sync with
 * the database, channel administration, the assurance ladder, and the services built on them.
 */
import type { Audit } from './audit/audit.ts';
import type { Config } from './config.ts';
import type { FieldCrypto } from './crypto/field-crypto.ts';
import type { PersonService } from './identity/persons.ts';
import type { Logger } from './logger.ts';
import type { ChangeFeed } from './store/change-feed.ts';
import type { Database } from './store/db.ts';
import type { RateLimitStore } from './store/rate-limits.ts';
import { ChannelStore } from './store/verification-channels.ts';
import type { EvidenceSink } from './verification/evidence.ts';
import { EvidenceStore } from './store/verification-evidence.ts';
import { QuotaCounterStore } from './store/verification-quota.ts';
import { AssuranceService } from './verification/assurance.ts';
import { loadLadder, type AssuranceLadder } from './verification/assurance-ladder.ts';
import { ChannelAdmin } from './verification/channel-admin.ts';
import { ChannelRecords } from './verification/channel-records.ts';
import { ChannelRegistry } from './verification/channel-registry.ts';
import { ChannelSync } from './verification/channel-sync.ts';
import { EnterpriseVerifier } from './verification/enterprise-verification.ts';
import { PaidCheckLimiter } from './verification/paid-check-limits.ts';
import { quotaDay } from './verification/quota.ts';
import { VerificationService } from './verification/verification-service.ts';

export interface VerificationModule {
  ladder: AssuranceLadder;
  registry: ChannelRegistry;
  channelSync: ChannelSync;
  channels: ChannelAdmin;
  evidence: EvidenceStore;
  assurance: AssuranceService;
  service: VerificationService;
  enterprises: EnterpriseVerifier;
  /** Rate limits of paid checks, shared by person and enterprise checks. */
  limiter: PaidCheckLimiter;
  close(): Promise<void>;
  resealStale(): Promise<number>;
  rekeyEvidence(): Promise<number>;
}

/** Blind-index context of values in evidence records (distinct from the persons table's). */
export const EVIDENCE_HASH_CONTEXT = 'verification.evidence';
/** Quota counters are kept a week after their day, for reconciliation with the authority's bill. */
const QUOTA_KEEP_DAYS = 7;

export function createVerification(deps: {
  config: Config;
  db: Database;
  crypto: FieldCrypto;
  persons: PersonService;
  limits: RateLimitStore;
  audit: Audit;
  logger: Logger;
  /** Change notices for the evidence cache (absent on the embedded database). */
  changes?: ChangeFeed;
}): VerificationModule {
  const { config, db, crypto, persons, logger } = deps;
  const ladder = loadLadder(config.assuranceLadderFile);
  const evidence = new EvidenceStore(db.knex, deps.changes);
  const quota = new QuotaCounterStore(db.knex);
  const hash = (value: string) => crypto.blindIndex(value, EVIDENCE_HASH_CONTEXT);
  // After a key rotation, evidence hashed under a retired key must still count.
  const hashesOf = (value: string) => config.fieldKeys.map((_, i) => crypto.blindIndex(value, EVIDENCE_HASH_CONTEXT, i));
  // Every call to an authority is evidence first, then an audit event naming it (never the values).
  const audited: EvidenceSink = {
    async record(e) {
      await evidence.record(e);
      await deps.audit.record({
        actor: e.actor ?? 'system', action: 'verification.called', target: e.subjectPersonId ?? undefined,
        detail: { channel: e.channelId, kind: e.kind, result: e.result, errorCode: e.errorCode, evidence: e.id, latencyMs: e.latencyMs },
      });
    },
  };
  const registry = new ChannelRegistry({ evidence: audited, hash, quotaStore: quota, client: { logger } });
  const store = new ChannelStore(db.knex);
  const records = new ChannelRecords(crypto);
  const housekeeping = async () => { await quota.sweep(quotaDay(Date.now() - QUOTA_KEEP_DAYS * 86_400_000)); };
  const channelSync = new ChannelSync(store, records, registry, logger, config.channelReloadIntervalMs, housekeeping);
  const channels = new ChannelAdmin(store, records, channelSync, registry, evidence, quota, deps.audit);
  const assurance = new AssuranceService({
    ladder,
    person: (id) => persons.get(id),
    matchesOf: (id, kinds, since) => evidence.matchesOf(id, kinds, since),
    hashesOf,
  });
  const limiter = new PaidCheckLimiter(deps.limits);
  const ready = () => channelSync.ready();
  const service = new VerificationService({ person: (id) => persons.get(id), registry, ready, assurance, limiter, idNumberIndex: hash });
  const enterprises = new EnterpriseVerifier({ registry, ready, limiter, idNumberIndex: hash });
  return {
    ladder, registry, channelSync, channels, evidence, assurance, service, enterprises, limiter,
    close: () => channelSync.stop(),
    // After a field-key rotation (`npm run cli -- reencrypt`): channel credentials re-sealed, and
    // the identity hashes in evidence re-keyed so levels survive dropping the old key.
    async resealStale() {
      let n = 0;
      for (const row of await store.list()) {
        const write = records.resealed(row);
        if (write && (await store.update(write))) n += 1;
      }
      return n;
    },
    async rekeyEvidence() {
      let n = 0;
      let after = '00000000-0000-0000-0000-000000000000';
      const identity = new Map<string, Record<string, string> | null>();
      for (;;) {
        const rows = await evidence.subjectBatch(after, 500);
        if (rows.length === 0) return n;
        for (const row of rows) {
          after = row.id;
          if (!identity.has(row.subject_person_id)) {
            const p = await persons.get(row.subject_person_id);
            identity.set(row.subject_person_id, p ? { idNumber: p.idNumber, name: p.name } : null);
          }
          const values = identity.get(row.subject_person_id);
          if (!values) continue;
          let changed = false;
          const checked = row.checked.map((c) => {
            const value = values[c.field];
            if (value === undefined || !hashesOf(value).slice(1).includes(c.hash)) return c;
            changed = true;
            return { ...c, hash: hash(value) };
          });
          if (changed) { await evidence.rekey(row.id, checked); n += 1; }
        }
      }
    },
  };
}
