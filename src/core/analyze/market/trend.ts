/** The trend call for one symbol, from where its short average sits against its long one. */
import { finiteOrNull } from './finite.js';

export const TREND = { up: 'up', down: 'down', sideways: 'sideways' } as const;
export type Trend = (typeof TREND)[keyof typeof TREND];

/** SMA20 must sit this far (percent of SMA50) above or below SMA50 for a trend. */
export const TREND_SPREAD_PCT = 1;
/** Bars over which SMA20's slope is read. */
export const TREND_SLOPE_BARS = 5;
export const TREND_MIN_BARS = 50;

export const TREND_RULE =
  `up when SMA20 is more than ${TREND_SPREAD_PCT} % above SMA50 and SMA20 rose over the last ${TREND_SLOPE_BARS} bars; ` +
  `down when SMA20 is more than ${TREND_SPREAD_PCT} % below SMA50 and SMA20 fell over the last ${TREND_SLOPE_BARS} bars; ` +
  `sideways otherwise; no call (null) with fewer than ${TREND_MIN_BARS} bars`;

export interface TrendReading {
  readonly direction: Trend | null;
  readonly sma20: number | null;
  readonly sma50: number | null;
  readonly ema20: number | null;
  readonly ema50: number | null;
  /** (SMA20 − SMA50) / SMA50, in percent. */
  readonly spreadPct: number | null;
  /** Change of SMA20 over the last 5 bars, in percent. */
  readonly sma20SlopePct: number | null;
}

const pctChange = (from: number | null, to: number | null): number | null =>
  from !== null && to !== null && from > 0 ? ((to - from) / from) * 100 : null;

export function readTrend(
  sma20: Float64Array,
  sma50: Float64Array,
  ema20: Float64Array,
  ema50: Float64Array,
): TrendReading {
  const last = sma20.length - 1;
  const short = finiteOrNull(sma20[last]);
  const long = finiteOrNull(sma50[last]);
  const spreadPct = pctChange(long, short);
  const sma20SlopePct = pctChange(finiteOrNull(sma20[last - TREND_SLOPE_BARS]), short);
  return {
    direction: classifyTrend(sma20.length, spreadPct, sma20SlopePct),
    sma20: short,
    sma50: long,
    ema20: finiteOrNull(ema20[last]),
    ema50: finiteOrNull(ema50[last]),
    spreadPct,
    sma20SlopePct,
  };
}

/** `TREND_RULE` in code; a missing spread or slope (zero prices) reads as sideways. */
export function classifyTrend(bars: number, spreadPct: number | null, slopePct: number | null): Trend | null {
  if (bars < TREND_MIN_BARS) return null;
  if (spreadPct === null || slopePct === null) return TREND.sideways;
  if (spreadPct > TREND_SPREAD_PCT && slopePct > 0) return TREND.up;
  if (spreadPct < -TREND_SPREAD_PCT && slopePct < 0) return TREND.down;
  return TREND.sideways;
}
