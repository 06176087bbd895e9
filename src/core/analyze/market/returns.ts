/** Bar-to-bar simple returns and the statistics built on them. */
import { freshArray } from './scratch.js';

/**
 * Simple returns aligned with bars: index i holds close[i] / close[i-1] − 1.
 * Index 0, and any bar after a zero close, is NaN: there is no return to state.
 */
export function simpleReturns(close: Float64Array, allocate = freshArray): Float64Array {
  const out = allocate(close.length).fill(Number.NaN);
  for (let i = 1; i < close.length; i++) {
    const prev = close[i - 1] as number;
    if (prev > 0) out[i] = (close[i] as number) / prev - 1;
  }
  return out;
}

export interface FiniteStats {
  readonly count: number;
  readonly mean: number | null;
  /** Sample standard deviation (n − 1); null below two values. */
  readonly stdev: number | null;
}

/** Count, mean and sample standard deviation of the finite values (Welford, one pass). */
export function finiteStats(values: Float64Array): FiniteStats {
  let count = 0;
  let mean = 0;
  let m2 = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(v)) continue;
    count++;
    const delta = v - mean;
    mean += delta / count;
    m2 += delta * (v - mean);
  }
  return {
    count,
    mean: count > 0 ? mean : null,
    stdev: count > 1 ? Math.sqrt(Math.max(0, m2) / (count - 1)) : null,
  };
}

/**
 * Pearson correlation of paired samples; null below `minPairs` or when either
 * side has no variance (a flat series correlates with nothing).
 */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>, minPairs = 2): number | null {
  const n = Math.min(x.length, y.length);
  if (n < minPairs) return null;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i] as number;
    my += y[i] as number;
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = (x[i] as number) - mx;
    const dy = (y[i] as number) - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (!(sxx > 0 && syy > 0)) return null;
  const r = sxy / Math.sqrt(sxx * syy);
  return Number.isFinite(r) ? Math.max(-1, Math.min(1, r)) : null;
}
