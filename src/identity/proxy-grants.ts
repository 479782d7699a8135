/**
 * Assisted service (代办) for the elderly: a person authorises a relative, named by name + ID
 * number, to act for them at named platforms until an expiry. The grant is confirmed by the
 * grantor with a code texted to the grantor's own phone (or created at a service counter), can
 * be ended by the grantor at any time and given up by the relative. Expired or ended grants stop
 * at once: every use reads the database (no cache).
 */
import { randomUUID } from 'node:crypto';
import type { Audit } from '../audit/audit.ts';
import type { SmsCodes } from '../authn/sms-codes.ts';
import type { FieldCrypto } from '../crypto/field-crypto.ts';
import { AppError } from '../errors.ts';
import type { ProxyGrantRow, ProxyGrantStore, ProxyStatus } from '../store/proxy-grants.ts';
import { ageStage } from './age-rules.ts';
import { parseIdNumber } from './id-number.ts';
import { parsePersonName } from './person-name.ts';
import type { PersonService } from './persons.ts';

export const PROXY_RELATIONSHIPS = ['spouse', 'child', 'parent', 'sibling', 'grandchild', 'other_relative'] as const;
const MAX_VALIDITY_DAYS = 366;
const NAME_CTX = 'proxy.name';
const ID_CTX = 'proxy.id_number';

export interface ProxyInput {
  proxyName: string;
  proxyIdNumber: string;
  relationship: string;
  /** Client ids of the platforms the relative may act at (at least one). */
  platforms: string[];
  expiresAt: Date;
}

export interface ProxyView {
  id: string;
  grantorPersonId: string;
  proxyName: string;
  relationship: string;
  platforms: string[];
  expiresAt: Date;
  status: ProxyStatus;
}

export class ProxyGrantService {
  constructor(
    private readonly store: ProxyGrantStore,
    private readonly persons: PersonService,
    private readonly crypto: FieldCrypto,
    private readonly smsCodes: SmsCodes,
    /** Whether a client id names a registered platform. */
    private readonly platformExists: (clientId: string) => Promise<boolean>,
    private readonly audit: Audit,
  ) {}

  // The relative is named in the audit trail by the grant id only: their ID number never is.
  private record(actor: string, action: string, g: { id: string }, detail: Record<string, unknown> = {}) {
    return this.audit.record({ actor, action: `proxy.${action}`, target: g.id, detail });
  }

  /** Records the grant, waiting for the grantor's code. */
  async request(grantorId: string, input: ProxyInput, now = new Date()): Promise<string> {
    const row = await this.validate(grantorId, input, now);
    await this.store.insert({ ...row, status: 'pending' });
    await this.record(grantorId, 'requested', row, { platforms: row.platforms, relationship: row.relationship, expires: row.expires_at.toISOString() });
    return row.id;
  }

  /** A service counter checked the grantor in person and took the grant down (a desk built elsewhere calls this). */
  async grantAtCounter(grantorId: string, input: ProxyInput, counter: { operator: string; evidenceRef: string }, now = new Date()): Promise<string> {
    if (!counter.operator || !counter.evidenceRef) throw new AppError('proxy.counter_ref');
    const row = await this.validate(grantorId, input, now);
    await this.store.insert({ ...row, status: 'active', confirmed_via: 'counter', evidence_ref: counter.evidenceRef, confirmed_at: now });
    await this.record(counter.operator, 'granted_at_counter', row, { grantor: grantorId, platforms: row.platforms, relationship: row.relationship, expires: row.expires_at.toISOString(), ref: counter.evidenceRef });
    return row.id;
  }

  /** Texts the confirmation code to the grantor's own phone; the code is bound to this grant. */
  async sendCode(grantorId: string, grantId: string, ip: string) {
    await this.pendingOf(grantorId, grantId);
    const sent = await this.smsCodes.sendToAccount('proxy-confirm', grantorId, ip, grantId);
    await this.record(grantorId, 'code_sent', { id: grantId }, { ip });
    return sent;
  }

  /**
   * The grantor's code: checked under the SMS throttles, used once (of parallel correct
   * submissions exactly one wins), and the grant moves pending → active in one conditional statement.
   */
  async confirmWithCode(grantorId: string, grantId: string, codeId: string, code: string, ip: string, now = new Date()): Promise<void> {
    await this.pendingOf(grantorId, grantId);
    if (!(await this.smsCodes.checkForAccount('proxy-confirm', grantorId, codeId, code, ip, grantId))) throw new AppError('sms.invalid_code');
    if (!(await this.store.transition(grantId, ['pending'], 'active', { confirmed_via: 'sms', confirmed_at: now }, true))) throw new AppError('proxy.not_pending');
    await this.record(grantorId, 'confirmed', { id: grantId }, { via: 'sms', ip });
  }

