/**
 * Bar-level anomalies of one symbol. Every bar is examined and counted; only
 * the most important few are kept with an explanation, because a long noisy
 * series would otherwise produce hundreds of near-identical entries.
 */
import { formatCount, formatMultiple, formatPct, formatPrice } from './format.js';
import type { BollingerSeries } from './indicators.js';
import type { SymbolSeries } from './series.js';

/** The measure a finding's severity rule reads, from a candidate's kind-specific figures. */
function eventMeasure(kind: AnomalyKind, a: number, b: number): number {
  return kind === 'volume' ? a / b : Math.abs(a);
}

/** Edges at which an event becomes a finding of its own (`low`); below them it is tallied as info. */
export const NOTABLE_FROM: Readonly<Record<AnomalyKind, number>> = {
  volume: 3,
  move: 5,
  gap: 3,
  split: 0,
  band: Number.POSITIVE_INFINITY,
};

export const ANOMALY_KIND = {
  split: 'split',
  move: 'move',
  gap: 'gap',
  volume: 'volume',
  band: 'band',
} as const;
export type AnomalyKind = (typeof ANOMALY_KIND)[keyof typeof ANOMALY_KIND];
export const ANOMALY_KINDS = Object.values(ANOMALY_KIND);

export const ANOMALY_THRESHOLDS = {
  /** Volume above this multiple of the average of the previous `volumeWindow` bars. */
  volumeMultiple: 1.5,
  volumeWindow: 20,
  /** |close / previous close − 1| above this, in percent. */
  movePct: 5,
  /** |open / previous close − 1| above this, in percent. */
  gapPct: 3,
  bandPeriod: 20,
  bandSigmas: 2,
  /** Split factors looked for, both ways (2-for-1 halves the price, 1-for-2 doubles it). */
  splitFactors: [2, 3, 4, 5, 10],
  /** Relative distance of close / previous close from 1/factor (or factor) still read as a split. */
  splitTolerance: 0.03,
  /** Bars averaged on each side of a split to see the volume change. */
  splitVolumeBars: 5,
  splitVolumeMultiple: 1.5,
  /** A split makes every rolling window that straddles it meaningless for this many bars. */
  splitQuietBars: 20,
} as const;

const T = ANOMALY_THRESHOLDS;

export const ANOMALY_RULES: Readonly<Record<AnomalyKind, string>> = {
  split:
    `probable split: close / previous close within ${T.splitTolerance * 100} % of 1/${T.splitFactors.join(', 1/')} ` +
    `(forward split) or ${T.splitFactors.join(', ')} (reverse split), and the mean volume of that bar and the next ` +
    `${T.splitVolumeBars - 1} at least ${T.splitVolumeMultiple}× (forward) or at most 1/${T.splitVolumeMultiple} (reverse) ` +
    `the mean of the ${T.splitVolumeBars} bars before; the split bar is not also reported as a move or gap, and band and ` +
    `volume anomalies are not reported for the ${T.splitQuietBars} bars from it, whose windows straddle the split`,
  move: `big move: |close / previous close − 1| > ${T.movePct} %`,
  gap: `gap: |open / previous close − 1| > ${T.gapPct} %`,
  volume: `volume spike: volume > ${T.volumeMultiple} × the mean volume of the previous ${T.volumeWindow} bars (needs ${T.volumeWindow} earlier bars and a mean above zero)`,
  band: `outside the band: close above the upper or below the lower Bollinger band (${T.bandPeriod} bars, ${T.bandSigmas} σ, needs a window with non-zero spread)`,
};

/** Anomalies kept per symbol with their explanation; all of them are counted. */
export const MAX_ANOMALIES_PER_SYMBOL = 10;
/** Events per symbol that each become a finding; more are counted. */
export const MAX_NOTABLE_EVENTS = 50;
/** Bars at the end of a series that count as recent (for turbulence). */
export const RECENT_BARS = 20;

export interface Anomaly {
  readonly symbol: string;
  readonly kind: AnomalyKind;
  readonly datetime: string;
  /**
   * How far past its threshold the bar went (1.6 = 1.6 × the threshold); for
   * a split, its factor. Splits rank above every other kind regardless.
   */
  readonly severity: number;
  readonly explanation: string;
  /** The numbers the explanation quotes, by name. */
  readonly figures: Readonly<Record<string, number>>;
}

/** Events below their finding's `low` edge, tallied per kind rather than kept one by one. */
export interface InfoTally {
  readonly count: number;
  /** Datetime of the latest such bar. */
  readonly last: string;
  /** The largest measure among them (multiple, percent or sigmas). */
  readonly maxMeasure: number;
}

export interface SymbolAnomalies {
  readonly counts: Readonly<Record<AnomalyKind, number>>;
  /**
   * Moves, gaps, volume spikes and splits that reach their finding's `low`
   * edge (at most `MAX_NOTABLE_EVENTS`, most important first): each becomes a finding.
   */
  readonly notable: readonly Anomaly[];
  /** Notable events beyond `MAX_NOTABLE_EVENTS`, counted only. */
  readonly notableOmitted: number;
  readonly infoTallies: Readonly<Partial<Record<AnomalyKind, InfoTally>>>;
  /** The most important first: splits, then by severity, then the most recent. */
  readonly top: readonly Anomaly[];
  /** Anomalies counted but not kept in `top`. */
  readonly omitted: number;
  /** Moves, gaps and splits among the last `RECENT_BARS` bars. */
  readonly recentPriceAnomalies: number;
}

