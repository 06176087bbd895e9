/** Every per-symbol figure, computed from one columnar series sorted by time. */

import type { Finding } from '../findings/finding.js';
import { symbolFindings } from '../findings/market.js';
import { annualizationOf } from './annualization.js';
import { type Anomaly, type AnomalyKind, detectAnomalies } from './anomalies.js';
import { maxDrawdown } from './drawdown.js';
import { finiteOrNull, lastFinite } from './finite.js';
import { atr, bollinger, ema, macd, rsi, sma } from './indicators.js';
import { finiteStats, simpleReturns } from './returns.js';
import { type Allocate, freshArray } from './scratch.js';
import type { SymbolSeries } from './series.js';
import { readTrend, type TrendReading } from './trend.js';

export const MOMENTUM_BARS = 5;

/** What a symbol without volume goes without, in the words the report shows. */
export const VOLUME_SKIPPED =
  'volume spikes and split detection skipped: the bars carry no volume (as forex, crypto, metals and ticks without a size)';

export interface BarReturn {
  readonly datetime: string;
  readonly pct: number;
}

export interface ReturnSummary {
  /** Bar-to-bar returns that exist (a bar after a zero close has none). */
  readonly count: number;
  readonly lastPct: number | null;
  readonly meanPct: number | null;
  readonly best: BarReturn | null;
  readonly worst: BarReturn | null;
}

export interface Volatility {
  /** Sample standard deviation of bar returns, in percent per bar. */
  readonly stdevPct: number | null;
  readonly annualizedPct: number | null;
  readonly periodsPerYear: number | null;
  readonly basis: 'interval' | 'inferred' | null;
}

export interface MacdReading {
  readonly macd: number | null;
  readonly signal: number | null;
  readonly histogram: number | null;
}

export interface BollingerReading {
  readonly middle: number | null;
  readonly upper: number | null;
  readonly lower: number | null;
  /** Where the last close sits in the band: 0 at the lower edge, 1 at the upper; null for a flat band. */
  readonly percentB: number | null;
}

export interface DrawdownReading {
  /** Depth in percent of the peak close; 0 when closes never fell. */
  readonly pct: number;
  readonly peak: string | null;
  readonly trough: string | null;
}

export interface SymbolAnalysis {
  readonly symbol: string;
  readonly bars: number;
  /** Datetime of the first and last bar. */
  readonly start: string;
  readonly end: string;
  readonly interval: string | null;
  readonly firstClose: number;
  readonly lastClose: number;
  /** Last close against first close over the window, in percent; null when the first close is 0 or one bar. */
  readonly changePct: number | null;
  /** Σ close × volume: the symbol's weight in the market (picks the correlation set). */
  readonly tradedValue: number;
  /**
   * Analytics left out for this symbol and why: forex, crypto and metals bars
   * carry no volume, so volume spikes and volume-confirmed splits are skipped.
   * Absent when nothing was skipped.
   */
  readonly skipped?: readonly string[];
  readonly returns: ReturnSummary;
  readonly trend: TrendReading;
  /** Close minus the close 5 bars earlier, and the same in percent. */
  readonly momentum5: number | null;
  readonly momentum5Pct: number | null;
  readonly volatility: Volatility;
  readonly rsi14: number | null;
  readonly macd: MacdReading;
  readonly bollinger: BollingerReading;
  readonly atr14: number | null;
  /** ATR as a percent of the last close. */
  readonly atr14Pct: number | null;
  readonly maxDrawdown: DrawdownReading | null;
  readonly anomalyCounts: Readonly<Record<AnomalyKind, number>>;
  /** The most important anomalies (at most `MAX_ANOMALIES_PER_SYMBOL`), most important first. */
  readonly anomalies: readonly Anomaly[];
  readonly anomaliesOmitted: number;
  /** Moves, gaps and splits among the last 20 bars. */
  readonly recentPriceAnomalies: number;
  /** What is unusual about the symbol, with a severity each (see findings/finding.ts). */
  readonly findings: readonly Finding[];
  /** Notable events counted but not kept as findings (beyond `MAX_NOTABLE_EVENTS`). */
  readonly findingsOmitted: number;
}

export interface SymbolComputation {
  readonly analysis: SymbolAnalysis;
  /** Bar returns aligned with `series.time`, for cross-symbol correlation (from `allocate`: copy to keep). */
  readonly returns: Float64Array;
}

const pctOf = (part: number, whole: number): number | null => (whole > 0 ? (part / whole) * 100 : null);

