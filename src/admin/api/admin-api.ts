/**
 * The admin API for automation (`/admin/api`): one router per resource, every route declared
 * with its roles and schemas (api-kit.ts), and the OpenAPI 3.1 document built from those same
 * declarations at GET /admin/api/openapi.json (public: it describes the interface, no data).
 */
import Router from '@koa/router';
import { keyRetentionSeconds, type Container } from '../../container.ts';
import { ADMIN_RESOURCE } from '../../oidc/resources.ts';
import { adminAuthenticator } from '../admin-auth.ts';
import { adminServices } from '../admin-services.ts';
import { accountsApiRouter } from './accounts-api.ts';
import { RouteBook, type ApiKit } from './api-kit.ts';
import { auditApiRouter } from './audit-api.ts';
import { channelsApiRouter } from './channels-api.ts';
import { enterprisesApiRouters } from './enterprises-api.ts';
import { keysApiRouter } from './keys-api.ts';
import { openApiDocument } from './openapi.ts';
import { platformsApiRouter } from './platforms-api.ts';

export function adminApiRouters(c: Container): { routers: Router[]; book: RouteBook } {
  const retainSeconds = keyRetentionSeconds(c.config);
  const kit: ApiKit = {
    book: new RouteBook(),
    authenticate: adminAuthenticator({
      issuer: c.config.issuer, audience: ADMIN_RESOURCE, keysDir: c.config.keysDir, retainSeconds,
      clientMetadata: (clientId) => c.clients.providerMetadata(clientId),
    }),
  };
  const services = adminServices(c);

  const routers = [
    platformsApiRouter({ clients: c.clients, revokeClient: (id) => c.models.revokeClient(id), audit: c.audit }, kit),
    accountsApiRouter({
      persons: c.persons, accounts: c.accounts, sessions: c.sessions, factorReset: services.factorReset, audit: c.audit, factorSummary: services.factorSummary,
    }, kit),
    ...enterprisesApiRouters({ enterprises: c.enterprises, delegations: c.delegations, admin: services.enterpriseAdmin }, kit),
    channelsApiRouter({ channels: c.verification.channels, ready: () => c.verification.channelSync.ready() }, kit),
    keysApiRouter({ keys: services.keys }, kit),
    auditApiRouter({ trail: c.auditTrail, audit: c.audit }, kit),
  ];

  const docs = new Router({ prefix: '/admin/api' });
  let document: Record<string, unknown> | undefined;
  docs.get('/openapi.json', (ctx) => {
    document ??= openApiDocument(kit.book, c.config.issuer);
    ctx.set('Cache-Control', 'no-cache');
    ctx.body = document;
  });
  return { routers: [docs, ...routers], book: kit.book };
}
