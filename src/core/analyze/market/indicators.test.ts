import { ATR, BollingerBands, EMA, MACD, RSI, SMA } from 'technicalindicators';
import { describe, expect, it } from 'vitest';
import { randomWalkBars } from '../../../samples/random-walk.js';
import { atr, bollinger, ema, macd, rsi, sma } from './indicators.js';

const columns = (seed: number, bars = 300) => {
  const rows = randomWalkBars({ seed, bars, volatility: 0.02 });
  return {
    close: Float64Array.from(rows, (r) => r.close),
    high: Float64Array.from(rows, (r) => r.high),
    low: Float64Array.from(rows, (r) => r.low),
  };
};

/** Our series (NaN while warming up) must equal the library's (which omits warm-up) on their common tail. */
function expectTailMatch(
  ours: Float64Array,
  theirs: readonly (number | undefined)[],
  tolerance: number,
): void {
  const offset = ours.length - theirs.length;
  for (let i = 0; i < ours.length; i++) {
    const expected = i >= offset ? theirs[i - offset] : undefined;
    if (expected === undefined) {
      expect(Number.isNaN(ours[i] as number), `index ${i} should still be warming up`).toBe(true);
    } else {
      expect(Math.abs((ours[i] as number) - expected), `index ${i}`).toBeLessThanOrEqual(tolerance);
    }
  }
}

const SEEDS = [1, 7, 42, 2024];

describe('indicators against technicalindicators on random walks', () => {
  it.each(SEEDS)('SMA(20) and SMA(50) match for seed %i', (seed) => {
    const { close } = columns(seed);
    for (const period of [20, 50]) {
      expectTailMatch(sma(close, period), SMA.calculate({ period, values: [...close] }), 1e-9);
    }
  });

  it.each(SEEDS)('EMA(12), EMA(20) and EMA(26) match for seed %i', (seed) => {
    const { close } = columns(seed);
    for (const period of [12, 20, 26]) {
      expectTailMatch(ema(close, period), EMA.calculate({ period, values: [...close] }), 1e-9);
    }
  });

  it.each(SEEDS)('Wilder RSI(14) matches to the library rounding of two decimals for seed %i', (seed) => {
    const { close } = columns(seed);
    expectTailMatch(rsi(close, 14), RSI.calculate({ period: 14, values: [...close] }), 0.0051);
  });

  it.each(SEEDS)('MACD(12,26,9) line, signal and histogram match for seed %i', (seed) => {
    const { close } = columns(seed);
    const theirs = MACD.calculate({
      values: [...close],
      fastPeriod: 12,
      slowPeriod: 26,
      signalPeriod: 9,
      SimpleMAOscillator: false,
      SimpleMASignal: false,
    });
    const ours = macd(close, 12, 26, 9);
    expectTailMatch(
      ours.macd,
      theirs.map((m) => m.MACD),
      1e-9,
    );
    expectTailMatch(
      ours.signal,
      theirs.map((m) => m.signal),
      1e-9,
    );
    expectTailMatch(
      ours.histogram,
      theirs.map((m) => m.histogram),
      1e-9,
    );
  });

  it.each(SEEDS)('Bollinger(20, 2) bands match for seed %i', (seed) => {
    const { close } = columns(seed);
    const theirs = BollingerBands.calculate({ period: 20, stdDev: 2, values: [...close] });
    const ours = bollinger(close, 20, 2);
    expectTailMatch(
      ours.middle,
      theirs.map((b) => b.middle),
      1e-9,
    );
    expectTailMatch(
      ours.upper,
      theirs.map((b) => b.upper),
      1e-9,
    );
    expectTailMatch(
      ours.lower,
      theirs.map((b) => b.lower),
      1e-9,
    );
  });

  it.each(SEEDS)('Wilder ATR(14) matches for seed %i', (seed) => {
    const { close, high, low } = columns(seed);
    const theirs = ATR.calculate({ period: 14, high: [...high], low: [...low], close: [...close] });
    expectTailMatch(atr(high, low, close, 14), theirs, 1e-9);
  });
});

describe('indicators on small hand-computed series', () => {
  const f = (...values: number[]) => Float64Array.from(values);

  it('averages the last three values for SMA(3)', () => {
    expect([...sma(f(1, 2, 3, 4, 5), 3)]).toEqual([Number.NaN, Number.NaN, 2, 3, 4]);
  });

  it('seeds EMA(3) with the mean of the first three values, then weights new values by 2/(3+1)', () => {
    // seed (2+4+6)/3 = 4; then 4 + (8-4)·0.5 = 6; then 6 + (2-6)·0.5 = 4
    expect([...ema(f(2, 4, 6, 8, 2), 3)]).toEqual([Number.NaN, Number.NaN, 4, 6, 4]);
  });

  it('computes RSI(2) from mean gains and losses, then Wilder smoothing', () => {
    // changes +2, -1 → gain 1, loss 0.5 → RS 2 → 66.67; next +3 → gain 2, loss 0.25 → RS 8 → 88.89
    const out = rsi(f(10, 12, 11, 14), 2);
    expect(out[2]).toBeCloseTo(100 - 100 / 3, 10);
    expect(out[3]).toBeCloseTo(100 - 100 / 9, 10);
  });

  it('reads RSI as 100 when prices only rose and 50 when they never moved', () => {
    expect(rsi(f(1, 2, 3, 4), 3)[3]).toBe(100);
    expect(rsi(f(5, 5, 5, 5), 3)[3]).toBe(50);
  });

  it('builds Bollinger bands from the population standard deviation', () => {
    // window 2, 4, 4, 4, 5, 5, 7, 9: mean 5, population σ 2
    const band = bollinger(f(2, 4, 4, 4, 5, 5, 7, 9), 8, 2);
    expect(band.middle[7]).toBe(5);
    expect(band.stdev[7]).toBe(2);
    expect(band.upper[7]).toBe(9);
    expect(band.lower[7]).toBe(1);
  });

  it('takes the true range across a gap from the previous close for ATR', () => {
    // true ranges: max(12-11, |12-10|, |11-10|) = 2; max(13-12, |13-12|, |12-12|) = 1 → ATR(2) = 1.5
    const out = atr(f(10, 12, 13), f(9, 11, 12), f(10, 12, 12.5), 2);
    expect(out[2]).toBe(1.5);
  });

  it('leaves every indicator warming up when the series is shorter than its window', () => {
    const short = f(1, 2, 3);
    for (const series of [
      sma(short, 20),
      ema(short, 20),
      rsi(short, 14),
      macd(short).signal,
      bollinger(short).upper,
    ]) {
      expect([...series].every(Number.isNaN)).toBe(true);
    }
    expect([...atr(short, short, short, 14)].every(Number.isNaN)).toBe(true);
  });
});