function summarizeReturns(datetime: readonly string[], returns: Float64Array): ReturnSummary {
  let best = -1;
  let worst = -1;
  for (let i = 0; i < returns.length; i++) {
    const r = returns[i] as number;
    if (!Number.isFinite(r)) continue;
    if (best < 0 || r > (returns[best] as number)) best = i;
    if (worst < 0 || r < (returns[worst] as number)) worst = i;
  }
  const stats = finiteStats(returns);
  const at = (i: number): BarReturn | null =>
    i < 0 ? null : { datetime: datetime[i] as string, pct: (returns[i] as number) * 100 };
  const last = lastFinite(returns);
  return {
    count: stats.count,
    lastPct: last === null ? null : last * 100,
    meanPct: stats.mean === null ? null : stats.mean * 100,
    best: at(best),
    worst: at(worst),
  };
}

function readBollinger(
  close: number,
  middle: number | null,
  upper: number | null,
  lower: number | null,
): BollingerReading {
  const width = upper !== null && lower !== null ? upper - lower : 0;
  return {
    middle,
    upper,
    lower,
    percentB: width > 1e-9 * Math.abs(middle ?? 0) && lower !== null ? (close - lower) / width : null,
  };
}

/** All figures of one symbol; `allocate` supplies the working arrays (a `Scratch` in `analyzeMarket`). */
export function analyzeSymbol(series: SymbolSeries, allocate: Allocate = freshArray): SymbolComputation {
  const { close, high, low, datetime } = series;
  const n = close.length;
  const first = close[0] as number;
  const last = close[n - 1] as number;
  const returns = simpleReturns(close, allocate);
  const stats = finiteStats(returns);
  const annualization = annualizationOf(series.interval, series.time);
  const band = bollinger(close, 20, 2, allocate);
  const macdSeries = macd(close, 12, 26, 9, allocate);
  const atrLast = lastFinite(atr(high, low, close, 14, allocate));
  const drawdown = maxDrawdown(close);
  const anomalies = detectAnomalies(series, band);
  const momentumBase = finiteOrNull(close[n - 1 - MOMENTUM_BARS]);
  const momentum5 = momentumBase === null ? null : last - momentumBase;

  const analysis: SymbolAnalysis = {
    symbol: series.symbol,
    bars: n,
    start: datetime[0] as string,
    end: datetime[n - 1] as string,
    interval: series.interval,
    firstClose: first,
    lastClose: last,
    changePct: n > 1 ? pctOf(last - first, first) : null,
    tradedValue: series.tradedValue,
    ...(series.hasVolume ? {} : { skipped: [VOLUME_SKIPPED] }),
    returns: summarizeReturns(datetime, returns),
    trend: readTrend(
      band.middle,
      sma(close, 50, allocate),
      ema(close, 20, 0, allocate),
      ema(close, 50, 0, allocate),
    ),
    momentum5,
    momentum5Pct: momentum5 === null || momentumBase === null ? null : pctOf(momentum5, momentumBase),
    volatility: {
      stdevPct: stats.stdev === null ? null : stats.stdev * 100,
      annualizedPct:
        stats.stdev === null || annualization === null
          ? null
          : stats.stdev * Math.sqrt(annualization.periodsPerYear) * 100,
      periodsPerYear: annualization?.periodsPerYear ?? null,
      basis: annualization?.basis ?? null,
    },
    rsi14: lastFinite(rsi(close, 14, allocate)),
    macd: {
      macd: lastFinite(macdSeries.macd),
      signal: lastFinite(macdSeries.signal),
      histogram: lastFinite(macdSeries.histogram),
    },
    bollinger: readBollinger(last, lastFinite(band.middle), lastFinite(band.upper), lastFinite(band.lower)),
    atr14: atrLast,
    atr14Pct: atrLast === null ? null : pctOf(atrLast, last),
    maxDrawdown:
      drawdown === null
        ? null
        : {
            pct: drawdown.pct,
            peak: drawdown.peak === null ? null : (datetime[drawdown.peak] as string),
            trough: drawdown.trough === null ? null : (datetime[drawdown.trough] as string),
          },
    anomalyCounts: anomalies.counts,
    anomalies: anomalies.top,
    anomaliesOmitted: anomalies.omitted,
    recentPriceAnomalies: anomalies.recentPriceAnomalies,
    findings: symbolFindings({ symbol: series.symbol, interval: series.interval, datetime, anomalies }),
    findingsOmitted: anomalies.notableOmitted,
  };
  return { analysis, returns };
}
