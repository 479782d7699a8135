/**
 * The one way a person's single sign-on sessions end, whoever ends them: the person on the
 * account page, a password change or reset, an operator disabling the account, and every admin
 * action to come. oidc-provider's Session and Grant state is read and changed here only (the
 * account page's lists of sessions and consents, and withdrawing a consent, included).
 *
 * Ending a session, in this order:
 * 1. the tokens of the grants concerned go (access and refresh tokens, authorization codes;
 *    offline_access ones included) and those grants themselves, so refresh tokens fail with
 *    invalid_grant and the platform asks for consent again;
 * 2. the SSO session goes, so every platform must log the person in again;
 * 3. each platform that was entered through it and has a back-channel logout URI is told.
 * Each step is audited. "The grants concerned" are, for one session, the grants made in it
 * (unlike a plain logout, which keeps offline grants: ending a session from elsewhere is what a
 * person does with a device they lost or do not recognise); for endAll, every grant of the
 * account. A session kept by endAll (`except`, the browser the person is using) stays with its
 * grants, but their tokens are revoked all the same.
 */
import type Provider from 'oidc-provider';
import type { Audit } from '../audit/audit.ts';
import type { Logger } from '../logger.ts';
import type { OidcModelStore, Payload } from '../store/oidc-models.ts';
import { BackchannelNotifier, type EndedAuthorization } from './backchannel-notifier.ts';

type Session = InstanceType<Provider['Session']>;

export interface SessionSummary {
  /** The session's public name; its id is the value of the session cookie and never leaves here. */
  uid: string;
  loginAt: Date | undefined;
  expiresAt: Date | undefined;
  /** Clients entered through the session. */
  clientIds: string[];
  /** The session holding the `sid` given to list(). */
  current: boolean;
  /** Browser and system of the login (from its User-Agent), when recorded. */
  device: string | undefined;
}

/** The device each of an account's sessions was logged in from, by session uid. */
export type SessionDevicesOf = (accountId: string) => Promise<Map<string, { device: string }>>;

export interface GrantSummary {
  clientId: string;
  /** OIDC scopes granted. */
  scopes: string[];
  grantedAt: Date | undefined;
  expiresAt: Date | undefined;
}

export interface EndOptions {
  /** Why, for the audit trail: account_page, password_changed, password_reset, account_disabled… */
  reason: string;
  /** Who: the person's own account id, `cli`, an administrator. */
  actor: string;
  ip?: string;
  /** A `sid` of the session that stays (the browser making the change). */
  except?: string;
}

export interface EndResult { sessions: number; grants: number }

interface Authorization { sid?: string; grantId?: string }

const authorizationsOf = (payload: Payload) => (payload.authorizations ?? {}) as Record<string, Authorization>;
const holdsSid = (payload: Payload, sid: string | undefined) => Boolean(sid) && Object.values(authorizationsOf(payload)).some((a) => a.sid === sid);
const epoch = (v: unknown) => (typeof v === 'number' ? new Date(v * 1000) : undefined);
const grantIdsOf = (s: Session | undefined) => Object.values(s?.authorizations ?? {}).flatMap((a) => (a.grantId ? [a.grantId] : []));

export class SessionsService {
  readonly #notifier: BackchannelNotifier;

  constructor(
    private readonly store: OidcModelStore,
    private readonly provider: () => Provider,
    private readonly audit: Audit,
    logger: Logger,
    private readonly devicesOf: SessionDevicesOf = async () => new Map(),
  ) {
    this.#notifier = new BackchannelNotifier(provider, audit, logger);
  }

  async list(accountId: string, currentSid?: string): Promise<SessionSummary[]> {
    const [rows, devices] = await Promise.all([this.store.sessionsOf(accountId), this.devicesOf(accountId)]);
    return rows.filter((r) => typeof r.payload.uid === 'string').map(({ payload }) => ({
      uid: payload.uid as string,
      loginAt: epoch(payload.loginTs),
      expiresAt: epoch(payload.exp),
      clientIds: Object.keys(authorizationsOf(payload)),
      current: holdsSid(payload, currentSid),
      device: devices.get(payload.uid as string)?.device,
    }));
  }

  /** The account's live grants (consents), one per platform and session. */
  async grants(accountId: string): Promise<GrantSummary[]> {
    return (await this.store.grantsOf(accountId)).filter((g) => typeof g.payload.clientId === 'string').map(({ payload }) => ({
      clientId: payload.clientId as string,
      scopes: ((payload.openid as { scope?: string } | undefined)?.scope ?? '').split(' ').filter(Boolean),
      grantedAt: epoch(payload.iat),
      expiresAt: epoch(payload.exp),
    }));
  }

