/** Builds the admin console's router options from the container: its page modules, bound. */
import type { Container } from '../../container.ts';
import { adminServices } from '../admin-services.ts';
import { accountsPage } from './accounts-page.ts';
import { auditPage } from './audit-page.ts';
import { channelsPage } from './channels-page.ts';
import type { ConsoleRouterOptions } from './console-router.ts';
import { deskPages } from './desk-pages.ts';
import { enterprisesPage } from './enterprises-page.ts';
import { keysPage } from './keys-page.ts';
import { platformsPage } from './platforms-page.ts';
import { rolesPage } from './roles-page.ts';

/** Also registers the console's built-in client: buildApp runs once the schema is current. */
export function consoleOptions(c: Container): ConsoleRouterOptions {
  const services = adminServices(c);
  c.adminClient.ensure().catch((err) => c.logger.warn({ err }, 'admin console client not registered yet; retrying at first use'));
  return {
    issuer: c.config.issuer,
    listenHost: c.config.host,
    adminClient: c.adminClient,
    roleGrants: c.roleGrants,
    liveUntil: (accountId, sid) => c.sessions.liveUntil(accountId, sid),
    pages: [
      rolesPage({ roleGrants: c.roleGrants, persons: c.persons }),
      platformsPage({ clients: c.clients, audit: c.audit, revokeTokens: (clientId) => c.models.revokeClient(clientId) }),
      accountsPage({
        persons: c.persons, accounts: c.accounts, audit: c.audit, endSessions: (id, opts) => c.sessions.endAll(id, opts),
        factorReset: services.factorReset, factorSummary: services.factorSummary,
      }),
      enterprisesPage({ enterprises: c.enterprises, delegations: c.delegations, admin: services.enterpriseAdmin, persons: c.persons }),
      keysPage({ keys: services.keys }),
      channelsPage({ channels: c.verification.channels, ready: () => c.verification.channelSync.ready() }),
      auditPage({ trail: c.auditTrail, audit: c.audit }),
      ...deskPages(c),
    ],
  };
}
