/**
 * Agents (经办人): the legal representative grants a named person (name + ID number) the right to
 * act for the enterprise, for all platforms or named ones, until an expiry. The agent accepts;
 * either side can end it. No password is ever shared.
 */
import { randomUUID } from 'node:crypto';
import type { FieldCrypto } from '../crypto/field-crypto.ts';
import { AppError } from '../errors.ts';
import type { DelegationRow, DelegationStatus, DelegationStore } from '../store/delegations.ts';
import type { EnterpriseStore } from '../store/enterprises.ts';
import { parseIdNumber } from './id-number.ts';
import { parsePersonName } from './person-name.ts';
import type { PersonService } from './persons.ts';
import type { RepresentationPolicy } from './representation-policy.ts';

const MAX_VALIDITY_DAYS = 3 * 366;
const NAME_CTX = 'delegation.agent_name';
const ID_CTX = 'delegation.agent_id_number';

export interface GrantInput {
  agentName: string;
  agentIdNumber: string;
  allPlatforms: boolean;
  platforms: string[];
  expiresAt: Date;
}

export interface DelegationView {
  id: string;
  enterpriseId: string;
  agentName: string;
  allPlatforms: boolean;
  platforms: string[];
  expiresAt: Date;
  status: DelegationStatus;
  expired: boolean;
  /** Suspended by a security administrator (the representative cannot confirm it back). */
  adminSuspended: boolean;
}

export class DelegationService {
  constructor(
    private readonly store: DelegationStore,
    private readonly enterprises: EnterpriseStore,
    private readonly persons: PersonService,
    private readonly crypto: FieldCrypto,
    private readonly policy: RepresentationPolicy,
  ) {}

  private async requireRepresentative(personId: string, enterpriseId: string): Promise<void> {
    const enterprise = await this.enterprises.findById(enterpriseId);
    if (!enterprise || enterprise.legal_rep_person_id !== personId) throw new AppError('delegation.not_representative');
  }

  async grant(repId: string, enterpriseId: string, input: GrantInput, now = new Date()): Promise<string> {
    await this.requireRepresentative(repId, enterpriseId);
    const name = parsePersonName(input.agentName ?? '');
    if (!name.ok) throw new AppError(name.code);
    const id = parseIdNumber(input.agentIdNumber ?? '');
    if (!id.ok) throw new AppError(id.code);
    const bidx = this.persons.idNumberIndex(id.value.number);
    const rep = await this.persons.get(repId);
    if (rep?.idNumber === id.value.number) throw new AppError('delegation.self');
    const expires = input.expiresAt;
    if (!(expires instanceof Date) || Number.isNaN(expires.getTime()) || expires <= now) throw new AppError('delegation.expiry_past');
    if (expires.getTime() - now.getTime() > MAX_VALIDITY_DAYS * 86_400_000) throw new AppError('delegation.expiry_too_far');
    const platforms = input.allPlatforms ? [] : [...new Set(input.platforms.filter(Boolean))];
    if (!input.allPlatforms && platforms.length === 0) throw new AppError('delegation.no_platforms');
    const delegationId = randomUUID();
    await this.store.insert({
      id: delegationId, enterprise_id: enterpriseId, granted_by: repId,
      agent_name_enc: this.crypto.encrypt(name.value, NAME_CTX), agent_id_number_bidx: bidx,
      agent_id_number_enc: this.crypto.encrypt(id.value.number, ID_CTX),
      all_platforms: input.allPlatforms, platforms, expires_at: expires,
    });
    return delegationId;
  }

  /** The named person accepts: their ID number and name must be the ones the grant names. */
  async accept(personId: string, delegationId: string, now = new Date()): Promise<void> {
    const d = await this.require(delegationId);
    const person = await this.persons.get(personId);
    const addressedToMe = person && this.persons.idNumberIndexes(person.idNumber).includes(d.agent_id_number_bidx)
      && this.crypto.decrypt(d.agent_name_enc, NAME_CTX) === person.name;
    if (!addressedToMe) throw new AppError('delegation.not_addressed');
    if (d.expires_at <= now) throw new AppError('delegation.expired');
    await this.policy.requireForAgent(personId);
    if (!(await this.store.transition(delegationId, ['offered'], 'active', { agent_person_id: personId, accepted_at: now }))) {
      throw new AppError('delegation.not_offered');
    }
  }

  async decline(personId: string, delegationId: string): Promise<void> {
    const d = await this.require(delegationId);
    const person = await this.persons.get(personId);
    if (!person || !this.persons.idNumberIndexes(person.idNumber).includes(d.agent_id_number_bidx)) throw new AppError('delegation.not_addressed');
    if (!(await this.store.transition(delegationId, ['offered'], 'declined', { ended_at: new Date() }))) throw new AppError('delegation.not_offered');
  }

