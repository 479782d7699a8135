import { describe, expect, it } from 'vitest';
import type { ChangeFeed, ChangeListener } from '../../src/store/change-feed.ts';
import { NotifiedCache } from '../../src/store/notified-cache.ts';

function fakeFeed() {
  const state = { live: true, starts: 0, listener: undefined as ChangeListener | undefined };
  const feed = {
    get live() { return state.live; },
    start() { state.starts++; },
    subscribe(_channel: string, l: ChangeListener) { state.listener = l; },
  } as unknown as ChangeFeed;
  return { feed, state };
}

describe('NotifiedCache', () => {
  it('serves what was stored until a notice names it', () => {
    const { feed, state } = fakeFeed();
    const cache = new NotifiedCache<string>(feed, 'ch', { maxAgeMs: 60_000, maxEntries: 10 });
    cache.set(cache.begin(), 'a', 'A1');
    expect(cache.get('a')).toBe('A1');
    state.listener!.notice('a');
    expect(cache.get('a')).toBeUndefined();
  });

  it('does not store a read that began before a change to its key', () => {
    const { feed, state } = fakeFeed();
    const cache = new NotifiedCache<string>(feed, 'ch', { maxAgeMs: 60_000, maxEntries: 10 });
    const ticket = cache.begin();
    state.listener!.notice('a'); // the row changed while the read was in flight
    cache.set(ticket, 'a', 'old');
    expect(cache.get('a')).toBeUndefined();
    const other = cache.begin();
    state.listener!.notice('b');
    cache.set(other, 'a', 'fresh'); // a change to another key does not matter
    expect(cache.get('a')).toBe('fresh');
  });

  it('neither serves nor stores while the feed is down, and forgets everything on reset', () => {
    const { feed, state } = fakeFeed();
    const cache = new NotifiedCache<string>(feed, 'ch', { maxAgeMs: 60_000, maxEntries: 10 });
    cache.set(cache.begin(), 'a', 'A');
    state.live = false;
    expect(cache.get('a')).toBeUndefined();
    expect(cache.begin()).toBeUndefined();
    expect(state.starts).toBe(1); // asked the feed to (re)connect
    const ticket = { generation: 0, at: Date.now() };
    state.listener!.reset();
    state.live = true;
    expect(cache.get('a')).toBeUndefined();
    cache.set(ticket, 'a', 'from before the reset');
    expect(cache.get('a')).toBeUndefined();
  });

  it('drops aliases with their row, expires entries and stays within its size', () => {
    const { feed, state } = fakeFeed();
    const cache = new NotifiedCache<string>(feed, 'ch', { maxAgeMs: 50, maxEntries: 3 });
    cache.set(cache.begin(), 'Session:1', 'S', ['Session:uid:u1']);
    expect(cache.get('Session:uid:u1')).toBe('S');
    state.listener!.notice('Session:1');
    expect(cache.get('Session:uid:u1')).toBeUndefined();
    for (const k of ['a', 'b', 'c', 'd']) cache.set(cache.begin(), k, k);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('d')).toBe('d');
    state.listener!.notice('*');
    expect(cache.get('d')).toBeUndefined();
  });

  it('expires entries after maxAgeMs', async () => {
    const { feed } = fakeFeed();
    const cache = new NotifiedCache<string>(feed, 'ch', { maxAgeMs: 20, maxEntries: 10 });
    cache.set(cache.begin(), 'a', 'A');
    await new Promise((r) => setTimeout(r, 30));
    expect(cache.get('a')).toBeUndefined();
  });
});

describe('NotifiedCache write-through (versioned notices)', () => {
  it('keeps what this process wrote when its own notice arrives, drops it for anyone else\'s', () => {
    const { feed, state } = fakeFeed();
    const cache = new NotifiedCache<string>(feed, 'ch', { maxAgeMs: 60_000, maxEntries: 10, versioned: true });
    const ticket = cache.begin();
    cache.invalidate('k', '100'); // our write, transaction 100
    cache.set(ticket, 'k', 'ours', [], '100');
    state.listener!.notice('k 100');
    expect(cache.get('k')).toBe('ours');
    state.listener!.notice('k 101'); // a later write elsewhere
    expect(cache.get('k')).toBeUndefined();
  });

  it('does not let a read that began before the write store the old row afterwards', () => {
    const { feed } = fakeFeed();
    const cache = new NotifiedCache<string>(feed, 'ch', { maxAgeMs: 60_000, maxEntries: 10, versioned: true });
    const readTicket = cache.begin();
    const writeTicket = cache.begin();
    cache.invalidate('k', '100');
    cache.set(writeTicket, 'k', 'new', [], '100');
    cache.set(readTicket, 'k', 'old');
    expect(cache.get('k')).toBe('new');
  });

  it('refuses the write-through when a later change was noticed first', () => {
    const { feed, state } = fakeFeed();
    const cache = new NotifiedCache<string>(feed, 'ch', { maxAgeMs: 60_000, maxEntries: 10, versioned: true });
    const ticket = cache.begin();
    cache.invalidate('k', '100');
    state.listener!.notice('k 100');
    state.listener!.notice('k 101'); // committed after ours
    cache.set(ticket, 'k', 'ours', [], '100');
    expect(cache.get('k')).toBeUndefined();
  });
});
