/**
 * Technical indicators over a whole series. Each returns an array as long as
 * its input, with NaN where the indicator is still warming up, so values line
 * up with bars by index. Seeding follows the common convention (and the
 * `technicalindicators` package the tests compare against): EMA and Wilder
 * averages start from the simple mean of their first `period` inputs.
 * `allocate` lets the market analysis reuse buffers between symbols.
 */
import { type Allocate, freshArray } from './scratch.js';

function warmingUp(n: number, allocate: Allocate): Float64Array {
  return allocate(n).fill(Number.NaN);
}

/** Simple moving average; first value at index `period - 1`. */
export function sma(values: Float64Array, period: number, allocate = freshArray): Float64Array {
  const out = warmingUp(values.length, allocate);
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i] as number;
    if (i >= period) sum -= values[i - period] as number;
    if (i >= period - 1) out[i] = sum / period;
  }
  return out;
}

/**
 * Exponential moving average (alpha = 2 / (period + 1)) of the finite part of
 * `values` that starts at `from`; used on MACD, whose first values are NaN.
 */
export function ema(values: Float64Array, period: number, from = 0, allocate = freshArray): Float64Array {
  const out = warmingUp(values.length, allocate);
  const seedEnd = from + period - 1;
  if (seedEnd >= values.length) return out;
  let sum = 0;
  for (let i = from; i <= seedEnd; i++) sum += values[i] as number;
  let current = sum / period;
  out[seedEnd] = current;
  const alpha = 2 / (period + 1);
  for (let i = seedEnd + 1; i < values.length; i++) {
    current += ((values[i] as number) - current) * alpha;
    out[i] = current;
  }
  return out;
}

/**
 * Wilder's RSI: first value at index `period`, from the mean gain and loss of
 * the first `period` changes, then smoothed with weight 1/period. A flat
 * window (no gain, no loss) reads 50: neither side has momentum.
 */
export function rsi(closes: Float64Array, period = 14, allocate = freshArray): Float64Array {
  const out = warmingUp(closes.length, allocate);
  if (closes.length <= period) return out;
  let gain = 0;
  let loss = 0;
  for (let i = 1; i <= period; i++) {
    const change = (closes[i] as number) - (closes[i - 1] as number);
    if (change > 0) gain += change;
    else loss -= change;
  }
  gain /= period;
  loss /= period;
  out[period] = rsiOf(gain, loss);
  for (let i = period + 1; i < closes.length; i++) {
    const change = (closes[i] as number) - (closes[i - 1] as number);
    gain = (gain * (period - 1) + Math.max(change, 0)) / period;
    loss = (loss * (period - 1) + Math.max(-change, 0)) / period;
    out[i] = rsiOf(gain, loss);
  }
  return out;
}

function rsiOf(gain: number, loss: number): number {
  if (loss === 0) return gain === 0 ? 50 : 100;
  return 100 - 100 / (1 + gain / loss);
}

export interface MacdSeries {
  readonly macd: Float64Array;
  readonly signal: Float64Array;
  readonly histogram: Float64Array;
}

/** MACD line = EMA(fast) − EMA(slow), signal = EMA(signal) of the line, histogram = line − signal. */
export function macd(
  closes: Float64Array,
  fast = 12,
  slow = 26,
  signalPeriod = 9,
  allocate = freshArray,
): MacdSeries {
  const fastEma = ema(closes, fast, 0, allocate);
  const slowEma = ema(closes, slow, 0, allocate);
  const line = warmingUp(closes.length, allocate);
  for (let i = slow - 1; i < closes.length; i++) line[i] = (fastEma[i] as number) - (slowEma[i] as number);
  const signal = ema(line, signalPeriod, slow - 1, allocate);
  const histogram = warmingUp(closes.length, allocate);
  for (let i = 0; i < closes.length; i++) histogram[i] = (line[i] as number) - (signal[i] as number);
  return { macd: line, signal, histogram };
}

export interface BollingerSeries {
  readonly middle: Float64Array;
  readonly upper: Float64Array;
  readonly lower: Float64Array;
  /** Population standard deviation of the window, as Bollinger defined the bands. */
  readonly stdev: Float64Array;
}

/**
 * Bollinger bands: SMA(period) ± k population standard deviations. The
 * deviation is recomputed from each window (two passes) rather than from
 * running sums of squares, whose cancellation turns a flat window into noise.
 */
export function bollinger(closes: Float64Array, period = 20, k = 2, allocate = freshArray): BollingerSeries {
  const n = closes.length;
  const middle = sma(closes, period, allocate);
  const stdev = warmingUp(n, allocate);
  const upper = warmingUp(n, allocate);
  const lower = warmingUp(n, allocate);
  for (let i = period - 1; i < n; i++) {
    const mean = middle[i] as number;
    let squares = 0;
    for (let j = i - period + 1; j <= i; j++) {
      const d = (closes[j] as number) - mean;
      squares += d * d;
    }
    const sd = Math.sqrt(squares / period);
    stdev[i] = sd;
    upper[i] = mean + k * sd;
    lower[i] = mean - k * sd;
  }
  return { middle, upper, lower, stdev };
}

/**
 * Wilder's average true range: true range from the second bar on (it needs
 * the previous close), first value at index `period` as the mean of the first
 * `period` true ranges, then smoothed with weight 1/period.
 */
export function atr(
  high: Float64Array,
  low: Float64Array,
  close: Float64Array,
  period = 14,
  allocate = freshArray,
): Float64Array {
  const n = close.length;
  const out = warmingUp(n, allocate);
  if (n <= period) return out;
  const trueRange = (i: number) => {
    const h = high[i] as number;
    const l = low[i] as number;
    const prev = close[i - 1] as number;
    return Math.max(h - l, Math.abs(h - prev), Math.abs(l - prev));
  };
  let current = 0;
  for (let i = 1; i <= period; i++) current += trueRange(i);
  current /= period;
  out[period] = current;
  for (let i = period + 1; i < n; i++) {
    current = (current * (period - 1) + trueRange(i)) / period;
    out[i] = current;
  }
  return out;
}