  async revoke(repId: string, delegationId: string): Promise<void> {
    const d = await this.require(delegationId);
    await this.requireRepresentative(repId, d.enterprise_id);
    if (!(await this.store.transition(delegationId, ['offered', 'active', 'suspended'], 'revoked', { ended_at: new Date() }))) {
      throw new AppError('delegation.already_ended');
    }
  }

  async resign(agentId: string, delegationId: string): Promise<void> {
    const d = await this.require(delegationId);
    if (d.agent_person_id !== agentId) throw new AppError('delegation.not_addressed');
    if (!(await this.store.transition(delegationId, ['active', 'suspended'], 'resigned', { ended_at: new Date() }))) {
      throw new AppError('delegation.already_ended');
    }
  }

  /** A new representative confirms an agent suspended by the change of representative. */
  async confirm(repId: string, delegationId: string, now = new Date()): Promise<void> {
    const d = await this.require(delegationId);
    await this.requireRepresentative(repId, d.enterprise_id);
    if (d.expires_at <= now) throw new AppError('delegation.expired');
    if (d.admin_suspended_at) throw new AppError('delegation.suspended_by_admin');
    const to = d.agent_person_id ? 'active' : 'offered';
    if (!(await this.store.transition(delegationId, ['suspended'], to, { granted_by: repId }))) throw new AppError('delegation.not_suspended');
  }

  async forEnterprise(repId: string, enterpriseId: string): Promise<DelegationView[]> {
    await this.requireRepresentative(repId, enterpriseId);
    return (await this.store.forEnterprise(enterpriseId)).map((d) => this.view(d));
  }

  async forAgent(personId: string): Promise<DelegationView[]> {
    const person = await this.persons.get(personId);
    if (!person) return [];
    return (await this.store.forAgent(personId, this.persons.idNumberIndexes(person.idNumber))).map((d) => this.view(d));
  }

  /** Security administrators: any authorisation, masked as the representative sees it. */
  async show(id: string): Promise<DelegationView> {
    return this.view(await this.require(id));
  }

  async page(filter: { enterpriseId?: string | undefined; status?: DelegationStatus | undefined }, afterId: string | null, limit: number): Promise<DelegationView[]> {
    return (await this.store.page(filter, afterId, limit)).map((d) => this.view(d));
  }

  /** A security administrator suspends a live authorisation; only an administrator reinstates it. */
  async suspendByAdmin(id: string): Promise<DelegationView> {
    await this.require(id);
    if (!(await this.store.transition(id, ['offered', 'active'], 'suspended', { admin_suspended_at: new Date() }))) throw new AppError('delegation.not_live');
    return this.show(id);
  }

  async reinstateByAdmin(id: string, now = new Date()): Promise<DelegationView> {
    const d = await this.require(id);
    if (!d.admin_suspended_at) throw new AppError('delegation.not_suspended');
    if (d.expires_at <= now) throw new AppError('delegation.expired');
    const to = d.agent_person_id ? 'active' : 'offered';
    if (!(await this.store.transition(id, ['suspended'], to, { admin_suspended_at: null }))) throw new AppError('delegation.not_suspended');
    return this.show(id);
  }

  /** Re-encrypts and re-indexes delegations sealed under a retired key. */
  async resealStale(batch = 500): Promise<number> {
    let total = 0;
    for (;;) {
      const rows = await this.store.staleBatch(this.crypto.currentKeyId, batch);
      if (rows.length === 0) return total;
      for (const d of rows) {
        const idNumber = this.crypto.decrypt(d.agent_id_number_enc, ID_CTX);
        await this.store.reseal(d.id, {
          agent_name_enc: this.crypto.encrypt(this.crypto.decrypt(d.agent_name_enc, NAME_CTX), NAME_CTX),
          agent_id_number_enc: this.crypto.encrypt(idNumber, ID_CTX),
          agent_id_number_bidx: this.persons.idNumberIndex(idNumber),
        });
      }
      total += rows.length;
    }
  }

  private async require(id: string): Promise<DelegationRow> {
    const d = await this.store.find(id);
    if (!d) throw new AppError('delegation.not_found');
    return d;
  }

  private view(d: DelegationRow, now = new Date()): DelegationView {
    return {
      id: d.id, enterpriseId: d.enterprise_id, agentName: this.crypto.decrypt(d.agent_name_enc, NAME_CTX),
      allPlatforms: d.all_platforms, platforms: d.platforms, expiresAt: d.expires_at, status: d.status, expired: d.expires_at <= now,
      adminSuspended: Boolean(d.admin_suspended_at),
    };
  }
}
