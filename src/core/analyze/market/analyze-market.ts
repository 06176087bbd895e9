/** `analyzeMarket`: OHLCV rows in, every per-symbol and market-wide figure out. */
import type { OhlcvRow } from '../../datasets/ohlcv.rules.js';
import { analyzeSymbol, type SymbolAnalysis } from './analyze-symbol.js';
import { VOLATILITY_RULE } from './annualization.js';
import {
  ANOMALY_KINDS,
  ANOMALY_RULES,
  type Anomaly,
  type AnomalyKind,
  compareImportance,
  emptyAnomalyCounts,
} from './anomalies.js';
import {
  CORRELATION_RULE,
  type Correlation,
  type CorrelationInput,
  correlate,
  largestByTradedValue,
} from './correlation.js';
import {
  type Mover,
  readSentiment,
  readTurbulence,
  SENTIMENT_RULE,
  type Sentiment,
  TURBULENCE_RULE,
  type Turbulence,
  topMovers,
} from './cross-section.js';
import { Scratch } from './scratch.js';
import { groupBySymbol, loadSeries } from './series.js';
import { TREND_RULE } from './trend.js';

/** Anomalies listed market-wide, across all symbols. */
export const MAX_NOTABLE_ANOMALIES = 20;

export interface MarketRules {
  readonly trend: string;
  readonly sentiment: string;
  readonly turbulence: string;
  readonly volatility: string;
  readonly correlation: string;
  readonly anomalies: Readonly<Record<AnomalyKind, string>>;
}

export interface TrendCounts {
  readonly up: number;
  readonly down: number;
  readonly sideways: number;
  /** Symbols too short for a call. */
  readonly none: number;
}

export interface MarketAnalysis {
  readonly symbolCount: number;
  readonly barCount: number;
  /** Rows left out as implausible (non-finite or absurd numbers); 0 for validated input. */
  readonly skippedRows: number;
  /** Earliest and latest bar datetime over all symbols. */
  readonly start: string | null;
  readonly end: string | null;
  /** Per-symbol figures, in symbol order. */
  readonly symbols: readonly SymbolAnalysis[];
  readonly sentiment: Sentiment;
  readonly topGainers: readonly Mover[];
  readonly topLosers: readonly Mover[];
  readonly trendCounts: TrendCounts;
  readonly turbulence: Turbulence;
  readonly correlation: Correlation;
  /** Anomalies of each kind over all symbols and bars. */
  readonly anomalyCounts: Readonly<Record<AnomalyKind, number>>;
  /** The most important anomalies across symbols (at most `MAX_NOTABLE_ANOMALIES`), most important first. */
  readonly notableAnomalies: readonly Anomaly[];
  /** Every rule behind a label or an anomaly, in words, for reports and the narrative. */
  readonly rules: MarketRules;
}

export const MARKET_RULES: MarketRules = {
  trend: TREND_RULE,
  sentiment: SENTIMENT_RULE,
  turbulence: TURBULENCE_RULE,
  volatility: VOLATILITY_RULE,
  correlation: CORRELATION_RULE,
  anomalies: ANOMALY_RULES,
};

export function analyzeMarket(rows: Iterable<OhlcvRow>): MarketAnalysis {
  const { groups, skippedRows, maxRows } = groupBySymbol(rows);
  const correlated = new Set(largestByTradedValue(groups).map((g) => g.symbol));
  const scratch = new Scratch(maxRows);
  const symbols: SymbolAnalysis[] = [];
  const correlationInputs: CorrelationInput[] = [];
  const anomalyCounts = emptyAnomalyCounts();
  const trendCounts = { up: 0, down: 0, sideways: 0, none: 0 };
  const candidates: Anomaly[] = [];
  let barCount = 0;
  let start: string | null = null;
  let end: string | null = null;
  for (const group of groups) {
    scratch.reset();
    const series = loadSeries(group, scratch.take);
    const { analysis, returns } = analyzeSymbol(series, scratch.take);
    symbols.push(analysis);
    if (correlated.has(group.symbol)) {
      // The scratch views are overwritten by the next symbol; the few correlated ones are copied out.
      correlationInputs.push({
        symbol: group.symbol,
        tradedValue: group.tradedValue,
        time: series.time.slice(),
        returns: returns.slice(),
      });
    }
    barCount += analysis.bars;
    if (start === null || analysis.start < start) start = analysis.start;
    if (end === null || analysis.end > end) end = analysis.end;
    trendCounts[analysis.trend.direction ?? 'none']++;
    for (const kind of ANOMALY_KINDS) anomalyCounts[kind] += analysis.anomalyCounts[kind];
    candidates.push(...analysis.anomalies);
  }
  const movers = topMovers(symbols);
  const notableAnomalies = candidates
    .sort(
      (x, y) => compareImportance(x, y) || (x.datetime < y.datetime ? 1 : x.datetime > y.datetime ? -1 : 0),
    )
    .slice(0, MAX_NOTABLE_ANOMALIES);
  return {
    symbolCount: symbols.length,
    barCount,
    skippedRows,
    start,
    end,
    symbols,
    sentiment: readSentiment(symbols),
    topGainers: movers.gainers,
    topLosers: movers.losers,
    trendCounts,
    turbulence: readTurbulence(symbols),
    correlation: correlate(correlationInputs),
    anomalyCounts,
    notableAnomalies,
    rules: MARKET_RULES,
  };
}
