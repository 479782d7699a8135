import { describe, expect, it } from 'vitest';
import { Slots } from '../../src/authn/slots.ts';

const tick = () => new Promise((r) => setTimeout(r, 1));

describe('slots', () => {
  it('runs at most `size` tasks at once, the rest in arrival order', async () => {
    const slots = new Slots(2);
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    const task = (i: number) => slots.run(async () => {
      started.push(i);
      peak = Math.max(peak, ++running);
      await tick();
      running--;
      return i;
    });
    expect(await Promise.all([0, 1, 2, 3, 4, 5].map(task))).toEqual([0, 1, 2, 3, 4, 5]);
    expect(peak).toBe(2);
    expect(started).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('frees the slot of a task that fails', async () => {
    const slots = new Slots(1);
    await expect(slots.run(async () => { throw new Error('boom'); })).rejects.toThrow('boom');
    expect(await slots.run(async () => 'next')).toBe('next');
  });

  it('refuses a size that cannot run anything', () => {
    expect(() => new Slots(0)).toThrow(RangeError);
    expect(() => new Slots(1.5)).toThrow(RangeError);
  });
});
