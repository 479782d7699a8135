/**
 * A person's single sign-on sessions as the account page shows them, and ending them from
 * another device. Ending a session does what the provider's own logout does to it: the session
 * goes, and with it every grant that does not outlive logout (no offline_access) and that
 * grant's tokens. Sessions are named by their public `uid`, never by their id, which is the
 * value of the session cookie.
 */
import type { Audit } from '../audit/audit.ts';
import type { OidcModelStore, Payload } from '../store/oidc-models.ts';
import { ACCOUNT_CLIENT_ID } from './account-client.ts';
import type { ClientNameOf } from './client-names.ts';

interface Authorization { sid?: string; grantId?: string; persistsLogout?: boolean }

export interface SessionView {
  uid: string;
  loginAt: Date | undefined;
  expiresAt: Date | undefined;
  /** Platforms entered through this session (the console itself excluded). */
  platforms: string[];
  current: boolean;
}

const authorizationsOf = (payload: Payload) => (payload.authorizations ?? {}) as Record<string, Authorization>;
const epoch = (v: unknown) => (typeof v === 'number' ? new Date(v * 1000) : undefined);
const isCurrent = (payload: Payload, sid: string | undefined) => Boolean(sid) && authorizationsOf(payload)[ACCOUNT_CLIENT_ID]?.sid === sid;

export class SsoSessions {
  constructor(
    private readonly store: OidcModelStore,
    private readonly clientName: ClientNameOf,
    private readonly audit: Audit,
  ) {}

  /** True while the SSO session the console was logged in through still exists. */
  async isLive(accountId: string, sid: string): Promise<boolean> {
    return (await this.store.sessionsOf(accountId)).some((s) => isCurrent(s.payload, sid));
  }

  async list(accountId: string, currentSid: string): Promise<SessionView[]> {
    const rows = await this.store.sessionsOf(accountId);
    const views = await Promise.all(rows.filter((r) => typeof r.payload.uid === 'string').map(async (r) => ({
      uid: r.payload.uid as string,
      loginAt: epoch(r.payload.loginTs),
      expiresAt: epoch(r.payload.exp),
      platforms: await Promise.all(Object.keys(authorizationsOf(r.payload)).filter((id) => id !== ACCOUNT_CLIENT_ID).map(this.clientName)),
      current: isCurrent(r.payload, currentSid),
    })));
    // This device first, then the most recent logins.
    return views.sort((a, b) => Number(b.current) - Number(a.current) || (b.loginAt?.getTime() ?? 0) - (a.loginAt?.getTime() ?? 0));
  }

  /**
   * Ends one session of the account. The current one is not ended here: the caller sends the
   * browser through the provider's logout, which also tells the platforms over the back channel.
   */
  async endOne(accountId: string, uid: string, currentSid: string, ip: string): Promise<'ended' | 'current' | 'gone'> {
    const row = (await this.store.sessionsOf(accountId)).find((s) => s.payload.uid === uid);
    if (!row) return 'gone';
    if (isCurrent(row.payload, currentSid)) return 'current';
    await this.#end(row);
    await this.audit.record({ actor: accountId, action: 'session.ended', target: uid, detail: { ip, by: 'account_page' } });
    return 'ended';
  }

  /** Ends every session but the current one; returns how many ended. */
  async endOthers(accountId: string, currentSid: string, ip: string): Promise<number> {
    const others = (await this.store.sessionsOf(accountId)).filter((s) => !isCurrent(s.payload, currentSid));
    for (const row of others) await this.#end(row);
    await this.audit.record({ actor: accountId, action: 'session.ended_others', detail: { ip, count: others.length, by: 'account_page' } });
    return others.length;
  }

  async #end(row: { id: string; payload: Payload }): Promise<void> {
    for (const { grantId, persistsLogout } of Object.values(authorizationsOf(row.payload))) {
      if (!grantId || persistsLogout) continue;
      await this.store.revokeByGrantId(grantId);
      await this.store.destroy('Grant', grantId);
    }
    await this.store.destroy('Session', row.id);
  }
}
