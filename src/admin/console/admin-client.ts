/**
 * The admin console is a first-party relying platform of Yihao itself, like the account console
 * (account/account-client.ts): a built-in public client, code flow with PKCE, registered with
 * `minimum_aal: 2`, so the provider never lets a login without a second factor through to it.
 */
import { BuiltInClient, consoleClientMetadata } from '../../oidc/built-in-client.ts';
import type { ClientMetadata, ClientRegistry } from '../../oidc/client-registry.ts';

export const ADMIN_CLIENT_ID = 'yihao-admin';
export const CONSOLE_PATH = '/admin/console';

export const adminUrls = (issuer: string) => ({
  home: `${issuer}${CONSOLE_PATH}`,
  callback: `${issuer}${CONSOLE_PATH}/callback`,
  signedOut: `${issuer}${CONSOLE_PATH}/signed-out`,
});

export function adminClientMetadata(issuer: string): ClientMetadata {
  const urls = adminUrls(issuer);
  return {
    ...consoleClientMetadata({ name: '一号 · 管理控制台', callback: urls.callback, postLogout: urls.signedOut }),
    // A password alone never opens the console: a second factor (or a passkey) is the floor.
    minimum_aal: 2,
  };
}

export class AdminConsoleClient extends BuiltInClient {
  constructor(registry: ClientRegistry, issuer: string) {
    super(registry, ADMIN_CLIENT_ID, adminClientMetadata(issuer));
  }
}
