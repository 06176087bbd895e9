import { describe, expect, it } from 'vitest';
import { uploadSlots } from './upload-slots.js';

describe('upload slots', () => {
  it('lets the reading limit in at once, queues the next ones in order, and refuses past the queue', async () => {
    const slots = uploadSlots({ reading: 2, waiting: 2 });
    const first = await slots.acquire();
    const second = await slots.acquire();
    const order: string[] = [];
    const third = slots.acquire().then((release) => {
      order.push('third');
      return release;
    });
    const fourth = slots.acquire().then((release) => {
      order.push('fourth');
      return release;
    });
    expect(await slots.acquire()).toBeUndefined();
    expect({ reading: slots.reading, waiting: slots.waiting }).toEqual({ reading: 2, waiting: 2 });

    first?.();
    (await third)?.();
    second?.();
    (await fourth)?.();
    expect(order).toEqual(['third', 'fourth']);
    expect({ reading: slots.reading, waiting: slots.waiting }).toEqual({ reading: 0, waiting: 0 });
  });

  it('counts a slot released twice once', async () => {
    const slots = uploadSlots({ reading: 1, waiting: 0 });
    const release = await slots.acquire();
    release?.();
    release?.();
    expect(slots.reading).toBe(0);
    expect(await slots.acquire()).toBeDefined();
    expect(await slots.acquire()).toBeUndefined();
  });
});
