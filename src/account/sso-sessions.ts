/**
 * A person's single sign-on sessions as the account page shows them, and ending them from the
 * page. What ending does (sessions, grants, back-channel logout, audit) is decided once, in
 * src/oidc/sessions-service.ts; this adds the page's wording: platform names, "this device".
 */
import type { EndResult, SessionsService } from '../oidc/sessions-service.ts';
import { ACCOUNT_CLIENT_ID } from './account-client.ts';
import type { ClientNameOf } from './client-names.ts';

export interface SessionView {
  uid: string;
  loginAt: Date | undefined;
  expiresAt: Date | undefined;
  /** Platforms entered through this session (the console itself excluded). */
  platforms: string[];
  current: boolean;
  /** Browser and system the session was logged in from ("Chrome 120 · Windows"). */
  device: string | undefined;
}

const BY = 'account_page';

export class SsoSessions {
  constructor(
    private readonly sessions: SessionsService,
    private readonly clientName: ClientNameOf,
  ) {}

  /** True while the SSO session the console was logged in through still exists. */
  isLive(accountId: string, sid: string): Promise<boolean> {
    return this.sessions.isLive(accountId, sid);
  }

  /** When that SSO session ends unless used again; undefined when it has ended. */
  liveUntil(accountId: string, sid: string): Promise<Date | undefined> {
    return this.sessions.liveUntil(accountId, sid);
  }

  async list(accountId: string, currentSid: string): Promise<SessionView[]> {
    const views = await Promise.all((await this.sessions.list(accountId, currentSid)).map(async (s) => ({
      uid: s.uid,
      loginAt: s.loginAt,
      expiresAt: s.expiresAt,
      platforms: await Promise.all(s.clientIds.filter((id) => id !== ACCOUNT_CLIENT_ID).map(this.clientName)),
      current: s.current,
      device: s.device,
    })));
    // This device first, then the most recent logins.
    return views.sort((a, b) => Number(b.current) - Number(a.current) || (b.loginAt?.getTime() ?? 0) - (a.loginAt?.getTime() ?? 0));
  }

  /** Ends one session of the account, this device's included (the caller then signs it out). */
  endOne(accountId: string, uid: string, ip: string): Promise<'ended' | 'gone'> {
    return this.sessions.endOne(accountId, uid, { reason: BY, actor: accountId, ip });
  }

  /** Ends every session of the account, this one too. */
  endAll(accountId: string, ip: string): Promise<EndResult> {
    return this.sessions.endAll(accountId, { reason: BY, actor: accountId, ip });
  }
}
