/**
 * The platforms a person has authorised (oidc-provider Grants) and withdrawing that consent.
 * Withdrawal deletes the platform's grants and every token issued under them, so its refresh
 * tokens stop working at once and its next authorization request asks for consent again.
 */
import type { Audit } from '../audit/audit.ts';
import { AppError } from '../errors.ts';
import type { OidcModelStore, Payload } from '../store/oidc-models.ts';
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

const scopesOf = (payload: Payload) => {
  const openid = payload.openid as { scope?: string } | undefined;
  return (openid?.scope ?? '').split(' ').filter(Boolean);
};
const epoch = (v: unknown) => (typeof v === 'number' ? v : 0);

export class Consents {
  constructor(
    private readonly store: OidcModelStore,
    private readonly clientName: ClientNameOf,
    private readonly audit: Audit,
  ) {}

  /** One entry per platform (a platform can hold several grants, one per SSO session). */
  async list(accountId: string): Promise<ConsentView[]> {
    const byClient = new Map<string, { scopes: Set<string>; iat: number; exp: number }>();
    for (const { payload } of await this.store.grantsOf(accountId)) {
      const clientId = payload.clientId;
      // The console's own grant is not a consent anyone gave.
      if (typeof clientId !== 'string' || clientId === ACCOUNT_CLIENT_ID) continue;
      const entry = byClient.get(clientId) ?? { scopes: new Set<string>(), iat: 0, exp: 0 };
      for (const s of scopesOf(payload)) entry.scopes.add(s);
      entry.iat = Math.max(entry.iat, epoch(payload.iat));
      entry.exp = Math.max(entry.exp, epoch(payload.exp));
      byClient.set(clientId, entry);
    }
    const views = await Promise.all([...byClient].map(async ([clientId, e]) => ({
      clientId,
      clientName: await this.clientName(clientId),
      scopes: [...e.scopes].sort((a, b) => Number(b === 'openid') - Number(a === 'openid') || a.localeCompare(b)),
      grantedAt: e.iat ? new Date(e.iat * 1000) : undefined,
      expiresAt: e.exp ? new Date(e.exp * 1000) : undefined,
    })));
    return views.sort((a, b) => (b.grantedAt?.getTime() ?? 0) - (a.grantedAt?.getTime() ?? 0));
  }

  /** Withdraws every grant the account gave the platform; returns how many there were. */
  async withdraw(accountId: string, clientId: string, ip: string): Promise<number> {
    if (clientId === ACCOUNT_CLIENT_ID) throw new AppError('account.consent_not_found');
    const grants = (await this.store.grantsOf(accountId)).filter((g) => g.payload.clientId === clientId);
    if (grants.length === 0) throw new AppError('account.consent_not_found');
    for (const { id } of grants) {
      // Tokens first: a crash in between leaves a grant without tokens, never tokens without a grant.
      await this.store.revokeByGrantId(id);
      await this.store.destroy('Grant', id);
    }
    await this.audit.record({ actor: accountId, action: 'consent.withdrawn', target: clientId, detail: { ip, grants: grants.length } });
    return grants.length;
  }
}
