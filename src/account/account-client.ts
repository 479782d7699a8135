/**
 * The account console is a relying platform of Yihao itself (as Keycloak's account console is):
 * a built-in public client, code flow with PKCE, registered in the ordinary client registry so
 * operators see it, and kept in line with ISSUER at every start.
 */
import { AppError, isAppError } from '../errors.ts';
import type { ClientMetadata, ClientRegistry } from '../oidc/client-registry.ts';

export const ACCOUNT_CLIENT_ID = 'yihao-account';

/**
 * oidc-provider's default routes (provider.ts does not rename them); relative to the issuer for
 * the browser, and to the loopback origin for our own server-to-server calls.
 */
export const ENDPOINTS = { authorization: '/auth', token: '/token', endSession: '/session/end', jwks: '/jwks' } as const;

export const accountUrls = (issuer: string) => ({
  home: `${issuer}/account`,
  callback: `${issuer}/account/callback`,
});

export function accountClientMetadata(issuer: string): ClientMetadata {
  const urls = accountUrls(issuer);
  return {
    client_name: '一号 · 个人中心',
    application_type: 'web',
    // A public client: the code is protected by PKCE (S256), and the exchange happens server-side.
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code'],
    response_types: ['code'],
    redirect_uris: [urls.callback],
    post_logout_redirect_uris: [urls.home],
    scope: 'openid',
    // Pairwise is the platforms' default; the console needs the account id itself as `sub`.
    subject_type: 'public',
    // The password change is allowed only shortly after a login: auth_time must always be there.
    require_auth_time: true,
    first_party: true,
  };
}

/** The fields we own; an operator's other edits (none are expected) are left alone. */
const differs = (current: ClientMetadata, wanted: ClientMetadata) =>
  Object.entries(wanted).some(([k, v]) => JSON.stringify(current[k]) !== JSON.stringify(v));

export class AccountClient {
  #ensured: Promise<void> | undefined;

  constructor(private readonly registry: ClientRegistry, private readonly issuer: string) {}

  /** Registers or corrects the built-in client once per process; retried after a failure. */
  ensure(): Promise<void> {
    this.#ensured ??= this.#ensure().catch((err) => {
      this.#ensured = undefined;
      throw err;
    });
    return this.#ensured;
  }

  async #ensure(): Promise<void> {
    const wanted = accountClientMetadata(this.issuer);
    const existing = await this.registry.show(ACCOUNT_CLIENT_ID).catch((e) => {
      if (isAppError(e) && e.code === 'client.not_found') return undefined;
      throw e;
    });
    if (!existing) {
      try {
        await this.registry.add({ ...wanted, client_id: ACCOUNT_CLIENT_ID });
        return;
      } catch (e) {
        // Another process registered it first: fall through and compare.
        if (!(e instanceof AppError && e.code === 'client.exists')) throw e;
      }
    }
    const current = existing ?? await this.registry.show(ACCOUNT_CLIENT_ID);
    if (differs(current.metadata, wanted)) await this.registry.update(ACCOUNT_CLIENT_ID, wanted);
  }
}
