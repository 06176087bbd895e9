import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SourceRecord } from './contract.js';
import { createOhlcvValidator, serializeOhlcv } from './ohlcv.rules.js';

describe('serializeOhlcv', () => {
  it('writes exactly what JSON.stringify writes for the row validated from any record', () => {
    const decimal = fc.oneof(
      fc.stringMatching(/^\d{1,8}(\.\d{0,7})?$/),
      fc.double({ min: 0, max: 1e12, noNaN: true }),
      fc.double({ min: 0, max: 1e12, noNaN: true }).map(String),
    );
    fc.assert(
      fc.property(
        fc.array(decimal, { minLength: 5, maxLength: 5 }),
        fc.string({ minLength: 1 }).filter((s) => s.trim() !== ''),
        fc.option(fc.string(), { nil: undefined }),
        (values, symbol, interval) => {
          // Ordered so that low <= open, close <= high: most generated rows are valid.
          const [low, open, close, high] = values.slice(0, 4).sort((a, b) => Number(a) - Number(b));
          const raw = { datetime: '2024-01-02', open, high, low, close, volume: values[4] };
          const record: SourceRecord = {
            kind: 'record',
            index: 1,
            raw,
            group: symbol,
            ...(interval === undefined ? {} : { context: { interval } }),
          };
          const result = createOhlcvValidator((r) => r.group).validate(record);
          expect(result.ok).toBe(true);
          if (!result.ok) return;
          expect(serializeOhlcv(result.row, record)).toBe(JSON.stringify(result.row));
        },
      ),
      { numRuns: 1000 },
    );
  });
});