  async revoke(grantorId: string, grantId: string, now = new Date()): Promise<void> {
    const g = await this.store.find(grantId);
    if (!g || g.grantor_person_id !== grantorId) throw new AppError('proxy.not_found');
    if (!(await this.store.transition(grantId, ['pending', 'active'], 'revoked', { ended_at: now }))) throw new AppError('proxy.already_ended');
    await this.record(grantorId, 'revoked', g);
  }

  /** The relative gives the authorisation up. */
  async resign(personId: string, grantId: string, now = new Date()): Promise<void> {
    const g = await this.store.find(grantId);
    if (!g || !(await this.addressedTo(g, personId))) throw new AppError('proxy.not_found');
    if (!(await this.store.transition(grantId, ['active'], 'resigned', { ended_at: now }))) throw new AppError('proxy.already_ended');
    await this.record(personId, 'resigned', g, { grantor: g.grantor_person_id });
  }

  /** Grants a person made that are waiting or live (expired ones show as such). */
  async ofGrantor(grantorId: string): Promise<ProxyView[]> {
    return (await this.store.ofGrantor(grantorId)).map((g) => this.view(g));
  }

  /** Live, unexpired grants naming this person (ID number and name), for any platform. */
  async heldBy(personId: string): Promise<ProxyView[]> {
    const person = await this.persons.get(personId);
    if (!person || person.status !== 'active') return [];
    const rows = await this.store.activeFor(this.persons.idNumberIndexes(person.idNumber));
    return rows.filter((g) => g.grantor_person_id !== personId && this.crypto.decrypt(g.proxy_name_enc, NAME_CTX) === person.name).map((g) => this.view(g));
  }

  find(grantId: string): Promise<ProxyGrantRow | undefined> {
    return this.store.find(grantId);
  }

  private async addressedTo(g: ProxyGrantRow, personId: string): Promise<boolean> {
    const person = await this.persons.get(personId);
    return Boolean(person && this.persons.idNumberIndexes(person.idNumber).includes(g.proxy_id_number_bidx)
      && this.crypto.decrypt(g.proxy_name_enc, NAME_CTX) === person.name);
  }

  private async pendingOf(grantorId: string, grantId: string): Promise<ProxyGrantRow> {
    const g = await this.store.find(grantId);
    if (!g || g.grantor_person_id !== grantorId) throw new AppError('proxy.not_found');
    if (g.status !== 'pending' || g.expires_at <= new Date()) throw new AppError('proxy.not_pending');
    return g;
  }

  private async validate(grantorId: string, input: ProxyInput, now: Date) {
    const grantor = await this.persons.get(grantorId);
    if (!grantor || grantor.status !== 'active') throw new AppError('account.inactive');
    const relationship = PROXY_RELATIONSHIPS.find((r) => r === input.relationship);
    if (!relationship) throw new AppError('proxy.relationship');
    const name = parsePersonName(input.proxyName ?? '');
    if (!name.ok) throw new AppError(name.code);
    const id = parseIdNumber(input.proxyIdNumber ?? '', now);
    if (!id.ok) throw new AppError(id.code);
    if (grantor.idNumber === id.value.number) throw new AppError('proxy.self');
    // Both sides are adults: a minor is represented by a guardian instead (guardianships.ts).
    const grantorNumber = parseIdNumber(grantor.idNumber, now);
    if (!grantorNumber.ok || ageStage(grantorNumber.value.birthDate, now) !== 'adult' || ageStage(id.value.birthDate, now) !== 'adult') throw new AppError('proxy.minor');
    const expires = input.expiresAt;
    if (!(expires instanceof Date) || Number.isNaN(expires.getTime()) || expires <= now) throw new AppError('proxy.expiry_past');
    if (expires.getTime() - now.getTime() > MAX_VALIDITY_DAYS * 86_400_000) throw new AppError('proxy.expiry_too_far');
    const platforms = [...new Set(input.platforms.filter(Boolean))];
    if (platforms.length === 0) throw new AppError('proxy.no_platforms');
    for (const p of platforms) if (!(await this.platformExists(p))) throw new AppError('proxy.no_platforms');
    return {
      id: randomUUID(), grantor_person_id: grantorId, relationship, platforms, expires_at: expires,
      proxy_name_enc: this.crypto.encrypt(name.value, NAME_CTX), proxy_id_number_enc: this.crypto.encrypt(id.value.number, ID_CTX),
      proxy_id_number_bidx: this.persons.idNumberIndex(id.value.number),
    };
  }

  private view(g: ProxyGrantRow): ProxyView {
    return {
      id: g.id, grantorPersonId: g.grantor_person_id, proxyName: this.crypto.decrypt(g.proxy_name_enc, NAME_CTX),
      relationship: g.relationship, platforms: g.platforms, expiresAt: g.expires_at, status: g.status,
    };
  }
}
