/**
 * The US equity exchange calendar (NYSE; NASDAQ keeps the same holidays):
 * weekdays that are not exchange holidays. A daily series with no bar on such
 * a day between its first and last bar is missing a bar; weekends and
 * holidays are never gaps. Holidays come from `nyse-holidays`, which derives
 * them by rule for any year (Good Friday, observed dates, Juneteenth from 2022).
 */
import { getHolidays } from 'nyse-holidays';
import { daysFromCivil, twoDigits } from '../../datasets/fields.js';

export const CALENDAR_RULE =
  'a missing bar is a NYSE/NASDAQ trading day (a weekday that is not an exchange holiday) between a daily ' +
  "series' first and last bar without a bar; series with intraday bars or with weekend bars (crypto, forex) " +
  'are not checked';

// Days are counted from 1970-01-01 (a Thursday): 500 series of 2000 bars walk a
// million days, and a Date plus a string per day was half of all analytics.
const holidayDays = new Set<number>();
const yearsLoaded = new Set<number>();

function loadHolidays(year: number): void {
  if (yearsLoaded.has(year)) return;
  yearsLoaded.add(year);
  for (const h of getHolidays(year)) holidayDays.add(dayNumber(h.dateString));
}

/** Days since 1970-01-01 of a `YYYY-MM-DD` date; NaN when it is not one. */
function dayNumber(date: string): number {
  if (date.length !== 10 || date.charCodeAt(4) !== 45 || date.charCodeAt(7) !== 45) return Number.NaN;
  const year = twoDigits(date, 0) * 100 + twoDigits(date, 2);
  const month = twoDigits(date, 5);
  const day = twoDigits(date, 8);
  return Number.isNaN(year + month + day) ? Number.NaN : daysFromCivil(year, month, day);
}

const weekdayOf = (days: number): number => (((days + 4) % 7) + 7) % 7;
const isoDay = (days: number): string => new Date(days * 86_400_000).toISOString().slice(0, 10);

function isTradingDayNumber(days: number): boolean {
  const weekday = weekdayOf(days);
  return weekday !== 0 && weekday !== 6 && !holidayDays.has(days);
}

export function isTradingDay(date: string): boolean {
  const days = dayNumber(date);
  loadHolidays(Number(date.slice(0, 4)));
  return !Number.isNaN(days) && isTradingDayNumber(days);
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
    const days = dayNumber(d);
    if (Number.isNaN(days)) return false;
    const weekday = weekdayOf(days);
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
  const first = datetimes[0];
  const last = datetimes[datetimes.length - 1];
  if (first === undefined || last === undefined) return runs;
  for (let year = Number(first.slice(0, 4)); year <= Number(last.slice(0, 4)); year++) loadHolidays(year);
  let previous = dayNumber(first);
  for (let i = 1; i < datetimes.length && runs.length < limit; i++) {
    const next = dayNumber(datetimes[i] as string);
    let from = Number.NaN;
    let to = Number.NaN;
    let days = 0;
    for (let t = previous + 1; t < next; t++) {
      if (!isTradingDayNumber(t)) continue;
      if (days === 0) from = t;
      to = t;
      days++;
    }
    if (days > 0) {
      runs.push({
        from: isoDay(from),
        to: isoDay(to),
        days,
        after: datetimes[i - 1] as string,
        before: datetimes[i] as string,
      });
    }
    previous = next;
  }
  return runs;
}
