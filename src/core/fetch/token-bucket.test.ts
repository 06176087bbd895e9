import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Grant, TokenBucket } from './token-bucket.js';

function fakeTime() {
  let now = 0;
  const clock = {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
  const sleeps: number[] = [];
  const sleep = async (ms: number) => {
    sleeps.push(ms);
    clock.advance(ms);
  };
  return { clock, sleeps, sleep };
}

describe('TokenBucket', () => {
  it('grants a full minute of credits at once, then makes the next request wait for them to come back', async () => {
    const { clock, sleeps, sleep } = fakeTime();
    const waits: number[] = [];
    const bucket = new TokenBucket({ capacity: 8, clock, sleep, onWait: (w) => waits.push(w.waitMs) });
    await bucket.take(8);
    await bucket.take(8);
    await bucket.take(4);
    expect(sleeps).toEqual([60_000, 60_000]);
    expect(waits).toEqual(sleeps);
    expect(clock.now()).toBe(120_000);
  });

  it('waits only until enough of the oldest credits are back', async () => {
    const { clock, sleeps, sleep } = fakeTime();
    const bucket = new TokenBucket({ capacity: 8, clock, sleep });
    await bucket.take(3);
    clock.advance(10_000);
    await bucket.take(5);
    clock.advance(5_000);
    await bucket.take(2);
    // The 3 spent at 0 come back at 60 s; that is 45 s after 15 s.
    expect(sleeps).toEqual([45_000]);
  });

  it('gives back the credits of a released grant at once', () => {
    const { clock, sleep } = fakeTime();
    const bucket = new TokenBucket({ capacity: 8, clock, sleep });
    const grant = bucket.tryTake(6) as Grant;
    expect(bucket.available()).toBe(2);
    bucket.release(grant);
    expect(bucket.available()).toBe(8);
  });

  it('counts a settled grant from the moment it is settled', () => {
    const { clock, sleep } = fakeTime();
    const bucket = new TokenBucket({ capacity: 8, clock, sleep });
    const grant = bucket.tryTake(8) as Grant;
    clock.advance(2_000);
    expect(bucket.settle(grant)).toEqual({ tokens: 8, at: 2_000 });
    clock.advance(58_000);
    expect(bucket.available()).toBe(0);
    expect(bucket.waitMs(1)).toBe(2_000);
  });

  it('counts every credit as spent after a drain, and is full again one window later', () => {
    const { clock, sleep } = fakeTime();
    const bucket = new TokenBucket({ capacity: 8, clock, sleep });
    bucket.tryTake(2);
    clock.advance(20_000);
    bucket.drain();
    expect(bucket.available()).toBe(0);
    expect(bucket.fullInMs()).toBe(60_000);
    clock.advance(40_000);
    expect(bucket.available()).toBe(2);
    clock.advance(20_000);
    expect(bucket.available()).toBe(8);
  });

  it('refuses a take larger than its capacity, which could never be granted', () => {
    const { clock, sleep } = fakeTime();
    const bucket = new TokenBucket({ capacity: 8, clock, sleep });
    expect(() => bucket.tryTake(9)).toThrow(/between 1 and 8 \(given 9\)/);
    expect(() => new TokenBucket({ capacity: 0, clock, sleep })).toThrow(/capacity/);
  });

  type Op =
    | { kind: 'advance'; ms: number }
    | { kind: 'take'; tokens: number }
    | { kind: 'drain' }
    | { kind: 'settle' };

  const scenario = fc.record({
    capacity: fc.integer({ min: 1, max: 20 }),
    ops: fc.array(
      fc.oneof(
        fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 90_000 }) }),
        fc.record({ kind: fc.constant('take' as const), tokens: fc.integer({ min: 1, max: 20 }) }),
        fc.record({ kind: fc.constant('drain' as const) }),
        fc.record({ kind: fc.constant('settle' as const) }),
      ),
      { maxLength: 80 },
    ),
  });

  /**
   * Runs the ops with tryTake and returns every grant in time order. As the client
   * does, only the latest grant is settled, and only before the next take.
   */
  function grants(capacity: number, ops: readonly Op[]): Grant[] {
    const { clock, sleep } = fakeTime();
    const bucket = new TokenBucket({ capacity, clock, sleep });
    const granted: Grant[] = [];
    let inFlight: Grant | undefined;
    for (const op of ops) {
      if (op.kind === 'advance') clock.advance(op.ms);
      else if (op.kind === 'drain') bucket.drain();
      else if (op.kind === 'settle') {
        if (inFlight) granted[granted.length - 1] = bucket.settle(inFlight);
        inFlight = undefined;
      } else if (op.tokens <= capacity) {
        inFlight = bucket.tryTake(op.tokens);
        if (inFlight) granted.push(inFlight);
      }
    }
    return granted.sort((a, b) => a.at - b.at);
  }

  it('never grants more than capacity + rate × elapsed over any stretch of time', () => {
    fc.assert(
      fc.property(scenario, ({ capacity, ops }) => {
        const granted = grants(capacity, ops);
        const rate = capacity / 60_000;
        for (let i = 0; i < granted.length; i++) {
          let sum = 0;
          for (let j = i; j < granted.length; j++) {
            sum += (granted[j] as Grant).tokens;
            const elapsed = (granted[j] as Grant).at - (granted[i] as Grant).at;
            expect(sum).toBeLessThanOrEqual(capacity + rate * elapsed);
          }
        }
      }),
    );
  });

  it('never grants more than its capacity within any 60 s window', () => {
    fc.assert(
      fc.property(scenario, ({ capacity, ops }) => {
        const granted = grants(capacity, ops);
        for (const first of granted) {
          const inWindow = granted.filter((g) => g.at >= first.at && g.at < first.at + 60_000);
          expect(inWindow.reduce((sum, g) => sum + g.tokens, 0)).toBeLessThanOrEqual(capacity);
        }
      }),
    );
  });

  it('grants a take as soon as the wait it announced is over', () => {
    fc.assert(
      fc.asyncProperty(scenario, async ({ capacity, ops }) => {
        const { clock, sleep } = fakeTime();
        const bucket = new TokenBucket({ capacity, clock, sleep });
        for (const op of ops) {
          if (op.kind === 'advance') clock.advance(op.ms);
          else if (op.kind === 'drain') bucket.drain();
          else if (op.kind === 'take' && op.tokens <= capacity) {
            const wait = bucket.waitMs(op.tokens);
            const before = clock.now();
            await bucket.take(op.tokens);
            expect(clock.now() - before).toBe(wait);
          }
        }
      }),
    );
  });
});
