/**
 * How many bars make a year, to annualize volatility: stdev × √(bars per year).
 * Intraday bars count a 6.5-hour (390-minute) US session, 252 sessions a year.
 */

export const TRADING_DAYS_PER_YEAR = 252;
export const SESSION_MINUTES = 390;

export const VOLATILITY_RULE =
  'volatility = sample standard deviation of bar-to-bar simple returns; annualized by √(bars per year): ' +
  '1day → 252, 1week → 52, 1month → 12, intraday <n>min/<n>h → (390 / minutes per bar, at least 1) × 252; ' +
  'without a stated interval the bar spacing is inferred from the median gap between bars';

export interface Annualization {
  readonly periodsPerYear: number;
  /** `interval` when the source stated a known interval, `inferred` when read from bar spacing. */
  readonly basis: 'interval' | 'inferred';
}

const intradayPerYear = (minutes: number) => Math.max(1, SESSION_MINUTES / minutes) * TRADING_DAYS_PER_YEAR;

/** Bars per year for a Twelve Data interval name, or null for a name it does not know. */
export function periodsPerYearOf(interval: string): number | null {
  const named: Record<string, number> = { '1day': TRADING_DAYS_PER_YEAR, '1week': 52, '1month': 12 };
  const fixed = named[interval];
  if (fixed !== undefined) return fixed;
  const intraday = /^(\d+)(min|h)$/.exec(interval);
  if (intraday === null) return null;
  const minutes = Number(intraday[1]) * (intraday[2] === 'h' ? 60 : 1);
  return minutes > 0 ? intradayPerYear(minutes) : null;
}

const DAY = 86_400;

/** Bars per year read from the median gap between bar times (seconds); null below two distinct bars. */
export function inferPeriodsPerYear(time: Float64Array): number | null {
  const gaps: number[] = [];
  for (let i = 1; i < time.length; i++) {
    const gap = (time[i] as number) - (time[i - 1] as number);
    if (gap > 0) gaps.push(gap);
  }
  if (gaps.length === 0) return null;
  gaps.sort((a, b) => a - b);
  const median = gaps[Math.floor((gaps.length - 1) / 2)] as number;
  // Weekends and holidays stretch some gaps; the thresholds sit between the usual spacings.
  if (median >= 25 * DAY) return 12;
  if (median >= 5 * DAY) return 52;
  if (median >= 0.75 * DAY) return TRADING_DAYS_PER_YEAR;
  return intradayPerYear(median / 60);
}

export function annualizationOf(interval: string | null, time: Float64Array): Annualization | null {
  const stated = interval === null ? null : periodsPerYearOf(interval);
  if (stated !== null) return { periodsPerYear: stated, basis: 'interval' };
  const inferred = inferPeriodsPerYear(time);
  return inferred === null ? null : { periodsPerYear: inferred, basis: 'inferred' };
}
