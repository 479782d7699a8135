/** Sends a templated SMS through the enabled SMS channels (never retried: a send is not idempotent). */
import type { ChannelRegistry } from './channel-registry.ts';

export class SmsSender {
  constructor(private readonly registry: ChannelRegistry, private readonly ready: () => Promise<void>) {}

  async send(mobile: string, templateId: string, params: Record<string, string>, personId?: string): Promise<void> {
    await this.ready();
    await this.registry.verify('sms', { mobile, templateId, params }, { subjectPersonId: personId, actor: 'yihao' });
  }
}
