/** Market-wide readings across symbols: sentiment, top movers, turbulence. */

import type { SymbolAnalysis } from './analyze-symbol.js';
import { RECENT_BARS } from './anomalies.js';

export const SENTIMENT = { bullish: 'bullish', bearish: 'bearish', neutral: 'neutral' } as const;
export type SentimentLabel = (typeof SENTIMENT)[keyof typeof SENTIMENT];

/** Share of symbols (percent) that must move one way, and mean change (percent) beyond which the market leans. */
export const SENTIMENT_SHARE_PCT = 60;
export const SENTIMENT_MEAN_CHANGE_PCT = 1;

export const SENTIMENT_RULE =
  `bullish when at least ${SENTIMENT_SHARE_PCT} % of symbols rose over their window and the mean change is above ` +
  `+${SENTIMENT_MEAN_CHANGE_PCT} %; bearish when at least ${SENTIMENT_SHARE_PCT} % fell and the mean change is below ` +
  `-${SENTIMENT_MEAN_CHANGE_PCT} %; neutral otherwise, and when no symbol has a change (one bar, zero first close)`;

export interface Sentiment {
  readonly label: SentimentLabel;
  /** Symbols whose close rose, fell, or stayed put over their window (symbols without a change are left out). */
  readonly advancing: number;
  readonly declining: number;
  readonly unchanged: number;
  readonly advancingPct: number | null;
  readonly decliningPct: number | null;
  readonly meanChangePct: number | null;
  readonly medianChangePct: number | null;
}

export interface Mover {
  readonly symbol: string;
  readonly changePct: number;
  readonly firstClose: number;
  readonly lastClose: number;
}

export const TOP_MOVERS = 5;

export const TURBULENCE_LEVEL = { low: 'low', moderate: 'moderate', high: 'high' } as const;
export type TurbulenceLevel = (typeof TURBULENCE_LEVEL)[keyof typeof TURBULENCE_LEVEL];

export const TURBULENCE_THRESHOLDS = {
  highVolatilityPct: 40,
  highSharePct: 50,
  lowVolatilityPct: 15,
  lowSharePct: 10,
} as const;

const TT = TURBULENCE_THRESHOLDS;

export const TURBULENCE_RULE =
  'turbulence combines the mean annualized volatility across symbols with the share of symbols that had a price ' +
  `anomaly (move beyond 5 %, gap or probable split) in their last ${RECENT_BARS} bars: high when the mean volatility is ` +
  `at least ${TT.highVolatilityPct} % or that share at least ${TT.highSharePct} %; low when the mean volatility is below ` +
  `${TT.lowVolatilityPct} % and the share below ${TT.lowSharePct} %; moderate otherwise; no level (null) when no symbol ` +
  'has a volatility figure';

export interface Turbulence {
  readonly level: TurbulenceLevel | null;
  readonly meanAnnualizedVolatilityPct: number | null;
  readonly medianAnnualizedVolatilityPct: number | null;
  /** Symbols with a move, gap or split among their last 20 bars, and their share of all symbols. */
  readonly symbolsWithRecentAnomalies: number;
  readonly recentAnomalySharePct: number | null;
  /** All anomalies of all kinds per 100 bars, over the whole window. */
  readonly anomaliesPer100Bars: number | null;
}

