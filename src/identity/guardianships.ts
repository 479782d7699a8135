/**
 * Guardians (监护人): a person at the ladder's guardian level adds a minor (name + ID number) and
 * declares the relationship. The minor's person record is created without phone or password (or
 * linked when it exists), so a child under 14 has an account only this way. When the ladder asks
 * for counter evidence the link waits until a service counter confirms it (confirmAtCounter).
 * What the guardian may do, and until when, follows from the ward's age (age-rules.ts).
 */
import { randomUUID } from 'node:crypto';
import type { Audit } from '../audit/audit.ts';
import { AppError } from '../errors.ts';
import type { GuardianRelationship, GuardianshipRow, GuardianshipStore } from '../store/guardianships.ts';
import { ageStage, type AgeStage } from './age-rules.ts';
import { parseIdNumber } from './id-number.ts';
import { parsePersonName } from './person-name.ts';
import type { PersonService } from './persons.ts';
import type { NaturalPersonPolicy } from './natural-person-policy.ts';

export const GUARDIAN_RELATIONSHIPS = ['parent', 'guardian'] as const;

export interface WardInput { name: string; idNumber: string; relationship: string }

/**
 * The ward's name and ID number checked against the population database when a channel of it is
 * enabled: no record of a child is created, or linked, under a name the authority does not know.
 */
export type WardCheck = (ward: { name: string; idNumber: string }, ctx: { ip?: string | undefined; actor: string }) =>
  Promise<{ result: 'unchecked' } | { result: 'mismatch' } | { result: 'match'; evidenceId: string | undefined }>;

export interface WardView {
  guardianshipId: string;
  wardPersonId: string;
  name: string;
  relationship: GuardianRelationship;
  status: 'pending' | 'active';
  stage: AgeStage;
  birthDate: string;
}

export class GuardianshipService {
  constructor(
    private readonly store: GuardianshipStore,
    private readonly persons: PersonService,
    private readonly policy: NaturalPersonPolicy,
    private readonly audit: Audit,
    private readonly wardCheck: WardCheck = async () => ({ result: 'unchecked' }),
    private readonly attachEvidence: (ids: string[], personId: string) => Promise<void> = async () => {},
  ) {}

  /** The guardian declares a ward. Returns the guardianship id and whether it is active yet. */
  async addWard(guardianId: string, input: WardInput, opts: { now?: Date; ip?: string } = {}): Promise<{ id: string; wardPersonId: string; status: 'pending' | 'active'; created: boolean }> {
    const now = opts.now ?? new Date();
    await this.policy.requireGuardian(guardianId);
    const relationship = GUARDIAN_RELATIONSHIPS.find((r) => r === input.relationship);
    if (!relationship) throw new AppError('guardianship.relationship');
    const name = parsePersonName(input.name ?? '');
    if (!name.ok) throw new AppError(name.code);
    const id = parseIdNumber(input.idNumber ?? '', now);
    if (!id.ok) throw new AppError(id.code);
    if (ageStage(id.value.birthDate, now) === 'adult') throw new AppError('guardianship.not_minor');
    const guardian = await this.persons.get(guardianId);
    if (!guardian || guardian.idNumber === id.value.number) throw new AppError('guardianship.self');
    // Fails closed: an outage or a throttle of the channel throws, and nothing is created.
    const checked = await this.wardCheck({ name: name.value, idNumber: id.value.number }, { ip: opts.ip, actor: guardianId });
    if (checked.result === 'mismatch') throw new AppError('guardianship.details_mismatch');
    const ward = await this.persons.addWard(name.value, id.value.number);
    // The record exists under another name: the declaration does not describe it.
    if (!ward.nameMatches) throw new AppError('guardianship.details_mismatch');
    if (checked.result === 'match' && checked.evidenceId) await this.attachEvidence([checked.evidenceId], ward.id);
    const counter = this.policy.rules.relationshipEvidence === 'counter';
    const status = counter ? 'pending' : 'active';
    const guardianshipId = randomUUID();
    const inserted = await this.store.insert({
      id: guardianshipId, guardian_person_id: guardianId, ward_person_id: ward.id, relationship, status,
      evidence: counter ? 'counter' : 'declared', confirmed_at: counter ? null : now,
    });
    if (!inserted) throw new AppError('guardianship.exists');
    // The ward is named by its person id only (a pseudonymous reference), never by ID number.
    await this.audit.record({ actor: guardianId, action: 'guardianship.added', target: guardianshipId, detail: { ward: ward.id, relationship, status, wardRecordCreated: ward.created, populationCheck: checked.result } });
    return { id: guardianshipId, wardPersonId: ward.id, status, created: ward.created };
  }

  /** A service counter checked the household register or guardianship papers (a desk built elsewhere calls this). */
  async confirmAtCounter(guardianshipId: string, counter: { operator: string; evidenceRef: string }, now = new Date()): Promise<void> {
    if (!counter.operator || !counter.evidenceRef) throw new AppError('guardianship.counter_ref');
    const g = await this.require(guardianshipId);
    await this.policy.requireGuardian(g.guardian_person_id);
    if (!(await this.store.transition(guardianshipId, ['pending'], 'active', { evidence: 'counter', evidence_ref: counter.evidenceRef, confirmed_at: now }))) {
      throw new AppError('guardianship.not_pending');
    }
    await this.audit.record({ actor: counter.operator, action: 'guardianship.confirmed_at_counter', target: guardianshipId, detail: { ref: counter.evidenceRef } });
  }

  /** The guardian gives the guardianship up (another guardian's link is untouched). */
  async end(guardianId: string, guardianshipId: string, now = new Date()): Promise<void> {
    const g = await this.require(guardianshipId);
    if (g.guardian_person_id !== guardianId) throw new AppError('guardianship.not_found');
    if (!(await this.store.transition(guardianshipId, ['pending', 'active'], 'ended', { ended_at: now, ended_by: guardianId }))) {
      throw new AppError('guardianship.already_ended');
    }
    await this.audit.record({ actor: guardianId, action: 'guardianship.ended', target: guardianshipId, detail: { ward: g.ward_person_id } });
  }

  /** The guardian's wards, with their stage today (adults drop out: the guardianship has ended by itself). */
  async wardsOf(guardianId: string, now = new Date()): Promise<WardView[]> {
    const views: WardView[] = [];
    for (const g of await this.store.ofGuardian(guardianId)) {
      const view = await this.view(g, now);
      if (view && view.stage !== 'adult') views.push(view);
    }
    return views;
  }

  /** Live guardianships of a guardian whose wards are still minors, each with the ward's birth date. */
  async activeWards(guardianId: string, now = new Date()): Promise<WardView[]> {
    return (await this.wardsOf(guardianId, now)).filter((w) => w.status === 'active');
  }

  find(id: string): Promise<GuardianshipRow | undefined> {
    return this.store.find(id);
  }

  private async view(g: GuardianshipRow, now: Date): Promise<WardView | undefined> {
    const ward = await this.persons.get(g.ward_person_id);
    if (!ward || ward.status === 'closed' || ward.status === 'disabled') return undefined;
    const id = parseIdNumber(ward.idNumber, now);
    if (!id.ok) return undefined;
    return {
      guardianshipId: g.id, wardPersonId: g.ward_person_id, name: ward.name, relationship: g.relationship,
      status: g.status === 'active' ? 'active' : 'pending', stage: ageStage(id.value.birthDate, now), birthDate: id.value.birthDate,
    };
  }

  private async require(id: string): Promise<GuardianshipRow> {
    const g = await this.store.find(id);
    if (!g) throw new AppError('guardianship.not_found');
    return g;
  }
}
