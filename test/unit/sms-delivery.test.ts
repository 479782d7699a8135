import { describe, expect, it } from 'vitest';
import type { Logger } from '../../src/logger.ts';
import type { ChannelRegistry } from '../../src/verification/channel-registry.ts';
import { SmsDelivery } from '../../src/verification/sms-delivery.ts';
import type { SmsSender } from '../../src/verification/sms-sender.ts';

function delivery(production: boolean, channels: number) {
  const logged: unknown[] = [];
  const sent: unknown[] = [];
  const logger = { warn: (obj: unknown, msg: string) => logged.push({ obj, msg }) } as unknown as Logger;
  const registry = { candidates: () => Array.from({ length: channels }) } as unknown as ChannelRegistry;
  const sender = { send: async (...args: unknown[]) => { sent.push(args); } } as unknown as SmsSender;
  return { d: new SmsDelivery(sender, registry, async () => {}, production, logger), logged, sent };
}

describe('SMS delivery without a channel', () => {
  it('writes the text to the log in development (number masked), and sends nothing', async () => {
    const { d, logged, sent } = delivery(false, 0);
    expect(await d.mode()).toBe('log');
    expect(await d.send('13800138000', 'login_code', { code: '123456' }, 'p1')).toBe('log');
    expect(sent).toHaveLength(0);
    expect(JSON.stringify(logged)).toContain('123456');
    expect(JSON.stringify(logged)).toContain('138****8000');
    expect(JSON.stringify(logged)).not.toContain('13800138000');
  });

  it('refuses in production: no SMS codes without an enabled channel', async () => {
    const { d, logged } = delivery(true, 0);
    expect(await d.mode()).toBe('off');
    await expect(d.send('13800138000', 'login_code', { code: '123456' }, 'p1')).rejects.toMatchObject({ code: 'sms.unavailable' });
    expect(logged).toHaveLength(0);
  });

  it('sends through the channel when one is enabled, in every mode', async () => {
    for (const production of [true, false]) {
      const { d, sent, logged } = delivery(production, 1);
      expect(await d.send('13800138000', 'login_code', { code: '123456' }, 'p1')).toBe('channel');
      expect(sent).toHaveLength(1);
      expect(logged).toHaveLength(0);
    }
  });
});