/** A detected anomaly before it earns an explanation; a, b, c are kind-specific figures. */
interface Candidate {
  readonly kind: AnomalyKind;
  readonly index: number;
  readonly severity: number;
  readonly a: number;
  readonly b: number;
  readonly c: number;
}

const KIND_RANK: Readonly<Record<AnomalyKind, number>> = { split: 0, move: 1, gap: 2, volume: 3, band: 4 };

export const emptyAnomalyCounts = (): Record<AnomalyKind, number> => ({
  split: 0,
  move: 0,
  gap: 0,
  volume: 0,
  band: 0,
});

/** Orders anomalies most important first (the same order for kept candidates and market-wide lists). */
export function compareImportance(
  x: { kind: AnomalyKind; severity: number },
  y: { kind: AnomalyKind; severity: number },
): number {
  return KIND_RANK[x.kind] - KIND_RANK[y.kind] || y.severity - x.severity;
}

function meanOf(values: Float64Array, from: number, to: number): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += values[i] as number;
  return sum / (to - from);
}

/** The split factor (2 for 2-for-1, −2 for 1-for-2) close / previous close points to, or 0. */
function splitFactorOf(ratio: number): number {
  for (const factor of T.splitFactors) {
    if (Math.abs(ratio * factor - 1) <= T.splitTolerance) return factor;
    if (Math.abs(ratio / factor - 1) <= T.splitTolerance) return -factor;
  }
  return 0;
}

/** Keeps the `capacity` most important candidates, best first, without holding the rest. */
class MostImportant {
  readonly kept: Candidate[] = [];

  constructor(private readonly capacity: number) {}

  /** Later bars win ties: offers arrive in time order and the more recent one matters more. */
  offer(kind: AnomalyKind, index: number, severity: number, a: number, b: number, c: number): void {
    const kept = this.kept;
    const beats = (other: Candidate) => {
      const byImportance = compareImportance({ kind, severity }, other);
      return byImportance < 0 || (byImportance === 0 && index > other.index);
    };
    if (kept.length === this.capacity && !beats(kept[kept.length - 1] as Candidate)) return;
    let at = kept.length;
    while (at > 0 && beats(kept[at - 1] as Candidate)) at--;
    kept.splice(at, 0, { kind, index, severity, a, b, c });
    if (kept.length > this.capacity) kept.pop();
  }
}

export function detectAnomalies(series: SymbolSeries, band: BollingerSeries): SymbolAnomalies {
  const { open, close, volume } = series;
  const n = close.length;
  const counts = emptyAnomalyCounts();
  const top = new MostImportant(MAX_ANOMALIES_PER_SYMBOL);
  const notable = new MostImportant(MAX_NOTABLE_EVENTS);
  const tallies: Partial<Record<AnomalyKind, { count: number; last: number; maxMeasure: number }>> = {};
  let total = 0;
  let notableCount = 0;
  let recentPriceAnomalies = 0;
  const add = (kind: AnomalyKind, index: number, severity: number, a: number, b: number, c: number) => {
    counts[kind]++;
    total++;
    top.offer(kind, index, severity, a, b, c);
    const measure = kind === 'band' ? Math.abs(a) : eventMeasure(kind, a, b);
    if (measure >= NOTABLE_FROM[kind]) {
      notableCount++;
      notable.offer(kind, index, severity, a, b, c);
    } else {
      tallies[kind] ??= { count: 0, last: index, maxMeasure: measure };
      const tally = tallies[kind];
      tally.count++;
      tally.last = index;
      tally.maxMeasure = Math.max(tally.maxMeasure, measure);
    }
    if (index >= n - RECENT_BARS && (kind === 'move' || kind === 'gap' || kind === 'split'))
      recentPriceAnomalies++;
  };
  let quietUntil = -1;
  let volumeSum = 0;
  for (let i = 0; i < n; i++) {
    const c = close[i] as number;
    const prev = i > 0 ? (close[i - 1] as number) : 0;
    let split = false;
    if (prev > 0) {
      const ratio = c / prev;
      const factor = splitFactorOf(ratio);
      if (factor !== 0) {
        const before = meanOf(volume, Math.max(0, i - T.splitVolumeBars), i);
        const after = meanOf(volume, i, Math.min(n, i + T.splitVolumeBars));
        const volumeRatio = after / before;
        split =
          before > 0 &&
          (factor > 0 ? volumeRatio >= T.splitVolumeMultiple : volumeRatio <= 1 / T.splitVolumeMultiple);
        if (split) {
          add('split', i, Math.abs(factor), factor, before, after);
          quietUntil = i + T.splitQuietBars;
        }
      }
      if (!split) {
        const movePct = (ratio - 1) * 100;
        if (Math.abs(movePct) > T.movePct) add('move', i, Math.abs(movePct) / T.movePct, movePct, 0, 0);
        const gapPct = ((open[i] as number) / prev - 1) * 100;
        if (Math.abs(gapPct) > T.gapPct) add('gap', i, Math.abs(gapPct) / T.gapPct, gapPct, 0, 0);
      }
    }
    const quiet = i < quietUntil;
    const sd = band.stdev[i] as number;
    const middle = band.middle[i] as number;
    // A flat window still has rounding noise in its deviation; treat it as no spread.
    if (!quiet && sd > 1e-9 * Math.abs(middle)) {
      const sigmas = (c - middle) / sd;
      if (Math.abs(sigmas) > T.bandSigmas)
        add('band', i, Math.abs(sigmas) / T.bandSigmas, sigmas, middle, sd);
    }
    if (i >= T.volumeWindow) {
      const average = volumeSum / T.volumeWindow;
      const v = volume[i] as number;
      if (!quiet && average > 0 && v > T.volumeMultiple * average) {
        add('volume', i, v / average / T.volumeMultiple, v, average, 0);
      }
      volumeSum -= volume[i - T.volumeWindow] as number;
    }
    volumeSum += volume[i] as number;
  }
  const kept = top.kept.map((c) => explain(series, c));
  const infoTallies: Partial<Record<AnomalyKind, InfoTally>> = {};
  for (const [kind, t] of Object.entries(tallies) as Array<
    [AnomalyKind, { count: number; last: number; maxMeasure: number }]
  >) {
    infoTallies[kind] = { count: t.count, last: series.datetime[t.last] as string, maxMeasure: t.maxMeasure };
  }
  return {
    counts,
    top: kept,
    omitted: total - kept.length,
    notable: notable.kept.map((c) => explain(series, c)),
    notableOmitted: notableCount - notable.kept.length,
    infoTallies,
    recentPriceAnomalies,
  };
}

