/**
 * Texts to people (codes, notices), and what happens when no SMS channel is enabled: in
 * development and test the text goes to the server log instead (so a newcomer can log in with a
 * code without an SMS contract), and the pages say so; in production SMS codes are not offered
 * at all (fail closed: `sms.unavailable`).
 */
import { AppError } from '../errors.ts';
import { maskPhone } from '../identity/phone.ts';
import type { Logger } from '../logger.ts';
import type { ChannelRegistry } from './channel-registry.ts';
import type { SmsSender } from './sms-sender.ts';

/** channel: texts are sent; log: development, texts are written to the log; off: no SMS. */
export type SmsMode = 'channel' | 'log' | 'off';

export class SmsDelivery {
  constructor(
    private readonly sender: SmsSender,
    private readonly registry: ChannelRegistry,
    private readonly ready: () => Promise<void>,
    private readonly production: boolean,
    private readonly logger: Logger,
  ) {}

  async mode(): Promise<SmsMode> {
    await this.ready();
    if (this.registry.candidates('sms').length > 0) return 'channel';
    return this.production ? 'off' : 'log';
  }

  /** Sends the text, or logs it in development; throws `sms.unavailable` when there is no way. */
  async send(mobile: string, templateId: string, params: Record<string, string>, personId?: string): Promise<SmsMode> {
    const mode = await this.mode();
    if (mode === 'off') throw new AppError('sms.unavailable');
    if (mode === 'log') {
      // Development only (config.ts never lets production reach this): the number stays masked.
      this.logger.warn({ to: maskPhone(mobile), template: templateId, params }, 'no SMS channel enabled (development): text logged instead of sent');
      return mode;
    }
    await this.sender.send(mobile, templateId, params, personId);
    return mode;
  }
}
