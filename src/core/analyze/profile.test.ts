import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../samples/prng.js';
import type { AnalysisPlan } from '../datasets/analysis-plan.js';
import {
  analyzeProfile,
  formatDuration,
  PROFILE_LIMITS,
  quantileOf,
  readableInstant,
  timeColumnOf,
} from './profile.js';

const HOUR = 3_600_000;
const at = (hours: number) => new Date(Date.UTC(2024, 0, 1) + hours * HOUR).toISOString();

const plan: AnalysisPlan = {
  kind: 'profile',
  timeColumn: 't',
  columns: [
    { name: 't', type: 'datetime' },
    { name: 'x', type: 'number' },
    { name: 'cat', type: 'string' },
    { name: 'flag', type: 'boolean' },
  ],
};

// Hours 0..5 then 12..15: one gap of 7 steps. x has one planted outlier (100) on the last row.
const hours = [0, 1, 2, 3, 4, 5, 12, 13, 14, 15];
const xs = [1, 2, 3, 4, 5, 6, 7, 8, 9, 100];
const cats = ['a', 'b', 'a', null, 'a', 'c', null, 'b', 'a', 'a'];
const table = hours.map((h, i) => ({ t: at(h), x: xs[i], cat: cats[i], flag: i !== 4 }));

const column = (p: ReturnType<typeof analyzeProfile>, name: string) => {
  const c = p.columns.find((x) => x.name === name);
  if (c === undefined) throw new Error(`no column ${name}`);
  return c;
};

const normals = (seed: number, n: number) => {
  const random = seededRandom(seed);
  return Array.from(
    { length: n },
    () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random()),
  );
};

describe('analyzeProfile on a small table', () => {
  const profile = analyzeProfile(table, plan);

  it('computes quantiles by linear interpolation, mean, sample stddev, min and max', () => {
    const x = column(profile, 'x').numeric;
    expect(x).toMatchObject({ min: 1, max: 100, p25: 3.25, p50: 5.5, p75: 7.75, iqr: 4.5 });
    expect(x?.mean).toBeCloseTo(14.5, 12);
    // Squared deviations from 14.5 sum to 8182.5 over n − 1 = 9.
    expect(x?.stddev).toBeCloseTo(Math.sqrt(8182.5 / 9), 12);
  });

  it('finds the planted outlier past the far fence with its row and time, and nothing else', () => {
    const o = column(profile, 'x').numeric?.outliers;
    expect(o).toMatchObject({
      lowerFence: -3.5,
      upperFence: 14.5,
      farUpperFence: 21.25,
      low: 0,
      high: 1,
      far: 1,
    });
    expect(o?.extremes).toEqual([{ row: 10, value: 100, side: 'high', iqrsPast: 19, at: at(15) }]);
    const outliers = profile.findings.filter((f) => f.kind === 'value_outlier');
    expect(outliers).toHaveLength(1);
    expect(outliers[0]).toMatchObject({ subject: 'x', at: at(15), severity: 'critical' });
    expect(outliers[0]?.title).toBe(
      `x 100 on row 10 (t 2024-01-01 15:00 UTC): 19.0 IQRs above the upper fence 14.5`,
    );
  });

  it('counts nulls, distinct and the most common values of a text column', () => {
    const cat = column(profile, 'cat');
    expect(cat).toMatchObject({
      rows: 10,
      nulls: 2,
      nullRate: 0.2,
      values: 8,
      distinct: 3,
      distinctAtLeast: false,
    });
    expect(cat.top).toEqual([
      { value: 'a', count: 5 },
      { value: 'b', count: 2 },
      { value: 'c', count: 1 },
    ]);
    expect(column(profile, 'flag').top).toEqual([
      { value: 'true', count: 9 },
      { value: 'false', count: 1 },
    ]);
    expect(profile.findings.find((f) => f.kind === 'null_rate')).toMatchObject({
      subject: 'cat',
      severity: 'medium',
      title: 'cat is null on 2 of 10 rows (20.0%)',
    });
  });

  it('measures the time column: step, coverage and the planted gap', () => {
    expect(profile.time).toMatchObject({
      column: 't',
      first: at(0),
      last: at(15),
      spanMs: 15 * HOUR,
      points: 10,
      instants: 10,
      medianStepMs: HOUR,
      regular: true,
      gapCount: 1,
      largestGaps: [{ start: at(5), end: at(12), ms: 7 * HOUR, steps: 7 }],
    });
    // 10 instants of the 16 an hourly series over 15 hours would have.
    expect(profile.time?.coveragePct).toBeCloseTo(62.5, 12);
    expect(profile.findings.find((f) => f.kind === 'time_gap')).toMatchObject({
      subject: 't',
      at: at(5),
      severity: 'medium',
    });
    expect(profile.start).toBe(at(0));
    expect(profile.end).toBe(at(15));
  });

  it('keeps a date column as the data writes it and counts its distinct days exactly', () => {
    const days = ['2024-03-01', '2024-03-02', '2024-03-02', null, '2024-02-28'];
    const p = analyzeProfile(
      days.map((d) => ({ d })),
      { kind: 'profile', columns: [{ name: 'd', type: 'date' }] },
    );
    expect(column(p, 'd')).toMatchObject({
      nulls: 1,
      distinct: 3,
      range: { first: '2024-02-28', last: '2024-03-02' },
    });
    expect(p.time?.column).toBe('d');
  });

  it('counts values of another type than declared apart, and rows that are not objects as skipped', () => {
    const p = analyzeProfile([{ x: 1 }, { x: 'one' }, 'junk', { x: null }, {}], {
      kind: 'profile',
      columns: [{ name: 'x', type: 'integer' }],
    });
    expect(p.rows).toBe(4);
    expect(p.skippedRows).toBe(1);
    expect(column(p, 'x')).toMatchObject({ values: 1, invalid: 1, nulls: 2 });
  });
});

