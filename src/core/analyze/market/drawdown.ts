/** The deepest fall from a running peak close to a later close. */

export interface Drawdown {
  /** Depth of the fall in percent of the peak; 0 when closes never fell. */
  readonly pct: number;
  /** Index of the peak and of the trough; null when closes never fell. */
  readonly peak: number | null;
  readonly trough: number | null;
}

/** Max drawdown over closes; null below two bars. Zero closes cannot be a peak. */
export function maxDrawdown(close: Float64Array): Drawdown | null {
  if (close.length < 2) return null;
  let peakIndex = 0;
  let best: Drawdown = { pct: 0, peak: null, trough: null };
  for (let i = 0; i < close.length; i++) {
    const c = close[i] as number;
    const peak = close[peakIndex] as number;
    if (c > peak) {
      peakIndex = i;
      continue;
    }
    if (peak <= 0) continue;
    const pct = ((peak - c) / peak) * 100;
    if (pct > best.pct) best = { pct, peak: peakIndex, trough: i };
  }
  return best;
}
