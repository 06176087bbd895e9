import { describe, expect, it } from 'vitest';
import type { OhlcvRow } from '../../datasets/ohlcv.rules.js';
import { datetimeSeconds, groupBySymbol, loadSeries, toSeries } from './series.js';

const row = (symbol: string, datetime: string, close: number, volume = 100): OhlcvRow => ({
  symbol,
  datetime,
  open: close,
  high: close,
  low: close,
  close,
  volume,
});

describe('datetimeSeconds', () => {
  it('agrees with Date.parse for dates and datetimes read as UTC', () => {
    for (const dt of [
      '1970-01-01',
      '2000-02-29',
      '2024-12-31T23:59:59',
      '1999-03-01T00:00:01',
      '2100-03-01',
    ]) {
      const iso = dt.length === 10 ? `${dt}T00:00:00Z` : `${dt}Z`;
      expect(datetimeSeconds(dt)).toBe(Date.parse(iso) / 1000);
    }
  });

  it('accepts a space between date and time, as Twelve Data writes it', () => {
    expect(datetimeSeconds('2024-05-01 09:30:00')).toBe(datetimeSeconds('2024-05-01T09:30:00'));
  });

  it('returns NaN for text that is not a datetime', () => {
    expect(datetimeSeconds('yesterday')).toBeNaN();
  });
});

describe('toSeries', () => {
  it('puts newest-first bars in ascending time order', () => {
    const [series] = toSeries([
      row('A', '2024-01-03', 3),
      row('A', '2024-01-02', 2),
      row('A', '2024-01-01', 1),
    ]);
    expect(series?.datetime).toEqual(['2024-01-01', '2024-01-02', '2024-01-03']);
    expect([...(series?.close ?? [])]).toEqual([1, 2, 3]);
  });

  it('sorts bars that arrive in no particular order', () => {
    const [series] = toSeries([
      row('A', '2024-01-02', 2),
      row('A', '2024-01-04', 4),
      row('A', '2024-01-01', 1),
      row('A', '2024-01-03', 3),
    ]);
    expect([...(series?.close ?? [])]).toEqual([1, 2, 3, 4]);
  });

  it('groups interleaved symbols and lists them in code-point order', () => {
    const all = toSeries([
      row('MSFT', '2024-01-01', 10),
      row('AAPL', '2024-01-01', 1),
      row('MSFT', '2024-01-02', 11),
    ]);
    expect(all.map((s) => [s.symbol, s.close.length])).toEqual([
      ['AAPL', 1],
      ['MSFT', 2],
    ]);
  });

  it('counts a symbol as having volume only when some bar traded: an all-zero column is none', () => {
    const [none, zeros, some] = toSeries([
      { ...row('A', '2024-01-02', 1), volume: undefined },
      row('B', '2024-01-02', 1, 0),
      row('B', '2024-01-03', 1, 0),
      row('C', '2024-01-02', 1, 0),
      row('C', '2024-01-03', 1, 5),
    ]);
    expect([none?.hasVolume, zeros?.hasVolume, some?.hasVolume]).toEqual([false, false, true]);
  });

  it('sums close × volume as the traded value', () => {
    const [series] = toSeries([row('A', '2024-01-01', 2, 10), row('A', '2024-01-02', 3, 100)]);
    expect(series?.tradedValue).toBe(320);
  });

  it('skips rows with non-finite, negative or absurd numbers and counts them', () => {
    const bad = [
      { ...row('A', '2024-01-01', 1), close: Number.NaN },
      { ...row('A', '2024-01-02', 1), volume: -1 },
      { ...row('A', '2024-01-03', 1), high: 1e300 },
      { ...row('A', '2024-01-04', 1), low: 1e-300 },
      { ...row('A', '2024-01-05', 1), open: '1' as unknown as number },
    ];
    const grouped = groupBySymbol([...bad, row('A', '2024-01-06', 1)]);
    expect(grouped.skippedRows).toBe(5);
    expect(grouped.groups[0]?.indices).toHaveLength(1);
  });

  it('fills columns through the given allocator', () => {
    const taken: number[] = [];
    const { groups } = groupBySymbol([row('A', '2024-01-01', 1), row('A', '2024-01-02', 2)]);
    loadSeries(groups[0] as never, (n) => {
      taken.push(n);
      return new Float64Array(n);
    });
    expect(taken.length).toBeGreaterThanOrEqual(7);
    expect(taken.every((n) => n === 2)).toBe(true);
  });
});
