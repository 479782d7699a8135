/**
 * Back-channel logout for sessions ended outside the provider's own logout, through
 * oidc-provider's public client API (the same call its end_session makes). A platform that does
 * not answer is logged and audited; the ending it reports on has already happened.
 */
import type Provider from 'oidc-provider';
import type { Audit } from '../audit/audit.ts';
import type { Logger } from '../logger.ts';

/** `Client#backchannelLogout` is public in oidc-provider but missing from its type definitions. */
type LogoutCapable = { backchannelLogoutUri?: string; backchannelLogout(sub: string, sid: string | undefined): Promise<void> };

export interface EndedAuthorization {
  accountId: string;
  sessionUid: string;
  clientId: string;
  sid: string | undefined;
}

export interface NotifyContext { actor: string; reason: string }

export class BackchannelNotifier {
  constructor(
    private readonly provider: () => Provider,
    private readonly audit: Audit,
    private readonly logger: Logger,
  ) {}

  /** Tells every platform that has a back-channel logout URI; never throws. */
  async notifyAll(ended: EndedAuthorization[], by: NotifyContext): Promise<void> {
    await Promise.all(ended.map((e) => this.#notify(e, by)));
  }

  async #notify(e: EndedAuthorization, by: NotifyContext): Promise<void> {
    const detail = { account: e.accountId, session: e.sessionUid, reason: by.reason };
    try {
      const client = (await this.provider().Client.find(e.clientId)) as unknown as LogoutCapable | undefined;
      if (!client?.backchannelLogoutUri) return;
      // `sub` is the account id: the provider turns it into this platform's (pairwise) subject
      // while signing the logout token, exactly as its own end_session does.
      await client.backchannelLogout(e.accountId, e.sid);
      await this.#record({ actor: by.actor, action: 'backchannel.sent', target: e.clientId, detail });
    } catch (err) {
      this.logger.warn({ err, clientId: e.clientId }, 'back-channel logout failed');
      await this.#record({ actor: by.actor, action: 'backchannel.failed', target: e.clientId, detail: { ...detail, error: (err as Error).message } });
    }
  }

  async #record(event: Parameters<Audit['record']>[0]): Promise<void> {
    try {
      await this.audit.record(event);
    } catch (err) {
      this.logger.error({ err, action: event.action }, 'audit record failed');
    }
  }
}
