import fc from 'fast-check';
import { getHolidays } from 'nyse-holidays';
import { describe, expect, it } from 'vitest';
import { followsExchangeCalendar, isTradingDay, missingTradingDays } from './calendar.js';

const DAY_MS = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The calendar the slow way: a Date per day and the holiday list by name. */
function referenceTradingDay(date: string): boolean {
  const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
  if (weekday === 0 || weekday === 6) return false;
  return !getHolidays(Number(date.slice(0, 4))).some((h) => h.dateString === date);
}

const dates = fc
  .tuple(
    fc.integer({ min: Date.UTC(1995, 0, 1) / DAY_MS, max: Date.UTC(2030, 0, 1) / DAY_MS }),
    fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 40 }),
  )
  .map(([start, steps]) => {
    const days = [start];
    for (const step of steps) days.push((days[days.length - 1] as number) + step);
    return days.map((d) => iso(d * DAY_MS));
  });

describe('the exchange calendar', () => {
  it('calls a day a trading day exactly when it is a weekday and no NYSE holiday', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(1990, 0, 1) / DAY_MS, max: Date.UTC(2040, 0, 1) / DAY_MS }),
        (d) => {
          const date = iso(d * DAY_MS);
          expect(isTradingDay(date)).toBe(referenceTradingDay(date));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('finds every run of trading days without a bar, and only those', () => {
    fc.assert(
      fc.property(dates, (series) => {
        const expected = [];
        for (let i = 1; i < series.length; i++) {
          const missing: string[] = [];
          const end = Date.parse(`${series[i]}T00:00:00Z`);
          for (let t = Date.parse(`${series[i - 1]}T00:00:00Z`) + DAY_MS; t < end; t += DAY_MS) {
            if (referenceTradingDay(iso(t))) missing.push(iso(t));
          }
          if (missing.length > 0) {
            expected.push({
              from: missing[0],
              to: missing[missing.length - 1],
              days: missing.length,
              after: series[i - 1],
              before: series[i],
            });
          }
        }
        expect(missingTradingDays(series)).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('applies only to date-only daily series with no weekend bar', () => {
    expect(followsExchangeCalendar(['2024-05-03', '2024-05-06'], '1day')).toBe(true);
    expect(followsExchangeCalendar(['2024-05-03', '2024-05-04'], null)).toBe(false);
    expect(followsExchangeCalendar(['2024-05-03', '2024-05-06'], '1h')).toBe(false);
    expect(followsExchangeCalendar(['2024-05-03T10:00:00', '2024-05-06T10:00:00'], null)).toBe(false);
    expect(followsExchangeCalendar(['2024-05-03', 'not a date'], null)).toBe(false);
  });
});
