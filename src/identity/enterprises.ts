/**
 * Legal persons and their legal representatives. A person claims to represent an enterprise; the
 * claim stays pending until the business registry (or an operator at a counter) confirms it. When
 * the representative changes, every agent's authority is suspended until the new one confirms it.
 */
import { randomUUID } from 'node:crypto';
import { AppError } from '../errors.ts';
import type { ClaimRow, EnterpriseRow, EnterpriseStore } from '../store/enterprises.ts';
import type { DelegationStore } from '../store/delegations.ts';
import { parseCreditCode } from './credit-code.ts';
import type { PersonService } from './persons.ts';
import type { RepresentationPolicy } from './representation-policy.ts';

/** The business-registry check (issue 4's channel) as this module needs it. */
export type RegistryCheck = (input: {
  creditCode: string; name: string; legalRepName: string; legalRepIdNumber: string; personId: string;
}) => Promise<{ match: boolean; authorityRef: string | null }>;

export interface ClaimDecision { status: 'verified' | 'rejected'; representativeChanged: boolean; suspendedDelegations: string[] }

export class EnterpriseService {
  constructor(
    private readonly store: EnterpriseStore,
    private readonly delegations: DelegationStore,
    private readonly persons: PersonService,
    private readonly policy: RepresentationPolicy,
  ) {}

  /** A logged-in person claims to be the legal representative of the enterprise with this code. */
  async claim(personId: string, input: { creditCode: string; name: string }): Promise<{ enterprise: EnterpriseRow; claimId: string }> {
    await this.policy.requireForClaim(personId);
    const code = parseCreditCode(input.creditCode ?? '');
    if (!code.ok) throw new AppError(code.code);
    const name = (input.name ?? '').trim();
    if (name.length < 2 || name.length > 120) throw new AppError('enterprise.name_invalid');
    const enterprise = await this.store.ensure({ id: randomUUID(), credit_code: code.value.code, name, category: code.value.category });
    if (enterprise.legal_rep_person_id === personId) throw new AppError('enterprise.already_representative');
    const claimId = randomUUID();
    if (!(await this.store.insertClaim({ id: claimId, enterprise_id: enterprise.id, person_id: personId, claimed_name: name }))) {
      throw new AppError('enterprise.claim_pending');
    }
    return { enterprise, claimId };
  }

  /** Confirms a pending claim (after a registry match or an in-person check). */
  async verifyClaim(claimId: string, by: string, ref: string | null): Promise<ClaimDecision> {
    return this.store.transaction(async (store, trx) => {
      const claim = await this.pendingClaim(store, claimId);
      const enterprise = (await store.findById(claim.enterprise_id))!;
      const changed = enterprise.legal_rep_person_id !== null && enterprise.legal_rep_person_id !== claim.person_id;
      if (!(await store.decideClaim(claimId, 'verified', by, ref))) throw new AppError('enterprise.claim_decided');
      await store.supersedeOtherClaims(enterprise.id, claimId, by);
      await store.setRepresentative(enterprise.id, claim.person_id, claim.claimed_name);
      const suspended = changed ? await this.delegations.within(trx).suspendAll(enterprise.id) : [];
      return { status: 'verified', representativeChanged: changed, suspendedDelegations: suspended };
    });
  }

  async rejectClaim(claimId: string, by: string, ref: string | null): Promise<ClaimDecision> {
    await this.pendingClaim(this.store, claimId);
    if (!(await this.store.decideClaim(claimId, 'rejected', by, ref))) throw new AppError('enterprise.claim_decided');
    return { status: 'rejected', representativeChanged: false, suspendedDelegations: [] };
  }

  /** Checks a pending claim against the business registry and decides it by the answer. */
  async verifyClaimWithRegistry(claimId: string, check: RegistryCheck): Promise<ClaimDecision> {
    const claim = await this.pendingClaim(this.store, claimId);
    const enterprise = (await this.store.findById(claim.enterprise_id))!;
    const person = await this.persons.get(claim.person_id);
    if (!person) throw new AppError('person.not_found');
    // Again here: the level may have dropped (evidence expired) since the claim was made.
    await this.policy.requireForClaim(person.id);
    const answer = await check({
      creditCode: enterprise.credit_code, name: claim.claimed_name,
      legalRepName: person.name, legalRepIdNumber: person.idNumber, personId: person.id,
    });
    return answer.match
      ? this.verifyClaim(claimId, 'business_registry', answer.authorityRef)
      : this.rejectClaim(claimId, 'business_registry', answer.authorityRef);
  }

  private async pendingClaim(store: EnterpriseStore, claimId: string): Promise<ClaimRow> {
    const claim = await store.findClaim(claimId);
    if (!claim) throw new AppError('enterprise.claim_not_found');
    if (claim.status !== 'pending') throw new AppError('enterprise.claim_decided');
    return claim;
  }

  pendingClaims(creditCode?: string): Promise<ClaimRow[]> {
    if (!creditCode) return this.store.pendingClaims();
    return this.store.findByCode(creditCode).then((e) => (e ? this.store.pendingClaims(e.id) : []));
  }

  findClaim(claimId: string) { return this.store.findClaim(claimId); }
  claimsOf(personId: string) { return this.store.claimsOf(personId); }
  representedBy(personId: string) { return this.store.representedBy(personId); }
  findById(id: string) { return this.store.findById(id); }
  /** Security administrators' search: exact credit code or part of the name. */
  page(filter: { creditCode?: string | undefined; name?: string | undefined }, afterId: string | null, limit: number) { return this.store.page(filter, afterId, limit); }

  /** Suspends (or reinstates) an enterprise: while suspended no one acts for it, at once. */
  async setSuspended(id: string, suspended: boolean): Promise<EnterpriseRow> {
    const e = await this.store.findById(id);
    if (!e) throw new AppError('enterprise.not_found');
    if (Boolean(e.suspended_at) === suspended) throw new AppError('admin.already_in_state', `the enterprise is ${suspended ? 'suspended' : 'not suspended'} already`);
    await this.store.setSuspended(id, suspended);
    return (await this.store.findById(id))!;
  }
  findByCode(code: string) { return this.store.findByCode(code); }
}
