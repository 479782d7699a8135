/** The routers of the verification feature, mounted by buildApp before the provider. */
import type Router from '@koa/router';
import type { Container } from './container.ts';
import { accountVerifyRouter } from './oidc/account-verify.ts';
import { stepUpRouter } from './oidc/step-up.ts';

export function verificationRouters(c: Container): Router[] {
  // Load the stored channels now (the schema is in place once the app is built) and start
  // following changes; a failure is retried by the first check that needs them.
  c.verification.channelSync.ready().catch((err) => c.logger.warn({ err }, 'verification channels not loaded yet'));
  const pages = {
    issuer: c.config.issuer,
    provider: () => c.provider.current,
    verification: c.verification.service,
    person: (id: string) => c.persons.get(id),
  };
  return [
    stepUpRouter({ ...pages, audit: c.audit }),
    accountVerifyRouter(pages),
  ];
}
