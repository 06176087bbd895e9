import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { QueueClosedError, WorkQueue } from './work-queue.js';

describe('WorkQueue', () => {
  it('never runs more tasks at once than its concurrency', async () => {
    const queue = new WorkQueue(3);
    let running = 0;
    let most = 0;
    const tasks = Array.from({ length: 50 }, (_, i) =>
      queue.run(async () => {
        running++;
        most = Math.max(most, running);
        await sleep(i % 4);
        running--;
        return i;
      }),
    );
    expect(await Promise.all(tasks)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(most).toBe(3);
    await queue.onIdle();
  });

  it('drops waiting tasks on close and lets running ones finish', async () => {
    const queue = new WorkQueue(1);
    let finished = false;
    const running = queue.run(async () => {
      await sleep(20);
      finished = true;
    });
    const waiting = queue.run(async () => 'never');
    queue.close();
    await expect(waiting).rejects.toBeInstanceOf(QueueClosedError);
    await running;
    expect(finished).toBe(true);
    await expect(queue.run(async () => 'late')).rejects.toBeInstanceOf(QueueClosedError);
    await queue.onIdle();
  });

  it('refuses a concurrency below 1', () => {
    expect(() => new WorkQueue(0)).toThrow('at least 1 (given 0)');
  });
});