describe('analyzeProfile on clean data', () => {
  it('flags no outlier above info on normal data, though about 0.7 % lie past the 1.5·IQR fences', () => {
    const values = normals(7, 5000).map((z) => 100 + 15 * z);
    const p = analyzeProfile(
      values.map((v) => ({ v })),
      { kind: 'profile', columns: [{ name: 'v', type: 'number' }] },
    );
    const o = column(p, 'v').numeric?.outliers;
    expect((o?.low ?? 0) + (o?.high ?? 0)).toBeGreaterThan(0);
    expect(o?.far).toBe(0);
    expect(p.findings.filter((f) => f.severity !== 'info')).toEqual([]);
  });

  it('does not judge gaps in events at random times, where long steps are natural', () => {
    const random = seededRandom(11);
    let ms = Date.UTC(2024, 0, 1);
    const rows = Array.from({ length: 500 }, () => {
      ms += Math.round(-Math.log(1 - random()) * 60_000) + 1;
      return { t: new Date(ms).toISOString() };
    });
    const p = analyzeProfile(rows, { kind: 'profile', columns: [{ name: 't', type: 'datetime' }] });
    expect(p.time?.regular).toBe(false);
    expect(p.time?.gapCount).toBeGreaterThan(0);
    expect(p.findings.filter((f) => f.kind === 'time_gap')).toEqual([]);
  });

  it('has no outlier fences for a column without spread between its quartiles', () => {
    const rows = [...Array.from({ length: 20 }, () => ({ n: 0 })), { n: 5 }];
    const p = analyzeProfile(rows, { kind: 'profile', columns: [{ name: 'n', type: 'integer' }] });
    expect(column(p, 'n').numeric?.outliers).toBeNull();
    expect(p.findings).toEqual([]);
  });

  it('stops counting distinct text values at the cap and says "at least"', () => {
    const rows = Array.from({ length: PROFILE_LIMITS.distinct + 5 }, (_, i) => ({ s: `v${i}` }));
    const c = column(
      analyzeProfile(rows, { kind: 'profile', columns: [{ name: 's', type: 'string' }] }),
      's',
    );
    expect(c).toMatchObject({
      distinct: PROFILE_LIMITS.distinct,
      distinctAtLeast: true,
      values: rows.length,
    });
  });
});

describe('profile helpers', () => {
  it('takes the plan time column when it is a date or time, else the first such column', () => {
    const columns = [
      { name: 'a', type: 'string' },
      { name: 'b', type: 'epoch_ms' },
      { name: 'c', type: 'date' },
    ] as const;
    expect(timeColumnOf({ kind: 'profile', columns, timeColumn: 'c' })?.name).toBe('c');
    expect(timeColumnOf({ kind: 'profile', columns, timeColumn: 'a' })?.name).toBe('b');
    expect(timeColumnOf({ kind: 'profile', columns: [columns[0]] })).toBeNull();
  });

  it('writes instants to the minute, with seconds only when there are some, and dates as they are', () => {
    expect(readableInstant('2024-01-10T21:30:00.000Z')).toBe('2024-01-10 21:30 UTC');
    expect(readableInstant('2024-01-10T21:30:05.250Z')).toBe('2024-01-10 21:30:05.25 UTC');
    expect(readableInstant('2024-01-10')).toBe('2024-01-10');
  });

  it('writes durations in the unit that keeps them short', () => {
    expect(formatDuration(900_000)).toBe('15 min');
    expect(formatDuration(7 * HOUR)).toBe('7 h');
    expect(formatDuration(36 * HOUR)).toBe('1.5 d');
    expect(formatDuration(250)).toBe('250 ms');
  });
});

describe('analyzeProfile invariants', () => {
  const cell = fc.oneof(
    fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e9, max: 1e9 }),
    fc.integer(),
    fc.constant(null),
    fc.constant('text'),
  );

  it('orders min ≤ p25 ≤ p50 ≤ p75 ≤ max, keeps mean inside them, and adds the counts up', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ v: cell, s: fc.option(fc.constantFrom('a', 'b', 'c')) }), { maxLength: 80 }),
        (rows) => {
          const p = analyzeProfile(rows, {
            kind: 'profile',
            columns: [
              { name: 'v', type: 'number' },
              { name: 's', type: 'enum' },
            ],
          });
          for (const c of p.columns) {
            expect(c.nullRate).toBeGreaterThanOrEqual(0);
            expect(c.nullRate).toBeLessThanOrEqual(1);
            expect(c.nulls + c.invalid + c.values).toBe(p.rows);
            expect(c.distinct).toBeLessThanOrEqual(c.values);
            expect((c.top ?? []).reduce((n, t) => n + t.count, 0)).toBeLessThanOrEqual(c.values);
            const n = c.numeric;
            if (n === null) continue;
            expect(n.min).toBeLessThanOrEqual(n.p25);
            expect(n.p25).toBeLessThanOrEqual(n.p50);
            expect(n.p50).toBeLessThanOrEqual(n.p75);
            expect(n.p75).toBeLessThanOrEqual(n.max);
            expect(n.mean).toBeGreaterThanOrEqual(n.min);
            expect(n.mean).toBeLessThanOrEqual(n.max);
            expect(n.histogram.counts.reduce((a, b) => a + b, 0)).toBe(c.values);
            if (n.outliers) expect(n.outliers.far).toBeLessThanOrEqual(n.outliers.low + n.outliers.high);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('interpolates quantiles between the closest ranks', () => {
    expect(quantileOf([10], 0.5)).toBe(10);
    expect(quantileOf([1, 2, 3, 4], 0.5)).toBe(2.5);
  });
});
