/**
 * Wiring of the counter desk (窗口) and the dashboard. A reclaim started at the desk is completed
 * by the reclaim flow with the desk's own in-person evidence.
 */
import type { Audit } from './audit/audit.ts';
import type { Throttle } from './authn/throttle.ts';
import type { Config } from './config.ts';
import { EVIDENCE_HASH_CONTEXT, type VerificationModule } from './container-verification.ts';
import type { FieldCrypto } from './crypto/field-crypto.ts';
import { DashboardStats } from './admin/dashboard-stats.ts';
import { CounterDesk, type CounterReclaim } from './identity/counter-desk.ts';
import { Halls } from './identity/counter-halls.ts';
import type { Reclaim } from './identity/reclaim.ts';
import type { EnterpriseService } from './identity/enterprises.ts';
import type { PersonService } from './identity/persons.ts';
import { CounterCheckStore } from './store/counter-checks.ts';
import { DashboardStatsStore } from './store/dashboard-stats.ts';
import type { Database } from './store/db.ts';

/** The desk's reclaim: the flow takes the account over on the clerk's check, as its actor. */
const deskReclaim = (reclaim: Reclaim): CounterReclaim => ({
  reachable: (personId) => reclaim.reachableAtCounter(personId),
  async startAtCounter(i) {
    const { reclaimId } = await reclaim.completeAtCounter({
      personId: i.personId, newPhone: i.newPhone, operator: i.operator, hall: i.hall, reference: i.reference,
      desk: { evidenceId: i.evidenceId, actor: i.operator, ip: i.ip },
    });
    return { reclaimId };
  },
});

export interface DeskModule {
  counter: CounterDesk;
  dashboard: DashboardStats;
}

export function createDesk(deps: {
  config: Config; db: Database; crypto: FieldCrypto; persons: PersonService; enterprises: EnterpriseService;
  verification: VerificationModule; audit: Audit; throttle: Throttle; reclaim: Reclaim;
}): DeskModule {
  const { config, db, crypto, verification } = deps;
  const counter = new CounterDesk({
    store: new CounterCheckStore(db.knex), persons: deps.persons, enterprises: deps.enterprises,
    evidence: verification.evidence, evidenceHash: (value) => crypto.blindIndex(value, EVIDENCE_HASH_CONTEXT),
    levelOf: (personId) => verification.assurance.levelOf(personId),
    audit: deps.audit, throttle: deps.throttle, crypto, halls: new Halls(config.counterHalls), reclaim: deskReclaim(deps.reclaim),
  });
  return { counter, dashboard: new DashboardStats(new DashboardStatsStore(db.knex), verification.ladder) };
}
