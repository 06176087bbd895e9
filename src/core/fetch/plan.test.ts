import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertSafeKey } from '../../adapters/object-keys.js';
import { type FetchParams, FetchParamsSchema } from './params.js';
import { batchObjectKey, FETCH_PREFIX, planBatches, timeSeriesQuery } from './plan.js';

const NOW = Date.parse('2026-01-05T10:00:00Z');
const params = (input: Record<string, unknown>): FetchParams => FetchParamsSchema.parse(input);
const symbols = (n: number) => Array.from({ length: n }, (_, i) => `S${i + 1}`);

describe('planBatches', () => {
  it('cuts 20 symbols into requests of 8, 8 and 4', () => {
    const batches = planBatches(symbols(20), { batchSize: 8, creditsPerMinute: 8 });
    expect(batches.map((b) => b.length)).toEqual([8, 8, 4]);
  });

  it('never puts more symbols in a request than a minute of credits pays for', () => {
    const batches = planBatches(symbols(20), { batchSize: 8, creditsPerMinute: 5 });
    expect(batches.map((b) => b.length)).toEqual([5, 5, 5, 5]);
  });

  it('keeps every symbol once, in order, in requests no larger than allowed', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 120 }),
        fc.integer({ min: 1, max: 120 }),
        fc.integer({ min: 1, max: 200 }),
        (n, batchSize, creditsPerMinute) => {
          const batches = planBatches(symbols(n), { batchSize, creditsPerMinute });
          expect(batches.flat()).toEqual(symbols(n));
          for (const batch of batches) {
            expect(batch.length).toBeGreaterThan(0);
            expect(batch.length).toBeLessThanOrEqual(Math.min(batchSize, creditsPerMinute));
          }
        },
      ),
    );
  });
});

describe('timeSeriesQuery', () => {
  it('sends the symbols comma-separated with the optional parameters only when given, and no key', () => {
    expect(timeSeriesQuery(['AAPL', 'EUR/USD'], params({ symbols: 'AAPL' }))).toEqual({
      symbol: 'AAPL,EUR/USD',
      interval: '1day',
      outputsize: '30',
    });
    const full = params({
      symbols: 'AAPL',
      interval: '1h',
      outputsize: 100,
      start: '2024-01-02',
      end: '2024-01-03 16:00:00',
      timezone: 'UTC',
    });
    expect(timeSeriesQuery(['AAPL'], full)).toEqual({
      symbol: 'AAPL',
      interval: '1h',
      outputsize: '100',
      start_date: '2024-01-02',
      end_date: '2024-01-03 16:00:00',
      timezone: 'UTC',
    });
  });
});

describe('batchObjectKey', () => {
  it('names the interval, the start and the symbols, made safe for file names', () => {
    const key = batchObjectKey(
      ['AAPL', 'EUR/USD', '7203:TSE'],
      params({ symbols: 'AAPL', start: '2024-01-02' }),
      NOW,
    );
    expect(key).toMatch(/^inputs\/twelvedata\/1day-2024-01-02-AAPL_EUR-USD_7203-TSE-[0-9a-f]{10}\.json$/);
  });

  it('uses the day of the fetch when there is no start, so a re-fetch that day replaces the file', () => {
    const p = params({ symbols: 'AAPL' });
    const morning = batchObjectKey(['AAPL'], p, NOW);
    expect(morning).toMatch(/^inputs\/twelvedata\/1day-asof-2026-01-05-AAPL-/);
    expect(batchObjectKey(['AAPL'], p, NOW + 3 * 3_600_000)).toBe(morning);
    expect(batchObjectKey(['AAPL'], p, NOW + 24 * 3_600_000)).not.toBe(morning);
  });

  it('gives different requests different keys even when their symbols read alike', () => {
    const p = params({ symbols: 'A' });
    const keys = new Set([
      batchObjectKey(['EUR/USD'], p, NOW),
      batchObjectKey(['EUR:USD'], p, NOW),
      batchObjectKey(['EUR/USD'], params({ symbols: 'A', outputsize: 31 }), NOW),
      batchObjectKey(['EUR/USD'], params({ symbols: 'A', end: '2025-01-01' }), NOW),
      batchObjectKey(['EUR/USD'], params({ symbols: 'A', interval: '1week' }), NOW),
    ]);
    expect(keys.size).toBe(5);
  });

  it('shortens a long list of symbols to the first three and a count', () => {
    const key = batchObjectKey(symbols(40), params({ symbols: 'A' }), NOW);
    expect(key).toContain('-S1_S2_S3-and-37-more-');
  });

  it('always makes a key every object store accepts, under inputs/twelvedata/', () => {
    const anySymbol = fc.string({ minLength: 1, maxLength: 40 });
    fc.assert(
      fc.property(fc.array(anySymbol, { minLength: 1, maxLength: 10 }), (batch) => {
        const key = batchObjectKey(batch, params({ symbols: 'A' }), NOW);
        expect(key.startsWith(FETCH_PREFIX)).toBe(true);
        expect(key.slice(FETCH_PREFIX.length)).toMatch(/^[A-Za-z0-9._-]+\.json$/);
        expect(() => assertSafeKey(key)).not.toThrow();
      }),
    );
  });
});
