import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AnalystError } from '../errors.js';
import { type Clock, noMetrics, silentLogger } from '../ports.js';
import type { Narrative } from './narrative.js';
import {
  type AskOptions,
  askForNarrative,
  checkAskLimits,
  type ModelReply,
  retryDelayMs,
  withRetries,
} from './retry.js';

const backoff = { baseMs: 100, capMs: 2000 };

class Transient extends Error {}

const retryable = (error: unknown) => error instanceof Transient;

function policy(sleeps: number[], overrides: Partial<Parameters<typeof withRetries>[1]> = {}) {
  return {
    maxAttempts: 4,
    backoff,
    isRetryable: retryable,
    sleep: async (ms: number) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    ...overrides,
  };
}

/** An operation that fails with the given errors, one per call, then returns `done`. */
const failing = (...errors: Error[]) => {
  let calls = 0;
  return async () => {
    const error = errors[calls++];
    if (error) throw error;
    return 'done';
  };
};

describe('retryDelayMs', () => {
  it('waits a uniform share of a ceiling that doubles each attempt up to the cap', () => {
    const top = () => 0.999999;
    expect([1, 2, 3, 4, 5, 6].map((attempt) => retryDelayMs(attempt, backoff, top))).toEqual([
      99, 199, 399, 799, 1599, 1999,
    ]);
  });

  it('can wait nothing at all, which is what spreads throttled clients apart', () => {
    expect(retryDelayMs(3, backoff, () => 0)).toBe(0);
  });

  it('stays within [0, min(cap, base × 2^(attempt−1))) for any attempt and random draw', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, r) => {
          const ms = retryDelayMs(attempt, backoff, () => r);
          expect(ms).toBeGreaterThanOrEqual(0);
          expect(ms).toBeLessThanOrEqual(Math.min(backoff.capMs, backoff.baseMs * 2 ** (attempt - 1)));
          expect(Number.isInteger(ms)).toBe(true);
        },
      ),
    );
  });
});

describe('withRetries', () => {
  it('returns the value and the attempts it took', async () => {
    const sleeps: number[] = [];
    const outcome = await withRetries(failing(new Transient('busy')), policy(sleeps));
    expect(outcome).toEqual({ ok: true, value: 'done', attempts: 2 });
    expect(sleeps).toEqual([50]);
  });

  it('stops at once on an error that is not retryable', async () => {
    const sleeps: number[] = [];
    const refused = new Error('denied');
    const outcome = await withRetries(failing(refused), policy(sleeps));
    expect(outcome).toEqual({ ok: false, error: refused, attempts: 1, exhausted: false });
    expect(sleeps).toEqual([]);
  });

  it('reports exhaustion after maxAttempts, with the last error', async () => {
    const sleeps: number[] = [];
    const last = new Transient('4');
    const outcome = await withRetries(
      failing(new Transient('1'), new Transient('2'), new Transient('3'), last),
      policy(sleeps),
    );
    expect(outcome).toEqual({ ok: false, error: last, attempts: 4, exhausted: true });
    expect(sleeps).toEqual([50, 100, 200]);
  });

  it('waits what the server asked for, capped, instead of the jittered delay', async () => {
    const sleeps: number[] = [];
    const asked = [700, 60_000];
    await withRetries(
      failing(new Transient('a'), new Transient('b')),
      policy(sleeps, { retryAfterMs: () => asked.shift() }),
    );
    expect(sleeps).toEqual([700, 2000]);
  });

  it('reports each retry before it waits', async () => {
    const retries: unknown[] = [];
    const error = new Transient('busy');
    await withRetries(failing(error), policy([], { onRetry: (retry) => retries.push(retry) }));
    expect(retries).toEqual([{ attempt: 1, delayMs: 50, error }]);
  });
});

const narrative: Narrative = {
  headline: 'Heart rate stayed in range for all 12 users',
  summary: 'All 12 users stayed within range.',
  highlights: ['No out-of-range streaks.'],
  concerns: [],
  sentiment: 'positive',
};

const clock: Clock = { now: () => 0 };

const askOptions = (overrides: Partial<AskOptions> = {}): AskOptions => ({
  ...policy([]),
  maxInvalidAnswers: 2,
  model: 'test-model',
  clock,
  metrics: noMetrics,
  logger: silentLogger,
  metricNames: { retries: 'TestRetries', retryExceeded: 'TestRetryExceeded' },
  ...overrides,
});

const replies = (...answers: ModelReply[]) => {
  const queue = [...answers];
  return async () => queue.shift() ?? Promise.reject(new Error('no reply scripted'));
};

const usage = { inputTokens: 10, outputTokens: 5 };

describe('askForNarrative', () => {
  it('returns the narrative as the schema parsed it', async () => {
    const result = await askForNarrative(
      replies({
        answer: { kind: 'tool', input: { ...narrative, headline: `  ${narrative.headline}\n` } },
        usage,
      }),
      askOptions(),
    );
    expect(result.narrative).toEqual(narrative);
  });

  it('asks once more than maxInvalidAnswers, then names the last problem', async () => {
    const call = replies(
      { answer: { kind: 'none', why: 'answered with text' }, usage },
      { answer: { kind: 'tool', input: { ...narrative, sentiment: 'ecstatic' } }, usage },
    );
    const error = await askForNarrative(call, askOptions({ maxInvalidAnswers: 1 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AnalystError);
    expect(error).toMatchObject({
      code: 'ANALYST.INVALID_OUTPUT',
      attempts: 2,
      usage: { inputTokens: 20, outputTokens: 10 },
    });
    expect((error as AnalystError).message).toContain('sentiment');
  });

  it('gives each ask its own transport retries', async () => {
    let calls = 0;
    const call = async (): Promise<ModelReply> => {
      calls++;
      if (calls === 1 || calls === 3) throw new Transient('busy');
      if (calls === 2) return { answer: { kind: 'none', why: 'text' }, usage };
      return { answer: { kind: 'tool', input: narrative }, usage };
    };
    const result = await askForNarrative(call, askOptions({ maxAttempts: 2 }));
    expect(result.attempts).toBe(4);
    expect(result.usage).toEqual({ inputTokens: 20, outputTokens: 10 });
  });
});

describe('checkAskLimits', () => {
  it('names the allowed range and the value received', () => {
    expect(() => checkAskLimits({ maxAttempts: 1.5, maxInvalidAnswers: 0, backoff })).toThrow(
      'maxAttempts must be an integer between 1 and 20 inclusive (given 1.5)',
    );
    expect(() => checkAskLimits({ maxAttempts: 1, maxInvalidAnswers: -1, backoff })).toThrow(
      'maxInvalidAnswers must be an integer between 0 and 10 inclusive (given -1)',
    );
    expect(() =>
      checkAskLimits({ maxAttempts: 1, maxInvalidAnswers: 0, backoff: { baseMs: 10, capMs: 5 } }),
    ).toThrow('(given baseMs 10, capMs 5)');
  });
});
