/** Builds the account console's dependencies from the container. */
import type { Container } from '../container.ts';
import type { AccountDeps } from './account-router.ts';
import { clientNames } from './client-names.ts';
import { enterpriseSection } from './enterprise-console.ts';
import { Consents } from './consents.ts';
import { PasswordChange } from './password-change.ts';
import { reauth } from './reauth.ts';
import { SsoSessions } from './sso-sessions.ts';
import { DataExport } from './data-export.ts';

/** Also registers the console's built-in client: buildApp runs once the schema is current. */
export function accountDeps(c: Container): AccountDeps {
  c.accountClient.ensure().catch((err) => c.logger.warn({ err }, 'account console client not registered yet; retrying at first use'));
  const names = clientNames(c.clients);
  const enterpriseConsole = {
    enterprises: c.enterprises, delegations: c.delegations, clients: c.clients, audit: c.audit,
    registryCheck: (ip: string) => (claim: Parameters<typeof c.verification.enterprises.verifyEnterprise>[0]) =>
      c.verification.enterprises.verifyEnterprise(claim, { ip }),
    representation: c.representation,
    levelName: (index: number, locale: 'zh-CN' | 'en') => c.verification.ladder.levels[index]!.name[locale],
  };
  // A re-authentication must use the account's authenticator app or passkey when it has one.
  const strongReauth = reauth(async (personId) => (await c.factors.totp.status(personId)).enrolled || (await c.passkeys.list(personId)).length > 0);
  const sessions = new SsoSessions(c.sessions, names);
  const consents = new Consents(c.sessions, names, c.audit);
  const dataExport = new DataExport({
    persons: c.persons, store: c.personalData, audit: c.audit, issuer: c.config.issuer,
    consents: (id) => consents.list(id),
    sessions: (id, sid) => sessions.list(id, sid),
    level: async (id) => (await c.verification.assurance.levelOf(id)).level,
    auditEvents: (filter) => c.auditTrail.query(filter),
    closure: (id) => c.closures.pending(id),
    counterVisits: (id) => c.desk.counter.history(id),
    family: async (id) => {
      const iso = (d: Date) => new Date(d).toISOString();
      const proxy = (g: Awaited<ReturnType<typeof c.naturalPersons.proxies.ofGrantor>>[number]) => ({
        id: g.id, relationship: g.relationship, platforms: g.platforms, expiresAt: iso(g.expiresAt), status: g.status,
      });
      return {
        // Like the agents' entries: nobody else's name or ID number, only the links themselves.
        wards: (await c.naturalPersons.guardianships.wardsOf(id)).map((w) => ({ id: w.guardianshipId, relationship: w.relationship, status: w.status, stage: w.stage })),
        authorisationsGranted: (await c.naturalPersons.proxies.ofGrantor(id)).map(proxy),
        authorisationsHeld: (await c.naturalPersons.proxies.heldBy(id)).map(proxy),
      };
    },
  });
  return {
    issuer: c.config.issuer,
    reauth: strongReauth,
    listenHost: c.config.host,
    accountClient: c.accountClient,
    sessions,
    consents,
    rights: { dataExport, closures: c.closures, coolingOffDays: c.config.accountClosureCoolingOffDays, reauth: strongReauth, throttle: c.throttle },
    passwords: new PasswordChange(c.persons, c.hasher, c.audit,
      (accountId, sid, ip) => c.sessions.endOthers(accountId, sid, { reason: 'password_changed', actor: accountId, ip })),
    persons: c.persons,
    throttle: c.throttle,
    passkeys: c.passkeys,
    smsCodes: c.smsCodes,
    phoneChange: c.phoneChange,
    enterpriseConsole,
    family: {
      ...c.naturalPersons, persons: c.persons, clients: c.clients, throttle: c.throttle,
      levelOf: async (personId) => (await c.verification.assurance.levelOf(personId)).index,
      levelName: enterpriseConsole.levelName,
    },
    security: { totp: c.factors.totp, recoveryCodes: c.factors.recoveryCodes, persons: c.persons, issuerName: '一号', reauth: strongReauth },
    enterprises: (personId, locale) => enterpriseSection(enterpriseConsole, personId, locale),
    counterChecks: async (personId) => (await c.desk.counter.history(personId))
      .map((v) => ({ at: v.at, hall: c.desk.counter.halls.label(v.hall), act: v.act, reference: v.reference })),
    levelOf: async (personId, locale) => (await c.verification.assurance.levelOf(personId)).level.name[locale],
  };
}
