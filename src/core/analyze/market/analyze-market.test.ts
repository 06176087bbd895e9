import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { randomWalkBars } from '../../../samples/random-walk.js';
import type { OhlcvRow } from '../../datasets/ohlcv.rules.js';
import { analyzeMarket } from './analyze-market.js';
import { CORRELATION_MAX_SYMBOLS } from './correlation.js';
import { classifySentiment, classifyTurbulence } from './cross-section.js';
import { assertNoNaN } from './finite.js';

const DAY = 86_400_000;
const dateOf = (i: number) => new Date(Date.UTC(2024, 0, 1) + i * DAY).toISOString().slice(0, 10);

/** Bars from closes: open at the previous close, volume 1000 unless given. */
function bars(symbol: string, closes: readonly number[], volumes?: readonly number[]): OhlcvRow[] {
  return closes.map((close, i) => {
    const open = closes[i - 1] ?? close;
    return {
      symbol,
      datetime: dateOf(i),
      open,
      high: Math.max(open, close),
      low: Math.min(open, close),
      close,
      volume: volumes?.[i] ?? 1000,
    };
  });
}

const line = (n: number, from: number, to: number) =>
  Array.from({ length: n }, (_, i) => from + ((to - from) * i) / Math.max(1, n - 1));

describe('analyzeMarket on edge cases', () => {
  it('returns an empty, defined analysis for no rows', () => {
    const market = analyzeMarket([]);
    assertNoNaN(market);
    expect(market).toMatchObject({
      symbolCount: 0,
      barCount: 0,
      start: null,
      end: null,
      topGainers: [],
      topLosers: [],
    });
    expect(market.sentiment.label).toBe('neutral');
    expect(market.turbulence.level).toBeNull();
    expect(market.correlation).toEqual({ symbols: [], matrix: [], pairs: [] });
  });

  it('gives nulls, not NaN, for a symbol with one bar', () => {
    const market = analyzeMarket(bars('ONE', [10]));
    assertNoNaN(market);
    const [s] = market.symbols;
    expect(s).toMatchObject({
      bars: 1,
      changePct: null,
      rsi14: null,
      atr14: null,
      maxDrawdown: null,
      momentum5: null,
    });
    expect(s?.trend.direction).toBeNull();
    expect(s?.volatility).toEqual({ stdevPct: null, annualizedPct: null, periodsPerYear: null, basis: null });
    expect(s?.returns).toEqual({ count: 0, lastPct: null, meanPct: null, best: null, worst: null });
  });

  it('gives zero volatility, a neutral RSI and no band position for flat prices', () => {
    const market = analyzeMarket(bars('FLAT', line(80, 0.1, 0.1)));
    assertNoNaN(market);
    const [s] = market.symbols;
    expect(s?.volatility.stdevPct).toBe(0);
    expect(s?.rsi14).toBe(50);
    expect(s?.bollinger.percentB).toBeNull();
    expect(s?.trend.direction).toBe('sideways');
    expect(s?.maxDrawdown).toEqual({ pct: 0, peak: null, trough: null });
    expect(s?.anomalyCounts).toEqual({ split: 0, move: 0, gap: 0, volume: 0, band: 0 });
  });

  it('keeps indicators that need more bars null when the series is shorter than their window', () => {
    const [s] = analyzeMarket(bars('SHORT', line(10, 10, 12))).symbols;
    expect(s?.trend.sma20).toBeNull();
    expect(s?.bollinger.upper).toBeNull();
    expect(s?.rsi14).toBeNull();
    expect(s?.macd).toEqual({ macd: null, signal: null, histogram: null });
    expect(s?.momentum5).toBeCloseTo(2 * (5 / 9), 9);
  });

  it('handles zero volume and a zero close without dividing by zero', () => {
    const closes = [0, ...line(30, 5, 6), 0, ...line(30, 6, 7)];
    const market = analyzeMarket(
      bars(
        'ZERO',
        closes,
        closes.map(() => 0),
      ),
    );
    assertNoNaN(market);
    const [s] = market.symbols;
    expect(s?.changePct).toBeNull();
    expect(s?.tradedValue).toBe(0);
    expect(s?.anomalyCounts.volume).toBe(0);
    expect(s?.returns.count).toBe(closes.length - 3);
  });

  it('never puts NaN or Infinity anywhere, whatever the series', () => {
    const price = fc.oneof(
      fc.constant(0),
      fc.constant(1),
      fc.double({ min: 0.01, max: 10_000, noNaN: true }),
    );
    const series: fc.Arbitrary<number[]> = fc.oneof(
      fc.array(price, { minLength: 1, maxLength: 90 }),
      fc.tuple(price, fc.integer({ min: 1, max: 90 })).map(([p, n]) => Array.from({ length: n }, () => p)),
      fc.constant<number[]>([0]),
    );
    const symbol = fc.record({
      name: fc.constantFrom('A', 'B', 'C', 'D'),
      closes: series,
      volume: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 1e9 })),
      newestFirst: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(symbol, { maxLength: 4 }), (symbols) => {
        const rows = symbols.flatMap((s) => {
          const own = bars(
            s.name,
            s.closes,
            s.closes.map((_, i) => (i % 7 === 3 ? s.volume * 3 : s.volume)),
          );
          return s.newestFirst ? own.reverse() : own;
        });
        const seen = new Set<string>();
        const unique = rows.filter(
          (r) => !seen.has(`${r.symbol} ${r.datetime}`) && seen.add(`${r.symbol} ${r.datetime}`),
        );
        assertNoNaN(analyzeMarket(unique));
      }),
      { numRuns: 200 },
    );
  });
});

