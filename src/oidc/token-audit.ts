/**
 * Token issuance and revocation in the audit trail, from the provider's own events: every
 * successful token request (`token.issued`: who, which platform, which grant type, which tokens),
 * every token revoked at the revocation endpoint (`token.revoked`) and every grant the provider
 * revokes (`grant.revoked`). The provider emits synchronously after answering, so the events are
 * written in the background (Audit.recordSoon) and drained when the process stops.
 */
import type { KoaContextWithOIDC, Provider } from 'oidc-provider';
import type { Audit } from '../audit/audit.ts';

type Entities = Record<string, { accountId?: string; grantId?: string; clientId?: string } | undefined>;

const ISSUED = ['AccessToken', 'ClientCredentials', 'RefreshToken', 'IdToken'] as const;

export function auditTokenEvents(provider: Provider, audit: Audit): void {
  provider.on('grant.success', (ctx: KoaContextWithOIDC) => {
    const { oidc } = ctx;
    const entities = oidc.entities as unknown as Entities;
    const token = entities.AccessToken ?? entities.ClientCredentials ?? entities.RefreshToken;
    const clientId = oidc.client?.clientId;
    const accountId = token?.accountId ?? entities.Account?.accountId;
    audit.recordSoon({
      actor: accountId ?? `client:${clientId}`, action: 'token.issued', target: clientId,
      detail: {
        grantType: String((oidc.params as { grant_type?: unknown } | undefined)?.grant_type ?? ''),
        grant: token?.grantId ?? null, tokens: ISSUED.filter((kind) => entities[kind] !== undefined), ip: ctx.ip,
      },
    });
  });
  const revoked = (kind: string) => (token: { clientId?: string; accountId?: string; grantId?: string }) => {
    audit.recordSoon({
      actor: token.clientId ? `client:${token.clientId}` : 'system', action: 'token.revoked', target: token.accountId ?? token.clientId,
      detail: { kind, grant: token.grantId ?? null },
    });
  };
  provider.on('access_token.destroyed', revoked('access_token'));
  provider.on('refresh_token.destroyed', revoked('refresh_token'));
  provider.on('client_credentials.destroyed', revoked('client_credentials'));
  provider.on('grant.revoked', (ctx: KoaContextWithOIDC, grantId: string) => {
    const clientId = ctx.oidc.client?.clientId;
    audit.recordSoon({ actor: clientId ? `client:${clientId}` : 'system', action: 'grant.revoked', target: clientId, detail: { grant: grantId, ip: ctx.ip } });
  });
}
