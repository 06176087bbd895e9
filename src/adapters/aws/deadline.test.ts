import { describe, expect, it } from 'vitest';
import { fakeTime } from '../../../test/helpers/analyst-fixtures.js';
import { DeadlineExceededError, InvocationDeadline, isDeadlineExceeded } from './deadline.js';

const remaining = (ms: number) => ({ getRemainingTimeInMillis: () => ms });

describe('InvocationDeadline', () => {
  it('limits nothing until an invocation starts it', async () => {
    const deadline = new InvocationDeadline(fakeTime());
    expect(deadline.remainingMs()).toBe(Number.POSITIVE_INFINITY);
    await expect(deadline.sleep(async () => undefined)(60_000)).resolves.toBeUndefined();
  });

  it('ends the margin before the invocation does, and refuses a backoff that would reach past it', async () => {
    const time = fakeTime();
    const deadline = new InvocationDeadline(time);
    deadline.start(remaining(30_000), 10_000);
    expect(deadline.remainingMs()).toBe(20_000);
    const sleep = deadline.sleep((ms) => time.sleep(ms));
    await sleep(15_000);
    await expect(sleep(6_000)).rejects.toThrow(
      "no time left for a 6000 ms backoff: 5000 ms before the invocation's deadline",
    );
    expect(time.sleeps).toEqual([15_000]);
  });

  it('refuses a call once the deadline has passed, and aborts one still running when it comes', async () => {
    const deadline = new InvocationDeadline();
    deadline.start(remaining(150), 100);
    const signals: (AbortSignal | undefined)[] = [];
    const client = deadline.bind(
      {
        send: (_command: unknown, options?: { abortSignal?: AbortSignal }) => {
          signals.push(options?.abortSignal);
          return new Promise((_, reject) =>
            options?.abortSignal?.addEventListener('abort', () => reject(new Error('aborted'))),
          );
        },
        other: 'kept',
      },
      'a test call',
    );
    expect(client.other).toBe('kept');
    const caller = new AbortController();
    await expect(client.send({}, { abortSignal: caller.signal })).rejects.toThrow('aborted');
    expect(signals[0]?.aborted).toBe(true);
    expect(caller.signal.aborted).toBe(false);
    expect(() => client.send({})).toThrow(DeadlineExceededError);
  });

  it('recognizes a deadline behind an adapter error', () => {
    const inner = new DeadlineExceededError('x', 0);
    expect(isDeadlineExceeded(new Error('wrapped', { cause: inner }))).toBe(true);
    expect(isDeadlineExceeded(new Error('other'))).toBe(false);
  });
});
