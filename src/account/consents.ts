/**
 * The platforms a person has authorised (oidc-provider Grants) and withdrawing that consent.
 * Withdrawal deletes the platform's grants and every token issued under them, so its refresh
 * tokens stop working at once and its next authorization request asks for consent again.
 */
import type { Audit } from '../audit/audit.ts';
import { AppError } from '../errors.ts';
import type { SessionsService } from '../oidc/sessions-service.ts';
import { ACCOUNT_CLIENT_ID } from './account-client.ts';
import type { ClientNameOf } from './client-names.ts';

export interface ConsentView {
  clientId: string;
  clientName: string;
  /** OIDC scopes granted, `openid` first. */
  scopes: string[];
  grantedAt: Date | undefined;
  expiresAt: Date | undefined;
}

const time = (d: Date | undefined) => d?.getTime() ?? 0;

export class Consents {
  constructor(
    private readonly grants: SessionsService,
    private readonly clientName: ClientNameOf,
    private readonly audit: Audit,
  ) {}

  /** One entry per platform (a platform can hold several grants, one per SSO session). */
  async list(accountId: string): Promise<ConsentView[]> {
    const byClient = new Map<string, { scopes: Set<string>; iat: number; exp: number }>();
    for (const grant of await this.grants.grants(accountId)) {
      // The console's own grant is not a consent anyone gave.
      if (grant.clientId === ACCOUNT_CLIENT_ID) continue;
      const entry = byClient.get(grant.clientId) ?? { scopes: new Set<string>(), iat: 0, exp: 0 };
      for (const s of grant.scopes) entry.scopes.add(s);
      entry.iat = Math.max(entry.iat, time(grant.grantedAt));
      entry.exp = Math.max(entry.exp, time(grant.expiresAt));
      byClient.set(grant.clientId, entry);
    }
    const views = await Promise.all([...byClient].map(async ([clientId, e]) => ({
      clientId,
      clientName: await this.clientName(clientId),
      scopes: [...e.scopes].sort((a, b) => Number(b === 'openid') - Number(a === 'openid') || a.localeCompare(b)),
      grantedAt: e.iat ? new Date(e.iat) : undefined,
      expiresAt: e.exp ? new Date(e.exp) : undefined,
    })));
    return views.sort((a, b) => (b.grantedAt?.getTime() ?? 0) - (a.grantedAt?.getTime() ?? 0));
  }

  /** Withdraws every grant the account gave the platform; returns how many there were. */
  async withdraw(accountId: string, clientId: string, ip: string): Promise<number> {
    if (clientId === ACCOUNT_CLIENT_ID) throw new AppError('account.consent_not_found');
    const grants = await this.grants.revokeClient(accountId, clientId, { reason: 'consent_withdrawn', actor: accountId, ip });
    if (grants === 0) throw new AppError('account.consent_not_found');
    await this.audit.record({ actor: accountId, action: 'consent.withdrawn', target: clientId, detail: { ip, grants } });
    return grants;
  }
}
