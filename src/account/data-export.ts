/**
 * "Download my data" (PIPL art. 45): one JSON document of everything Yihao holds about the
 * person. Their own identifying data appears in full (it is theirs); secrets never do (password
 * hash, authenticator secret, passkey keys, code hashes, channel credentials), nor anyone else's
 * data. The document is versioned (`schema`) so that a reader can tell its shape.
 */
import type { AuditFilter, StoredAuditEvent } from '../store/audit.ts';
import type { DelegationEntry, PersonalDataStore } from '../store/personal-data.ts';
import type { Audit } from '../audit/audit.ts';
import type { PersonService } from '../identity/persons.ts';
import type { ConsentView } from './consents.ts';
import type { SessionView } from './sso-sessions.ts';
import { AppError } from '../errors.ts';

export const EXPORT_SCHEMA = 'https://yihao.gov.cn/schemas/personal-data/1';
export const EXPORT_SCHEMA_VERSION = 1;

export interface DataExportDeps {
  persons: PersonService;
  store: PersonalDataStore;
  audit: Audit;
  issuer: string;
  consents(accountId: string): Promise<ConsentView[]>;
  sessions(accountId: string, currentSid: string): Promise<SessionView[]>;
  /** The assurance level held now: its id and names. */
  level(accountId: string): Promise<{ id: string; name: Record<string, string> }>;
  auditEvents(filter: AuditFilter): AsyncIterable<StoredAuditEvent>;
  closure(accountId: string): Promise<{ requestedAt: Date; dueAt: Date } | undefined>;
  /** Guardianships held and assisted-service authorisations granted or held, as the family page shows them. */
  family?(accountId: string): Promise<Record<string, unknown>>;
  /** Visits to a service counter (窗口), as the account page lists them. */
  counterVisits?(accountId: string): Promise<Array<{ act: string; hall: string; reference: string; documentType: string; card: string; at: Date }>>;
}

const iso = (d: Date | null | undefined) => (d ? new Date(d).toISOString() : null);

const delegation = (d: DelegationEntry) => ({
  id: d.id,
  enterprise: { creditCode: d.credit_code, name: d.enterprise_name },
  allPlatforms: d.all_platforms,
  platforms: d.platforms,
  status: d.status,
  createdAt: iso(d.created_at),
  acceptedAt: iso(d.accepted_at),
  expiresAt: iso(d.expires_at),
  endedAt: iso(d.ended_at),
});

export class DataExport {
  constructor(private readonly d: DataExportDeps) {}

  /** The document for the account, recorded in the audit trail (that it was made, not what it held). */
  async build(accountId: string, currentSid: string, ip: string): Promise<Record<string, unknown>> {
    const { d } = this;
    const person = await d.persons.get(accountId);
    if (!person || person.status !== 'active') throw new AppError('account.inactive');
    const [level, evidence, consents, sessions, totp, codes, passkeys, devices, represented, claims, delegations, closure] = await Promise.all([
      d.level(accountId),
      d.store.evidence(accountId),
      d.consents(accountId),
      d.sessions(accountId, currentSid),
      d.store.authenticatorApp(accountId),
      d.store.recoveryCodes(accountId),
      d.store.passkeys(accountId),
      d.store.devices(accountId),
      d.store.representedEnterprises(accountId),
      d.store.representativeClaims(accountId),
      d.store.delegations(accountId, d.persons.idNumberIndexes(person.idNumber)),
      d.closure(accountId),
    ]);
    const [family, visits, reclaims, adminRoles] = await Promise.all([
      d.family?.(accountId), d.counterVisits?.(accountId) ?? [], d.store.reclaims(accountId), d.store.adminRoles(accountId),
    ]);
    const events = [];
    for await (const e of d.auditEvents({ involving: accountId })) {
      events.push({ id: e.id, at: iso(e.at), actor: e.actor, action: e.action, target: e.target, detail: e.detail });
    }
    const document = {
      schema: EXPORT_SCHEMA,
      schemaVersion: EXPORT_SCHEMA_VERSION,
      exportedAt: new Date().toISOString(),
      issuer: d.issuer,
      account: {
        id: person.id,
        status: person.status,
        createdAt: iso(person.createdAt),
        closure: closure ? { requestedAt: iso(closure.requestedAt), dueAt: iso(closure.dueAt) } : null,
      },
      profile: { name: person.name, idNumber: person.idNumber, phone: person.phone, phoneVerifiedAt: iso(person.phoneVerifiedAt) },
      assurance: {
        level: level.id,
        levelName: level.name,
        evidence: evidence.map((e) => ({
          id: e.id, at: iso(e.at), channel: e.channel_id, kind: e.kind, result: e.result, errorCode: e.error_code,
          authorityReference: e.authority_ref, checked: e.checked,
        })),
      },
      consents: consents.map((c) => ({ platform: { clientId: c.clientId, name: c.clientName }, scopes: c.scopes, grantedAt: iso(c.grantedAt), expiresAt: iso(c.expiresAt) })),
      sessions: sessions.map((s) => ({ device: s.device ?? null, loginAt: iso(s.loginAt), expiresAt: iso(s.expiresAt), platforms: s.platforms, current: s.current })),
      devices: devices.map((v) => ({ device: v.user_agent, firstSeenAt: iso(v.first_seen_at), lastSeenAt: iso(v.last_seen_at) })),
      secondFactors: {
        authenticatorApp: totp ? { enrolled: totp.enrolled, confirmedAt: iso(totp.confirmed_at), setupPendingSince: iso(totp.pending_since) } : null,
        recoveryCodes: codes.total ? { generatedAt: iso(codes.generated_at), total: codes.total, used: codes.used } : null,
        passkeys: passkeys.map((p) => ({ name: p.name, createdAt: iso(p.created_at), lastUsedAt: iso(p.last_used_at), synced: p.backup_eligible, transports: p.transports })),
      },
      enterprises: {
        represented: represented.map((e) => ({ creditCode: e.credit_code, name: e.name, verifiedAt: iso(e.verified_at) })),
        representativeClaims: claims.map((c) => ({ creditCode: c.credit_code, claimedName: c.claimed_name, status: c.status, createdAt: iso(c.created_at), decidedAt: iso(c.decided_at) })),
        agentAuthorisations: delegations.filter((x) => !x.granted_by_me).map(delegation),
        authorisationsGranted: delegations.filter((x) => x.granted_by_me).map(delegation),
      },
      ...(family ? { family } : {}),
      counterVisits: visits.map((v) => ({ act: v.act, hall: v.hall, reference: v.reference, documentType: v.documentType, card: v.card, at: iso(v.at) })),
      reclaims: reclaims.map((r) => ({ level: r.level, method: r.method, hall: r.hall, reference: r.reference, at: iso(r.created_at) })),
      administrativeRoles: adminRoles.map((g) => ({ role: g.role, platforms: g.platforms, status: g.status, requestedAt: iso(g.requested_at), approvedAt: iso(g.approved_at), revokedAt: iso(g.revoked_at) })),
      auditEvents: events,
    };
    await d.audit.record({ actor: accountId, action: 'person.data_exported', target: accountId, detail: { ip, schemaVersion: EXPORT_SCHEMA_VERSION } });
    return document;
  }
}
