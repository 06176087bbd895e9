import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertNoNaN } from './market/finite.js';
import { analyzeVitals, type VitalsRow } from './vitals.js';

type Measures = Omit<VitalsRow, 'event_time' | 'user_id'>;
const CALM: Measures = {
  heart_rate: 70,
  spo2: 98,
  steps: 3000,
  temp_c: 36.8,
  systolic_bp: 120,
  diastolic_bp: 80,
};
const at = (minute: number) => new Date(Date.UTC(2025, 8, 18, 8, minute)).toISOString();
const reading = (user: string, minute: number, values: Partial<Measures> = {}): VitalsRow => ({
  event_time: at(minute),
  user_id: user,
  ...CALM,
  ...values,
});

describe('analyzeVitals', () => {
  it('gives per-user min, mean and max of every measure, the count and the time span', () => {
    const v = analyzeVitals([
      reading('u1', 0, { heart_rate: 60, steps: 0 }),
      reading('u1', 90, { heart_rate: 90, steps: 100 }),
      reading('u2', 5),
    ]);
    expect(v).toMatchObject({ readings: 3, users: 2, start: at(0), end: at(90) });
    const [u1] = v.perUser;
    expect(u1).toMatchObject({ userId: 'u1', readings: 2, start: at(0), end: at(90), spanHours: 1.5 });
    expect(u1?.measures.heart_rate).toEqual({ min: 60, mean: 75, max: 90 });
    expect(u1?.measures.steps).toEqual({ min: 0, mean: 50, max: 100 });
    expect(v.measures.heart_rate).toEqual({ min: 60, mean: (60 + 90 + 70) / 3, max: 90 });
  });

  it('reports the longest run of consecutive out-of-band readings in time order', () => {
    const rates = [70, 110, 120, 130, 70, 105, 55, 107, 108, 72];
    // Shuffled on purpose: streaks follow event_time, not file order.
    const rows = rates.map((hr, i) => reading('u1', i, { heart_rate: hr })).reverse();
    const v = analyzeVitals(rows);
    expect(v.perUser[0]?.longestStreaks.heart_rate).toEqual({ length: 4, start: at(5), end: at(8) });
    expect(v.perUser[0]?.outOfBand.heart_rate).toBe(7);
    expect(v.usersWithStreaks.heart_rate).toBe(1);
  });

  it('needs three consecutive readings for a streak', () => {
    const v = analyzeVitals([92, 93, 97, 92].map((spo2, i) => reading('u1', i, { spo2 })));
    expect(v.perUser[0]?.longestStreaks.spo2).toBeNull();
    expect(v.perUser[0]?.outOfBand.spo2).toBe(3);
    expect(v.usersWithStreaks.spo2).toBe(0);
    expect(v.usersWithAnyStreak).toBe(0);
  });

  it('applies each comfort band at its threshold', () => {
    const v = analyzeVitals([
      reading('u1', 0, { temp_c: 38, systolic_bp: 140, diastolic_bp: 90, heart_rate: 100, spo2: 95 }),
      reading('u1', 1, { temp_c: 37.9, systolic_bp: 139, diastolic_bp: 89, heart_rate: 59, spo2: 94 }),
    ]);
    expect(v.outOfBand.temp_c.readings).toBe(1);
    expect(v.outOfBand.systolic_bp.readings).toBe(1);
    expect(v.outOfBand.diastolic_bp.readings).toBe(1);
    expect(v.outOfBand.heart_rate.readings).toBe(1);
    expect(v.outOfBand.spo2.readings).toBe(1);
    expect(v.outOfBand.spo2.sharePct).toBe(50);
  });

  it('counts users with streaks and ranks the longest streaks across users', () => {
    const fever = (user: string, n: number) =>
      Array.from({ length: n }, (_, i) => reading(user, i, { temp_c: 38.5 }));
    const v = analyzeVitals([...fever('a', 3), ...fever('b', 6), reading('c', 0)]);
    expect(v.usersWithStreaks.temp_c).toBe(2);
    expect(v.usersWithAnyStreak).toBe(2);
    expect(v.longestStreaks.map((s) => [s.userId, s.measure, s.length])).toEqual([
      ['b', 'temp_c', 6],
      ['a', 'temp_c', 3],
    ]);
  });

  it('counts readings within 5 % of the validation range from a limit', () => {
    // heart rate 50..180: 5 % of 130 is 6.5, so at most 56.5 or at least 173.5
    const v = analyzeVitals(
      [56.5, 56.6, 173.4, 173.5, 180].map((heart_rate, i) => reading('u1', i, { heart_rate })),
    );
    expect(v.nearLimits.heart_rate).toEqual({ low: 1, high: 2 });
    expect(v.perUser[0]?.nearLimits.heart_rate).toEqual({ low: 1, high: 2 });
  });

  it('returns a defined, empty analysis for no rows', () => {
    const v = analyzeVitals([]);
    assertNoNaN(v);
    expect(v).toMatchObject({ readings: 0, users: 0, start: null, perUser: [], longestStreaks: [] });
    expect(v.measures.spo2).toBeNull();
    expect(v.outOfBand.spo2.sharePct).toBeNull();
  });

  it('never produces NaN for any readings within the validation limits', () => {
    const row = fc.record({
      event_time: fc.integer({ min: 0, max: 500 }).map(at),
      user_id: fc.constantFrom('u1', 'u2', 'u3'),
      heart_rate: fc.integer({ min: 50, max: 180 }),
      spo2: fc.integer({ min: 90, max: 100 }),
      steps: fc.integer({ min: 0, max: 50_000 }),
      temp_c: fc.double({ min: 35, max: 40, noNaN: true }),
      systolic_bp: fc.integer({ min: 90, max: 180 }),
      diastolic_bp: fc.integer({ min: 60, max: 120 }),
    });
    fc.assert(fc.property(fc.array(row, { maxLength: 80 }), (rows) => assertNoNaN(analyzeVitals(rows))));
  });
});