describe('analyzeMarket per symbol', () => {
  it('computes change, momentum and drawdown on a small hand-checked series', () => {
    const closes = [100, 110, 121, 99, 90, 108, 120];
    const [s] = analyzeMarket(bars('HAND', closes)).symbols;
    expect(s?.changePct).toBeCloseTo(20, 9);
    expect(s?.momentum5).toBeCloseTo(120 - 110, 9);
    expect(s?.momentum5Pct).toBeCloseTo((10 / 110) * 100, 9);
    // peak 121 on day 2, trough 90 on day 4
    expect(s?.maxDrawdown?.pct).toBeCloseTo(((121 - 90) / 121) * 100, 9);
    expect(s?.maxDrawdown).toMatchObject({ peak: dateOf(2), trough: dateOf(4) });
    expect(s?.returns.best).toEqual({ datetime: dateOf(5), pct: expect.closeTo(20, 9) });
    expect(s?.returns.worst?.datetime).toBe(dateOf(3));
  });

  it('annualizes daily volatility with √252', () => {
    const [s] = analyzeMarket(randomWalkBars({ seed: 3, bars: 300, interval: '1day' })).symbols;
    const v = s?.volatility;
    expect(v?.basis).toBe('interval');
    expect(v?.annualizedPct).toBeCloseTo((v?.stdevPct ?? 0) * Math.sqrt(252), 9);
  });

  it('calls an upward trend on a steady rise and a downward one on a steady fall', () => {
    const market = analyzeMarket([
      ...bars('UP', line(80, 50, 100)),
      ...bars('DOWN', line(80, 100, 50)),
      ...bars('FLAT', line(80, 7, 7)),
    ]);
    expect(market.symbols.map((s) => [s.symbol, s.trend.direction])).toEqual([
      ['DOWN', 'down'],
      ['FLAT', 'sideways'],
      ['UP', 'up'],
    ]);
    expect(market.trendCounts).toEqual({ up: 1, down: 1, sideways: 1, none: 0 });
  });
});

