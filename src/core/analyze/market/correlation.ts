/**
 * Pairwise return correlation for a bounded set of symbols: all pairs of 500
 * symbols would be 124,750 numbers nobody reads, so only the heaviest traded
 * symbols are compared.
 */
import { pearson } from './returns.js';

export const CORRELATION_MAX_SYMBOLS = 10;
export const CORRELATION_MIN_PAIRS = 10;

export const CORRELATION_RULE =
  `Pearson correlation of bar-to-bar simple returns, paired on equal datetimes, for the ${CORRELATION_MAX_SYMBOLS} ` +
  'symbols with the largest traded value (sum of close × volume); a pair needs at least ' +
  `${CORRELATION_MIN_PAIRS} shared returns and movement on both sides, else it is null`;

export interface CorrelationInput {
  readonly symbol: string;
  readonly tradedValue: number;
  readonly time: Float64Array;
  /** Returns aligned with `time`; NaN where a bar has none. */
  readonly returns: Float64Array;
}

export interface CorrelationPair {
  readonly a: string;
  readonly b: string;
  readonly r: number;
  /** Shared returns the figure rests on. */
  readonly n: number;
}

export interface Correlation {
  /** The compared symbols, largest traded value first. */
  readonly symbols: readonly string[];
  /** `matrix[i][j]` correlates `symbols[i]` with `symbols[j]`; null when the pair has too little data. */
  readonly matrix: readonly (readonly (number | null)[])[];
  /** Pairs with a figure, most correlated first. */
  readonly pairs: readonly CorrelationPair[];
}

/** Returns both series hold at the same time (both sorted by time). */
function aligned(x: CorrelationInput, y: CorrelationInput): { xs: number[]; ys: number[] } {
  const xs: number[] = [];
  const ys: number[] = [];
  let i = 0;
  let j = 0;
  while (i < x.time.length && j < y.time.length) {
    const tx = x.time[i] as number;
    const ty = y.time[j] as number;
    if (tx < ty) i++;
    else if (tx > ty) j++;
    else {
      const rx = x.returns[i] as number;
      const ry = y.returns[j] as number;
      if (Number.isFinite(rx) && Number.isFinite(ry)) {
        xs.push(rx);
        ys.push(ry);
      }
      i++;
      j++;
    }
  }
  return { xs, ys };
}

/** The symbols correlation compares: largest traded value first, ties by symbol. */
export function largestByTradedValue<T extends { symbol: string; tradedValue: number }>(
  symbols: readonly T[],
): T[] {
  return [...symbols]
    .sort((a, b) => b.tradedValue - a.tradedValue || (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0))
    .slice(0, CORRELATION_MAX_SYMBOLS);
}

export function correlate(inputs: readonly CorrelationInput[]): Correlation {
  const chosen = largestByTradedValue(inputs);
  const k = chosen.length;
  const matrix: (number | null)[][] = Array.from({ length: k }, () => new Array<number | null>(k).fill(null));
  const pairs: CorrelationPair[] = [];
  for (let i = 0; i < k; i++) {
    for (let j = i; j < k; j++) {
      const { xs, ys } = aligned(chosen[i] as CorrelationInput, chosen[j] as CorrelationInput);
      const r = pearson(xs, ys, CORRELATION_MIN_PAIRS);
      (matrix[i] as (number | null)[])[j] = r;
      (matrix[j] as (number | null)[])[i] = r;
      if (i !== j && r !== null) {
        pairs.push({
          a: (chosen[i] as CorrelationInput).symbol,
          b: (chosen[j] as CorrelationInput).symbol,
          r,
          n: xs.length,
        });
      }
    }
  }
  pairs.sort((p, q) => q.r - p.r);
  return { symbols: chosen.map((c) => c.symbol), matrix, pairs };
}