function median(sorted: readonly number[]): number | null {
  if (sorted.length === 0) return null;
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

const mean = (values: readonly number[]): number | null =>
  values.length === 0 ? null : values.reduce((sum, v) => sum + v, 0) / values.length;

/** `SENTIMENT_RULE` in code. */
export function classifySentiment(
  advancingPct: number | null,
  decliningPct: number | null,
  meanChangePct: number | null,
): SentimentLabel {
  if (advancingPct === null || decliningPct === null || meanChangePct === null) return SENTIMENT.neutral;
  if (advancingPct >= SENTIMENT_SHARE_PCT && meanChangePct > SENTIMENT_MEAN_CHANGE_PCT)
    return SENTIMENT.bullish;
  if (decliningPct >= SENTIMENT_SHARE_PCT && meanChangePct < -SENTIMENT_MEAN_CHANGE_PCT)
    return SENTIMENT.bearish;
  return SENTIMENT.neutral;
}

export function readSentiment(symbols: readonly SymbolAnalysis[]): Sentiment {
  const changes: number[] = [];
  let advancing = 0;
  let declining = 0;
  for (const s of symbols) {
    if (s.changePct === null) continue;
    changes.push(s.changePct);
    if (s.changePct > 0) advancing++;
    else if (s.changePct < 0) declining++;
  }
  const share = (count: number) => (changes.length === 0 ? null : (count / changes.length) * 100);
  const meanChangePct = mean(changes);
  return {
    label: classifySentiment(share(advancing), share(declining), meanChangePct),
    advancing,
    declining,
    unchanged: changes.length - advancing - declining,
    advancingPct: share(advancing),
    decliningPct: share(declining),
    meanChangePct,
    medianChangePct: median(changes.sort((a, b) => a - b)),
  };
}

const toMover = (s: SymbolAnalysis): Mover => ({
  symbol: s.symbol,
  changePct: s.changePct as number,
  firstClose: s.firstClose,
  lastClose: s.lastClose,
});

/** Up to five symbols that rose most and five that fell most; a symbol that did not fall is never a loser. */
export function topMovers(symbols: readonly SymbolAnalysis[]): { gainers: Mover[]; losers: Mover[] } {
  const byName = (a: SymbolAnalysis, b: SymbolAnalysis) =>
    a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0;
  const up = symbols.filter((s) => s.changePct !== null && s.changePct > 0);
  const down = symbols.filter((s) => s.changePct !== null && s.changePct < 0);
  up.sort((a, b) => (b.changePct as number) - (a.changePct as number) || byName(a, b));
  down.sort((a, b) => (a.changePct as number) - (b.changePct as number) || byName(a, b));
  return { gainers: up.slice(0, TOP_MOVERS).map(toMover), losers: down.slice(0, TOP_MOVERS).map(toMover) };
}

/** `TURBULENCE_RULE` in code. */
export function classifyTurbulence(
  meanVolatilityPct: number | null,
  recentSharePct: number | null,
): TurbulenceLevel | null {
  if (meanVolatilityPct === null) return null;
  const share = recentSharePct ?? 0;
  if (meanVolatilityPct >= TT.highVolatilityPct || share >= TT.highSharePct) return TURBULENCE_LEVEL.high;
  if (meanVolatilityPct < TT.lowVolatilityPct && share < TT.lowSharePct) return TURBULENCE_LEVEL.low;
  return TURBULENCE_LEVEL.moderate;
}

export function readTurbulence(symbols: readonly SymbolAnalysis[]): Turbulence {
  const volatilities: number[] = [];
  let withRecent = 0;
  let anomalies = 0;
  let bars = 0;
  for (const s of symbols) {
    if (s.volatility.annualizedPct !== null) volatilities.push(s.volatility.annualizedPct);
    if (s.recentPriceAnomalies > 0) withRecent++;
    for (const count of Object.values(s.anomalyCounts)) anomalies += count;
    bars += s.bars;
  }
  const meanVolatility = mean(volatilities);
  const recentSharePct = symbols.length === 0 ? null : (withRecent / symbols.length) * 100;
  return {
    level: classifyTurbulence(meanVolatility, recentSharePct),
    meanAnnualizedVolatilityPct: meanVolatility,
    medianAnnualizedVolatilityPct: median(volatilities.sort((a, b) => a - b)),
    symbolsWithRecentAnomalies: withRecent,
    recentAnomalySharePct: recentSharePct,
    anomaliesPer100Bars: bars === 0 ? null : (anomalies / bars) * 100,
  };
}
