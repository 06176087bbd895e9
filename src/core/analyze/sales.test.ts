import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertNoNaN } from './market/finite.js';
import { afinnLexicon } from './review-lexicon.js';
import { analyzeSales, priceSegment, quantile, SALES_LIMITS, type SalesRow } from './sales.js';

let orderNumber = 0;
const sale = (brand: string, model: string, price: number, extra: Partial<SalesRow> = {}): SalesRow => ({
  order_id: `ORD${++orderNumber}`,
  date: '2024-05-01',
  brand,
  model,
  price,
  region: 'Europe',
  customer_review: null,
  ...extra,
});

describe('priceSegment', () => {
  it.each([
    [499.99, 'Budget'],
    [500, 'Mid-range'],
    [1000, 'Mid-range'],
    [1000.01, 'Flagship'],
  ])('puts %d in %s', (price, segment) => {
    expect(priceSegment(price)).toBe(segment);
  });
});

describe('quantile', () => {
  it('interpolates linearly between closest ranks', () => {
    expect([0, 0.25, 0.5, 0.75, 1].map((q) => quantile([1, 2, 3, 4], q))).toEqual([1, 1.75, 2.5, 3.25, 4]);
    expect(quantile([7], 0.25)).toBe(7);
  });
});

const analyze = (rows: Iterable<SalesRow>) => analyzeSales(rows, afinnLexicon);

