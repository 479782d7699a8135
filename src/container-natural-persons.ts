/** Wiring of natural persons acting for natural persons: guardians and assisted service (代办). */
import type { Audit } from './audit/audit.ts';
import type { SmsCodes } from './authn/sms-codes.ts';
import type { VerificationModule } from './container-verification.ts';
import type { FieldCrypto } from './crypto/field-crypto.ts';
import { GuardianshipService } from './identity/guardianships.ts';
import { NaturalPersonPolicy } from './identity/natural-person-policy.ts';
import { PersonRoles } from './identity/person-roles.ts';
import type { PersonService } from './identity/persons.ts';
import { ProxyGrantService } from './identity/proxy-grants.ts';
import type { ClientRegistry } from './oidc/client-registry.ts';
import type { Database } from './store/db.ts';
import { GuardianshipStore } from './store/guardianships.ts';
import { ProxyGrantStore } from './store/proxy-grants.ts';
import { guardianshipRules } from './verification/assurance-ladder.ts';

export interface NaturalPersonModule {
  /** Minimum levels of guardians and proxies, and the evidence a guardianship needs (ladder file). */
  policy: NaturalPersonPolicy;
  guardianships: GuardianshipService;
  proxies: ProxyGrantService;
  /** Whom a person may act for among natural persons at a platform, and their per-session choice. */
  personRoles: PersonRoles;
  /**
   * Ends what a person holds over others: the guardianships where they are guardian and the
   * authorisations they granted (account closed; an account reclaimed from a squatter). Audited.
   */
  endAllOf(personId: string, actor: string): Promise<{ guardianships: number; proxyGrants: number }>;
}

export function createNaturalPersons(d: { db: Database; crypto: FieldCrypto; persons: PersonService; smsCodes: SmsCodes; clients: ClientRegistry; verification: VerificationModule; audit: Audit }): NaturalPersonModule {
  const policy = new NaturalPersonPolicy(async (personId) => (await d.verification.assurance.levelOf(personId)).index, guardianshipRules(d.verification.ladder));
  const proxyStore = new ProxyGrantStore(d.db.knex);
  const guardianshipStore = new GuardianshipStore(d.db.knex);
  const { service, evidence } = d.verification;
  const guardianships = new GuardianshipService(guardianshipStore, d.persons, policy, d.audit,
    async (ward, ctx) => {
      if ((await service.enabledKinds(['population'])).length === 0) return { result: 'unchecked' };
      const out = await service.checkApplicant({ ...ward, mobile: '' }, ['population'], { ip: ctx.ip, actor: ctx.actor });
      return out.result === 'match' ? { result: 'match', evidenceId: out.evidenceId } : { result: 'mismatch' };
    },
    async (ids, personId) => { await evidence.attach(ids, personId); });
  const proxies = new ProxyGrantService(proxyStore, d.persons, d.crypto, d.smsCodes,
    async (clientId) => Boolean(await d.clients.providerMetadata(clientId)), d.audit);
  return {
    policy, guardianships, proxies, personRoles: new PersonRoles(guardianships, proxies, d.persons, policy, proxyStore),
    async endAllOf(personId, actor) {
      const ended = await guardianshipStore.endAllOfGuardian(personId, actor);
      const revoked = await proxyStore.endAllOfGrantor(personId);
      if (ended.length + revoked.length > 0) {
        await d.audit.record({ actor, action: 'natural_persons.ended_all', target: personId, detail: { guardianships: ended, proxyGrants: revoked } });
      }
      return { guardianships: ended.length, proxyGrants: revoked.length };
    },
  };
}