function explain(series: SymbolSeries, c: Candidate): Anomaly {
  const i = c.index;
  const prev = series.close[i - 1] ?? 0;
  const close = series.close[i] as number;
  const base = {
    symbol: series.symbol,
    kind: c.kind,
    datetime: series.datetime[i] as string,
    severity: c.severity,
  };
  switch (c.kind) {
    case 'split': {
      const factor = Math.abs(c.a);
      const label = c.a > 0 ? `${factor}-for-1 split` : `1-for-${factor} reverse split`;
      const volumeRatio = c.c / c.b;
      return {
        ...base,
        explanation:
          `Close went from ${formatPrice(prev)} to ${formatPrice(close)} (${formatMultiple(close / prev)} the previous close) ` +
          `while mean volume changed ${formatMultiple(volumeRatio)} (${formatCount(c.b)} over the ${T.splitVolumeBars} bars before, ` +
          `${formatCount(c.c)} from this bar on): a probable ${label}. Prices are not split-adjusted, so change, drawdown and ` +
          'volatility include this jump.',
        figures: {
          previousClose: prev,
          close,
          ratio: close / prev,
          factor: c.a,
          volumeBefore: c.b,
          volumeAfter: c.c,
          volumeRatio,
        },
      };
    }
    case 'move':
      return {
        ...base,
        explanation:
          `Close ${c.a > 0 ? 'rose' : 'fell'} ${formatPct(Math.abs(c.a))} in one bar, from ${formatPrice(prev)} to ` +
          `${formatPrice(close)} (the rule flags moves beyond ${T.movePct}%).`,
        figures: { previousClose: prev, close, pct: c.a },
      };
    case 'gap': {
      const open = series.open[i] as number;
      return {
        ...base,
        explanation:
          `Opened ${formatPct(Math.abs(c.a))} ${c.a > 0 ? 'above' : 'below'} the previous close (${formatPrice(prev)} → ` +
          `${formatPrice(open)}; the rule flags gaps beyond ${T.gapPct}%).`,
        figures: { previousClose: prev, open, pct: c.a },
      };
    }
    case 'volume':
      return {
        ...base,
        explanation:
          `Volume ${formatCount(c.a)} was ${formatMultiple(c.a / c.b)} the mean of the previous ${T.volumeWindow} bars ` +
          `(${formatCount(c.b)}; the rule flags more than ${T.volumeMultiple}×).`,
        figures: { volume: c.a, average: c.b, multiple: c.a / c.b },
      };
    case 'band': {
      const edge = c.b + Math.sign(c.a) * T.bandSigmas * c.c;
      return {
        ...base,
        explanation:
          `Close ${formatPrice(close)} was ${c.a > 0 ? 'above the upper' : 'below the lower'} Bollinger band ` +
          `${formatPrice(edge)}, ${Math.abs(c.a).toFixed(1)} σ from the ${T.bandPeriod}-bar mean ${formatPrice(c.b)} ` +
          `(σ ${formatPrice(c.c)}).`,
        figures: { close, middle: c.b, stdev: c.c, band: edge, sigmas: c.a },
      };
    }
  }
}
