import { describe, expect, it } from 'vitest';
import { ChannelSync } from '../../src/verification/channel-sync.ts';
import type { ChannelStore } from '../../src/store/verification-channels.ts';
import type { ChannelRecords } from '../../src/verification/channel-records.ts';
import type { ChannelRegistry } from '../../src/verification/channel-registry.ts';
import { createLogger } from '../../src/logger.ts';

describe('channel sync', () => {
  // Closing the process right after start must not pull the database from under the first load.
  it('stops only once a load in progress has finished', async () => {
    const events: string[] = [];
    let finishList!: () => void;
    const store = {
      revision: async () => 1,
      list: () => new Promise((resolve) => { finishList = () => { events.push('listed'); resolve([]); }; }),
    } as unknown as ChannelStore;
    const registry = { replaceAll: () => events.push('replaced') } as unknown as ChannelRegistry;
    const sync = new ChannelSync(store, {} as ChannelRecords, registry, createLogger('silent'), 60_000);
    const loaded = sync.ready();
    await new Promise((r) => setTimeout(r, 10));
    const stopped = sync.stop().then(() => events.push('stopped'));
    await new Promise((r) => setTimeout(r, 10));
    expect(events).toEqual([]);
    finishList();
    await Promise.all([loaded, stopped]);
    expect(events).toEqual(['listed', 'replaced', 'stopped']);
  });
});