  /**
   * Withdraws the account's consent to a platform: its grants and every token issued under them
   * go (sessions stay; the platform's next authorization asks for consent again). Returns how many.
   */
  async revokeClient(accountId: string, clientId: string, opts: Omit<EndOptions, 'except'>): Promise<number> {
    const grants = (await this.store.grantsOf(accountId)).filter((g) => g.payload.clientId === clientId).map((g) => g.id);
    await this.#revoke(accountId, new Set(grants), new Set(), opts);
    return grants.length;
  }

  /** True while the session the `sid` was issued in still exists. */
  async isLive(accountId: string, sid: string): Promise<boolean> {
    return (await this.liveUntil(accountId, sid)) !== undefined;
  }

  /** When the session the `sid` was issued in ends (idle or absolute), or undefined when it has. */
  async liveUntil(accountId: string, sid: string): Promise<Date | undefined> {
    const session = (await this.store.sessionsOf(accountId)).find((s) => holdsSid(s.payload, sid));
    return session && (epoch(session.payload.exp) ?? new Date(8.64e15));
  }

  /** Ends the account's session named `uid` with the grants made in it (offline ones included). */
  async endOne(accountId: string, uid: string, opts: Omit<EndOptions, 'except'>): Promise<'ended' | 'gone'> {
    const session = await this.provider().Session.findByUid(uid);
    if (!session || session.accountId !== accountId) return 'gone';
    await this.#revoke(accountId, new Set(grantIdsOf(session)), new Set(), opts);
    await this.#end(accountId, [session], opts);
    return 'ended';
  }

  /** Ends every session of the account but `except`, and revokes every token of its grants. */
  async endAll(accountId: string, opts: EndOptions): Promise<EndResult> {
    const sessions = await this.#sessionsOf(accountId);
    const kept = opts.except ? sessions.find((s) => Object.values(s.authorizations ?? {}).some((a) => a.sid === opts.except)) : undefined;
    const ending = sessions.filter((s) => s !== kept);
    const grants = new Set([...(await this.store.grantsOf(accountId)).map((g) => g.id), ...ending.flatMap(grantIdsOf)]);
    await this.#revoke(accountId, grants, new Set(grantIdsOf(kept)), opts);
    await this.#end(accountId, ending, opts);
    return { sessions: ending.length, grants: grants.size };
  }

  /** Same as endAll but keeps the session holding `currentSid`. */
  endOthers(accountId: string, currentSid: string, opts: Omit<EndOptions, 'except'>): Promise<EndResult> {
    return this.endAll(accountId, { ...opts, except: currentSid });
  }

  async #sessionsOf(accountId: string): Promise<Session[]> {
    const found = await Promise.all((await this.store.sessionsOf(accountId)).map((r) => this.provider().Session.find(r.id)));
    return found.filter((s): s is Session => s !== undefined && s.accountId === accountId);
  }

  /**
   * Tokens before grants, grants before sessions: a failure half-way leaves a session without
   * working tokens, never working tokens behind an ended session. Grants in `keep` lose their
   * tokens but stay, so the session kept still works without asking for consent again.
   */
  async #revoke(accountId: string, grantIds: Set<string>, keep: Set<string>, opts: EndOptions): Promise<void> {
    if (grantIds.size === 0) return;
    const p = this.provider();
    const clients = new Set<string>();
    for (const grantId of grantIds) {
      await Promise.all([p.AccessToken, p.RefreshToken, p.AuthorizationCode].map((model) => model.revokeByGrantId(grantId)));
      if (keep.has(grantId)) continue;
      const grant = await p.Grant.find(grantId);
      if (grant?.clientId) clients.add(grant.clientId);
      await grant?.destroy();
    }
    await this.audit.record({
      actor: opts.actor, action: 'grants.revoked', target: accountId,
      detail: { reason: opts.reason, ip: opts.ip, grants: grantIds.size, kept: keep.size, platforms: [...clients] },
    });
  }

  async #end(accountId: string, sessions: Session[], opts: EndOptions): Promise<void> {
    const ended: EndedAuthorization[] = [];
    for (const session of sessions) {
      const authorizations = Object.entries(session.authorizations ?? {});
      await session.destroy();
      await this.audit.record({
        actor: opts.actor, action: 'session.ended', target: session.uid,
        detail: { account: accountId, reason: opts.reason, ip: opts.ip, platforms: authorizations.map(([clientId]) => clientId) },
      });
      for (const [clientId, a] of authorizations) ended.push({ accountId, sessionUid: session.uid, clientId, sid: a.sid });
    }
    await this.#notifier.notifyAll(ended, opts);
  }
}
