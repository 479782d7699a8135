/**
 * The account logged in to Yihao in this browser, for our own pages outside an authorization
 * request (the account page, "raise my level"): read from the provider's session cookie through
 * its public Session model. Undefined when nobody is logged in or the session has expired.
 */
import type { Context } from 'koa';
import type Provider from 'oidc-provider';

export async function sessionAccountId(provider: Provider, ctx: Context): Promise<string | undefined> {
  const session = await provider.Session.get(ctx as unknown as Parameters<Provider['Session']['get']>[0]);
  return session.accountId || undefined;
}