describe('analyzeMarket across symbols', () => {
  it('is bullish when most symbols rose and the mean change is above 1 %', () => {
    const market = analyzeMarket([...bars('A', [10, 11]), ...bars('B', [10, 12]), ...bars('C', [10, 9.9])]);
    expect(market.sentiment).toMatchObject({ label: 'bullish', advancing: 2, declining: 1, unchanged: 0 });
    expect(market.sentiment.meanChangePct).toBeCloseTo((10 + 20 - 1) / 3, 9);
  });

  it('states the sentiment rule in code', () => {
    expect(classifySentiment(60, 40, 1.5)).toBe('bullish');
    expect(classifySentiment(60, 40, 1)).toBe('neutral');
    expect(classifySentiment(59.9, 40.1, 5)).toBe('neutral');
    expect(classifySentiment(20, 80, -3)).toBe('bearish');
    expect(classifySentiment(20, 80, 0.5)).toBe('neutral');
    expect(classifySentiment(null, null, null)).toBe('neutral');
  });

  it('lists at most five gainers and only symbols that fell as losers', () => {
    const symbols = [5, 40, -10, 25, 1, 15, 30, 0].map((pct, i) => bars(`S${i}`, [100, 100 + pct]));
    const market = analyzeMarket(symbols.flat());
    expect(market.topGainers.map((m) => m.changePct)).toEqual(
      [40, 30, 25, 15, 5].map((p) => expect.closeTo(p, 9)),
    );
    expect(market.topLosers.map((m) => m.symbol)).toEqual(['S2']);
  });

  it('correlates identical return series at 1 and mirrored ones at -1', () => {
    const walk = randomWalkBars({ seed: 11, bars: 60 }).map((r) => r.close);
    const mirrored = [walk[0] as number];
    for (let i = 1; i < walk.length; i++) {
      const r = (walk[i] as number) / (walk[i - 1] as number) - 1;
      mirrored.push((mirrored[i - 1] as number) * (1 - r));
    }
    const market = analyzeMarket([...bars('A', walk), ...bars('B', walk), ...bars('C', mirrored)]);
    const { symbols, matrix } = market.correlation;
    const r = (a: string, b: string) => matrix[symbols.indexOf(a)]?.[symbols.indexOf(b)];
    expect(r('A', 'B')).toBeCloseTo(1, 12);
    expect(r('A', 'A')).toBe(1);
    expect(r('A', 'C')).toBeCloseTo(-1, 12);
    expect(market.correlation.pairs[0]).toMatchObject({
      a: expect.any(String),
      r: expect.closeTo(1, 12),
      n: 59,
    });
  });

  it('pairs returns by datetime, not by position', () => {
    const walk = randomWalkBars({ seed: 5, bars: 40 }).map((r) => r.close);
    const late = bars('LATE', walk).map((r, i) => ({ ...r, datetime: dateOf(i + 10) }));
    const market = analyzeMarket([...bars('EARLY', walk), ...late]);
    const pair = market.correlation.pairs[0];
    expect(pair?.n).toBe(29);
    expect(pair?.r).toBeLessThan(0.9);
  });

  it('correlates only the symbols with the largest traded value', () => {
    const rows = Array.from({ length: 15 }, (_, i) =>
      randomWalkBars({ seed: i, bars: 30, symbol: `S${String(i).padStart(2, '0')}`, startPrice: 10 + i }),
    ).flat();
    const market = analyzeMarket(rows);
    const byValue = [...market.symbols]
      .sort((a, b) => b.tradedValue - a.tradedValue)
      .slice(0, CORRELATION_MAX_SYMBOLS);
    expect(market.correlation.symbols).toEqual(byValue.map((s) => s.symbol));
    expect(market.correlation.matrix).toHaveLength(CORRELATION_MAX_SYMBOLS);
  });

  it('gives no correlation to a flat series', () => {
    const walk = randomWalkBars({ seed: 2, bars: 30 }).map((r) => r.close);
    const market = analyzeMarket([...bars('WALK', walk), ...bars('FLAT', line(30, 3, 3))]);
    expect(market.correlation.pairs).toEqual([]);
  });

  it('states the turbulence rule in code', () => {
    expect(classifyTurbulence(45, 0)).toBe('high');
    expect(classifyTurbulence(20, 50)).toBe('high');
    expect(classifyTurbulence(10, 5)).toBe('low');
    expect(classifyTurbulence(10, 10)).toBe('moderate');
    expect(classifyTurbulence(null, 90)).toBeNull();
  });

  it('measures turbulence from volatility and recent price anomalies', () => {
    const calm = bars('CALM', line(60, 100, 101));
    const jumpy = bars('JUMPY', [...line(50, 100, 101), ...line(10, 120, 121)]);
    const t = analyzeMarket([...calm, ...jumpy]).turbulence;
    expect(t.symbolsWithRecentAnomalies).toBe(1);
    expect(t.recentAnomalySharePct).toBe(50);
    expect(t.level).toBe('high');
  });

  it('lists the most important anomalies across symbols with splits first', () => {
    const calm = (n: number) => Array.from({ length: n }, (_, i) => 100 + 0.5 * Math.sin(i));
    const splitting = calm(60).map((c, i) => (i >= 30 ? c / 2 : c));
    const volumes = splitting.map((_, i) => (i >= 30 ? 2000 : 1000));
    const moving = calm(60).map((c, i) => (i >= 40 ? c * 1.2 : c));
    const market = analyzeMarket([...bars('MOVE', moving), ...bars('SPLT', splitting, volumes)]);
    expect(market.notableAnomalies[0]).toMatchObject({ symbol: 'SPLT', kind: 'split' });
    expect(market.notableAnomalies[1]).toMatchObject({ symbol: 'MOVE', kind: 'move' });
    expect(market.anomalyCounts.split).toBe(1);
  });
});
