/** Market analytics: what the rest of sluice may use. */
export {
  analyzeMarket,
  MARKET_RULES,
  type MarketAnalysis,
  type MarketRules,
  type TrendCounts,
} from './analyze-market.js';
export type {
  BarReturn,
  BollingerReading,
  DrawdownReading,
  MacdReading,
  ReturnSummary,
  SymbolAnalysis,
  Volatility,
} from './analyze-symbol.js';
export { VOLATILITY_RULE } from './annualization.js';
export {
  ANOMALY_KIND,
  ANOMALY_RULES,
  ANOMALY_THRESHOLDS,
  type Anomaly,
  type AnomalyKind,
} from './anomalies.js';
export { CORRELATION_RULE, type Correlation, type CorrelationPair } from './correlation.js';
export {
  type Mover,
  SENTIMENT,
  SENTIMENT_RULE,
  type Sentiment,
  type SentimentLabel,
  TURBULENCE_RULE,
  type Turbulence,
  type TurbulenceLevel,
} from './cross-section.js';
export { assertNoNaN, findNonFinite } from './finite.js';
export {
  BAR_CHOICES_MS,
  barInterval,
  chooseBarMs,
  TARGET_BARS,
  TICK_BAR_RULE,
  type TickRow,
  ticksToBars,
} from './ticks.js';
export { TREND, TREND_RULE, type Trend, type TrendReading } from './trend.js';
