/**
 * The US equity exchange calendar (NYSE; NASDAQ keeps the same holidays):
 * weekdays that are not exchange holidays. A daily series with no bar on such
 * a day between its first and last bar is missing a bar; weekends and
 * holidays are never gaps. Holidays come from `nyse-holidays`, which derives
 * them by rule for any year (Good Friday, observed dates, Juneteenth from 2022).
 */
import { getHolidays } from 'nyse-holidays';

export const CALENDAR_RULE =
  'a missing bar is a NYSE/NASDAQ trading day (a weekday that is not an exchange holiday) between a daily ' +
  "series' first and last bar without a bar; series with intraday bars or with weekend bars (crypto, forex) " +
  'are not checked';

const holidaysByYear = new Map<number, ReadonlySet<string>>();

function holidays(year: number): ReadonlySet<string> {
  let set = holidaysByYear.get(year);
  if (set === undefined) {
    set = new Set(getHolidays(year).map((h) => h.dateString));
    holidaysByYear.set(year, set);
  }
  return set;
}

const DAY_MS = 86_400_000;
const isoDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

export function isTradingDay(date: string): boolean {
  const ms = Date.parse(`${date}T00:00:00Z`);
  const weekday = new Date(ms).getUTCDay();
  if (weekday === 0 || weekday === 6) return false;
  return !holidays(Number(date.slice(0, 4))).has(date);
}

export interface MissingRun {
  /** First and last trading day without a bar. */
  readonly from: string;
  readonly to: string;
  readonly days: number;
  /** The bars on either side. */
  readonly after: string;
  readonly before: string;
}

/** Does the calendar apply: date-only bars (or a daily interval) and none on a weekend. */
export function followsExchangeCalendar(datetimes: readonly string[], interval: string | null): boolean {
  if (datetimes.length < 2) return false;
  if (interval !== null && interval !== '1day') return false;
  for (const d of datetimes) {
    if (d.length !== 10) return false;
    const weekday = new Date(Date.parse(`${d}T00:00:00Z`)).getUTCDay();
    if (weekday === 0 || weekday === 6) return false;
  }
  return true;
}

/** Runs of trading days without a bar between consecutive bars; `datetimes` ascending `YYYY-MM-DD`. */
export function missingTradingDays(
  datetimes: readonly string[],
  limit = Number.POSITIVE_INFINITY,
): MissingRun[] {
  const runs: MissingRun[] = [];
  for (let i = 1; i < datetimes.length && runs.length < limit; i++) {
    const after = datetimes[i - 1] as string;
    const before = datetimes[i] as string;
    const end = Date.parse(`${before}T00:00:00Z`);
    let from: string | null = null;
    let to = '';
    let days = 0;
    for (let t = Date.parse(`${after}T00:00:00Z`) + DAY_MS; t < end; t += DAY_MS) {
      const day = isoDay(t);
      if (!isTradingDay(day)) continue;
      from ??= day;
      to = day;
      days++;
    }
    if (from !== null) runs.push({ from, to, days, after, before });
  }
  return runs;
}
