import { describe, expect, it } from 'vitest';
import { analyzeProfile } from '../core/analyze/profile.js';
import type { SmartphoneRegion } from '../core/datasets/rows.js';
import { plantedProfile } from '../samples/planted/profile.js';
import { randomWalkBars } from '../samples/random-walk.js';
import { MarketViewSchema, ProfileViewSchema, SalesViewSchema, VitalsViewSchema } from './api-contract.js';
import { marketView, profileView, salesView, vitalsView } from './group-views.js';

const vital = (event_time: string, heart_rate: number) => ({
  event_time,
  user_id: 'user_1',
  heart_rate,
  spo2: 97,
  steps: 10,
  temp_c: 36.6,
  systolic_bp: 120,
  diastolic_bp: 80,
});

describe('group views', () => {
  it('puts market bars in time order whatever order the rows came in', () => {
    const bars = randomWalkBars({ symbol: 'AAA', bars: 40, seed: 3 }).reverse();
    const view = MarketViewSchema.parse(marketView('AAA', bars));
    const times = view.bars.map((b) => b.time);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(view.sma.points).toHaveLength(40 - 19);
    expect(view.anomalies).toEqual([]);
  });

  it('gives a vitals chart one point per second, the later reading winning, and counts readings outside the bands', () => {
    const view = VitalsViewSchema.parse(
      vitalsView('user_1', [
        vital('2025-01-01T00:00:02.000Z', 70),
        vital('2025-01-01T00:00:01.100Z', 110),
        vital('2025-01-01T00:00:01.900Z', 120),
      ]),
    );
    expect(view.series.heart_rate).toEqual([
      { time: 1735689601, value: 120 },
      { time: 1735689602, value: 70 },
    ]);
    expect(view.bands.heart_rate).toEqual({ rule: expect.any(String), outside: 2 });
  });

  it('sums a brand’s orders and revenue per day, model, region and price segment', () => {
    const sale = (
      order_id: string,
      date: string,
      model: string,
      price: number,
      region: SmartphoneRegion,
    ) => ({
      order_id,
      date,
      model,
      brand: 'Acme',
      price,
      region,
      customer_review: null,
    });
    const view = SalesViewSchema.parse(
      salesView('Acme', [
        sale('1', '2025-01-02', 'One', 400.1, 'Europe'),
        sale('2', '2025-01-01', 'One', 400.2, 'Asia'),
        sale('3', '2025-01-02', 'Two', 1200, 'Europe'),
      ]),
    );
    expect(view.daily).toEqual([
      { time: 1735689600, orders: 1, revenue: 400.2 },
      { time: 1735776000, orders: 2, revenue: 1600.1 },
    ]);
    expect(view.bySegment.map((s) => s.key)).toEqual(['Flagship', 'Budget']);
    expect(view.byRegion).toEqual([
      { key: 'Europe', orders: 2, revenue: 1600.1 },
      { key: 'Asia', orders: 1, revenue: 400.2 },
    ]);
  });

  it('shows a profiled column with the table of every column, and nothing for a column the profile lacks', () => {
    const sample = plantedProfile({ seed: 2, rows: 400 });
    const profile = analyzeProfile(sample.rows, sample.plan);
    const view = ProfileViewSchema.parse(profileView(profile, 'amount'));
    expect(view.columns.map((c) => c.name)).toEqual(sample.plan.columns.map((c) => c.name));
    expect(view.quantiles?.p50).toBe(profile.columns[1]?.numeric?.p50);
    expect(view.extremes.length).toBeGreaterThan(0);
    expect(view.time).toMatchObject({ column: 't', regular: true, gapCount: 8 });
    expect(ProfileViewSchema.parse(profileView(profile, 'category')).topValues).toHaveLength(4);
    expect(profileView(profile, 'missing')).toBeUndefined();
  });
});
