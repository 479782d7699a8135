/** Builds the account console's dependencies from the container. */
import type { Container } from '../container.ts';
import type { AccountDeps } from './account-router.ts';
import { clientNames } from './client-names.ts';
import { enterpriseSection } from './enterprise-console.ts';
import { Consents } from './consents.ts';
import { PasswordChange } from './password-change.ts';
import { SsoSessions } from './sso-sessions.ts';

/** Also registers the console's built-in client: buildApp runs once the schema is current. */
export function accountDeps(c: Container): AccountDeps {
  c.accountClient.ensure().catch((err) => c.logger.warn({ err }, 'account console client not registered yet; retrying at first use'));
  const names = clientNames(c.clients);
  const enterpriseConsole = {
    enterprises: c.enterprises, delegations: c.delegations, clients: c.clients, audit: c.audit,
    registryCheck: (ip: string) => (claim: Parameters<typeof c.verification.enterprises.verifyEnterprise>[0]) =>
      c.verification.enterprises.verifyEnterprise(claim, { ip }),
  };
  return {
    issuer: c.config.issuer,
    listenHost: c.config.host,
    accountClient: c.accountClient,
    sessions: new SsoSessions(c.sessions, names),
    consents: new Consents(c.sessions, names, c.audit),
    passwords: new PasswordChange(c.persons, c.hasher, c.audit,
      (accountId, sid, ip) => c.sessions.endOthers(accountId, sid, { reason: 'password_changed', actor: accountId, ip })),
    persons: c.persons,
    throttle: c.throttle,
    passkeys: c.passkeys,
    smsCodes: c.smsCodes,
    enterpriseConsole,
    security: { totp: c.factors.totp, recoveryCodes: c.factors.recoveryCodes, persons: c.persons, issuerName: '一号' },
    enterprises: (personId) => enterpriseSection(enterpriseConsole, personId),
    levelOf: async (personId, locale) => (await c.verification.assurance.levelOf(personId)).level.name[locale],
  };
}
