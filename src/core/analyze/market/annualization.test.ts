import { describe, expect, it } from 'vitest';
import { annualizationOf, inferPeriodsPerYear, periodsPerYearOf } from './annualization.js';
import { datetimeSeconds } from './series.js';

const times = (...datetimes: string[]) => Float64Array.from(datetimes, datetimeSeconds);

describe('periodsPerYearOf', () => {
  it.each([
    ['1day', 252],
    ['1week', 52],
    ['1month', 12],
    ['1min', 390 * 252],
    ['5min', 78 * 252],
    ['15min', 26 * 252],
    ['30min', 13 * 252],
    ['45min', (390 / 45) * 252],
    ['1h', 6.5 * 252],
    ['2h', 3.25 * 252],
    ['4h', 1.625 * 252],
  ])('annualizes %s with %d bars a year', (interval, bars) => {
    expect(periodsPerYearOf(interval)).toBeCloseTo(bars, 9);
  });

  it('counts a bar longer than a session as one bar a day', () => {
    expect(periodsPerYearOf('8h')).toBe(252);
  });

  it('does not know made-up intervals', () => {
    expect(periodsPerYearOf('fortnightly')).toBeNull();
    expect(periodsPerYearOf('0min')).toBeNull();
  });
});

describe('inferPeriodsPerYear', () => {
  it('reads weekday bars with weekend gaps as daily', () => {
    expect(
      inferPeriodsPerYear(times('2024-01-04', '2024-01-05', '2024-01-08', '2024-01-09', '2024-01-10')),
    ).toBe(252);
  });

  it('reads weekly and monthly spacing', () => {
    expect(inferPeriodsPerYear(times('2024-01-01', '2024-01-08', '2024-01-15'))).toBe(52);
    expect(inferPeriodsPerYear(times('2024-01-01', '2024-02-01', '2024-03-01'))).toBe(12);
  });

  it('reads five-minute spacing as intraday bars of a 390-minute session', () => {
    const t = times(
      '2024-01-02T09:30:00',
      '2024-01-02T09:35:00',
      '2024-01-02T09:40:00',
      '2024-01-03T09:30:00',
    );
    expect(inferPeriodsPerYear(t)).toBeCloseTo(78 * 252, 9);
  });

  it('gives null for one bar or bars at the same time', () => {
    expect(inferPeriodsPerYear(times('2024-01-01'))).toBeNull();
    expect(inferPeriodsPerYear(times('2024-01-01', '2024-01-01'))).toBeNull();
  });
});

describe('annualizationOf', () => {
  it('prefers a stated interval and falls back to the spacing', () => {
    const t = times('2024-01-01', '2024-01-08', '2024-01-15');
    expect(annualizationOf('1day', t)).toEqual({ periodsPerYear: 252, basis: 'interval' });
    expect(annualizationOf('odd', t)).toEqual({ periodsPerYear: 52, basis: 'inferred' });
    expect(annualizationOf(null, times('2024-01-01'))).toBeNull();
  });
});