describe('analyzeSales', () => {
  it('totals orders and revenue per segment on the boundary prices', () => {
    const s = analyze([499.99, 500, 1000, 1000.01].map((p) => sale('B', 'M', p)));
    expect(s.bySegment.map((g) => [g.key, g.orders, g.revenue])).toEqual([
      ['Budget', 1, 499.99],
      ['Mid-range', 2, 1500],
      ['Flagship', 1, 1000.01],
    ]);
  });

  it('totals brands, models and regions with their shares, most revenue first', () => {
    const s = analyze([
      sale('Apple', 'iPhone 15', 800, { region: 'Asia' }),
      sale('Apple', 'iPhone 15', 800, { region: 'Europe' }),
      sale('Samsung', 'Galaxy S24', 1200, { region: 'Asia' }),
      sale('Samsung', 'Galaxy A15', 200, { region: 'Asia' }),
    ]);
    expect(s.orders).toBe(4);
    expect(s.revenue).toBe(3000);
    expect(s.meanPrice).toBe(750);
    expect(s.byBrand.map((g) => [g.key, g.orders, g.revenue, g.revenueSharePct])).toEqual([
      ['Apple', 2, 1600, (1600 / 3000) * 100],
      ['Samsung', 2, 1400, (1400 / 3000) * 100],
    ]);
    expect(s.byRegion.map((g) => [g.key, g.orders, g.ordersSharePct])).toEqual([
      ['Asia', 3, 75],
      ['Europe', 1, 25],
    ]);
    expect(s.topModelsByUnits[0]).toMatchObject({
      brand: 'Apple',
      model: 'iPhone 15',
      orders: 2,
      revenue: 1600,
    });
    expect(s.topModelsByRevenue[0]).toMatchObject({ model: 'iPhone 15' });
    expect(s.topModelsByRevenue[1]).toMatchObject({ model: 'Galaxy S24', meanPrice: 1200 });
    expect(s.modelCount).toBe(3);
  });

  it('ranks best sellers by units and by revenue separately', () => {
    const rows = [...Array.from({ length: 3 }, () => sale('X', 'Cheap', 100)), sale('X', 'Dear', 2000)];
    const s = analyze(rows);
    expect(s.topModelsByUnits[0]?.model).toBe('Cheap');
    expect(s.topModelsByRevenue[0]?.model).toBe('Dear');
  });

  it('keeps models of the same name from different brands apart', () => {
    const s = analyze([sale('A', 'Pro', 100), sale('B', 'Pro', 100)]);
    expect(s.modelCount).toBe(2);
  });

  it('describes the price distribution', () => {
    const s = analyze([100, 200, 300, 400].map((p) => sale('B', 'M', p)));
    expect(s.priceDistribution).toEqual({ min: 100, q1: 175, median: 250, q3: 325, max: 400, mean: 250 });
  });

  it('flags prices beyond 1.5 IQR of their own brand only', () => {
    const rows = [
      ...[100, 110, 120, 130].map((p) => sale('Steady', 'M', p)),
      sale('Steady', 'Gold', 1000),
      // A brand with three orders is not examined, however spread its prices.
      ...[10, 20, 5000].map((p) => sale('Tiny', 'M', p)),
    ];
    const s = analyze(rows);
    expect(s.outlierCount).toBe(1);
    expect(s.outliers[0]).toMatchObject({ brand: 'Steady', model: 'Gold', price: 1000, direction: 'high' });
    // Q1 110, Q3 130 → fences 80 and 160
    expect(s.outliers[0]?.lowFence).toBe(80);
    expect(s.outliers[0]?.highFence).toBe(160);
  });

  it('counts review words in lowercase, letters only, without stop words', () => {
    const s = analyze([
      sale('B', 'M', 100, { customer_review: 'Great camera! The camera’s great; battery 5000mAh.' }),
      sale('B', 'M', 100, { customer_review: 'AI is great and the UI is fine' }),
      sale('B', 'M', 100, { customer_review: null }),
    ]);
    expect(s.reviewKeywords).toEqual([
      { word: 'great', count: 3 },
      { word: 'camera', count: 2 },
      { word: 'ai', count: 1 },
      { word: 'battery', count: 1 },
      { word: 'fine', count: 1 },
      { word: 'mah', count: 1 },
      { word: 'ui', count: 1 },
    ]);
  });

  it('keeps at most 15 keywords', () => {
    const review = Array.from({ length: 30 }, (_, i) => `word${String.fromCharCode(97 + (i % 26))}${i}`).join(
      ' ',
    );
    expect(analyze([sale('B', 'M', 1, { customer_review: review })]).reviewKeywords).toHaveLength(
      SALES_LIMITS.keywords,
    );
  });

  it('returns a defined, empty analysis for no rows', () => {
    const s = analyze([]);
    assertNoNaN(s);
    expect(s).toMatchObject({
      orders: 0,
      revenue: 0,
      meanPrice: null,
      priceDistribution: null,
      start: null,
      outlierCount: 0,
    });
    expect(s.bySegment.map((g) => [g.key, g.orders, g.meanPrice])).toEqual([
      ['Budget', 0, null],
      ['Mid-range', 0, null],
      ['Flagship', 0, null],
    ]);
  });

  it('never produces NaN and its shares add up to 100', () => {
    const row = fc.record({
      order_id: fc.string({ maxLength: 8 }),
      date: fc.constantFrom('2024-01-01', '2024-06-30', '2025-02-28'),
      brand: fc.constantFrom('Apple', 'Samsung', 'Nokia', ''),
      model: fc.constantFrom('A', 'B', 'C'),
      price: fc.oneof(
        fc.constantFrom(499.99, 500, 1000, 1000.01),
        fc.double({ min: 0.01, max: 10_000, noNaN: true }),
      ),
      region: fc.constantFrom('Asia', 'Europe', 'Africa'),
      customer_review: fc.option(fc.string({ maxLength: 40 })),
    });
    fc.assert(
      fc.property(fc.array(row, { maxLength: 60 }), (rows) => {
        const s = analyze(rows as SalesRow[]);
        assertNoNaN(s);
        if (s.orders > 0) {
          const sum = (list: readonly { revenueSharePct: number }[]) =>
            list.reduce((a, g) => a + g.revenueSharePct, 0);
          expect(sum(s.bySegment)).toBeCloseTo(100, 6);
          expect(sum(s.byBrand)).toBeCloseTo(100, 6);
        }
      }),
    );
  });
});
