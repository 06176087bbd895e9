import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DuplicateIndex } from './duplicate-index.js';

describe('DuplicateIndex', () => {
  it('flags a second occurrence of the same group and time', () => {
    const index = new DuplicateIndex();
    expect(index.add('AAPL', 100)).toBe(true);
    expect(index.add('MSFT', 100)).toBe(true);
    expect(index.add('AAPL', 100)).toBe(false);
  });

  it('remembers descending series, then unsorted arrivals after the order breaks', () => {
    const index = new DuplicateIndex();
    for (const t of [500, 400, 300, 200]) expect(index.add('X', t)).toBe(true);
    expect(index.add('X', 450)).toBe(true);
    expect(index.add('X', 300)).toBe(false);
    expect(index.add('X', 500)).toBe(false);
    expect(index.add('X', 200)).toBe(false);
    expect(index.add('X', 100)).toBe(true);
  });

  it('handles deltas too large for one varint byte and times before 1970', () => {
    const index = new DuplicateIndex();
    const times = [-86_400 * 365 * 80, 0, 86_400, 2 ** 40, 2 ** 45];
    for (const t of times) expect(index.add('X', t)).toBe(true);
    index.add('X', 5);
    for (const t of times) expect(index.add('X', t)).toBe(false);
  });

  it('agrees with a Set on any sequence of additions', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.constantFrom('A', 'B', 'C'),
            fc.oneof(
              fc.integer({ min: -1e9, max: 1e10 }),
              fc.integer({ min: -1e7, max: 1e8 }).map((m) => m * 60),
            ),
          ),
          {
            maxLength: 200,
          },
        ),
        fc.boolean(),
        (pairs, sorted) => {
          const input = sorted ? [...pairs].sort((a, b) => a[1] - b[1]) : pairs;
          const index = new DuplicateIndex();
          const reference = new Set<string>();
          for (const [group, t] of input) {
            const key = `${group}|${t}`;
            expect(index.add(group, t)).toBe(!reference.has(key));
            reference.add(key);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
