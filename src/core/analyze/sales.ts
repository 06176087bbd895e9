/**
 * Smartphone sales analytics: totals by brand, model, region and price
 * segment, the best sellers, the price distribution, price outliers within a
 * brand, and what reviews talk about. One row is one order of one phone.
 */
import type { SmartphoneSale } from '../datasets/smartphone-sales.js';

/** The fields sales analytics reads; a `SmartphoneSale` is one. */
export type SalesRow = Pick<
  SmartphoneSale,
  'order_id' | 'date' | 'model' | 'brand' | 'price' | 'region' | 'customer_review'
>;

export const PRICE_SEGMENT = { budget: 'Budget', midRange: 'Mid-range', flagship: 'Flagship' } as const;
export type PriceSegment = (typeof PRICE_SEGMENT)[keyof typeof PRICE_SEGMENT];

export const PRICE_SEGMENT_RULE =
  'Budget: price < 500; Mid-range: 500 ≤ price ≤ 1000; Flagship: price > 1000';

export function priceSegment(price: number): PriceSegment {
  if (price < 500) return PRICE_SEGMENT.budget;
  return price <= 1000 ? PRICE_SEGMENT.midRange : PRICE_SEGMENT.flagship;
}

/** Brands need this many orders before their prices can have outliers: quartiles of fewer mean little. */
export const OUTLIER_MIN_ORDERS = 4;
export const OUTLIER_IQR_MULTIPLE = 1.5;
export const OUTLIER_RULE =
  `a price below Q1 − ${OUTLIER_IQR_MULTIPLE} × IQR or above Q3 + ${OUTLIER_IQR_MULTIPLE} × IQR of its own brand's ` +
  `prices (quartiles by linear interpolation); brands with fewer than ${OUTLIER_MIN_ORDERS} orders are not examined`;

export const KEYWORD_RULE =
  'word frequency over customer reviews: lowercase, runs of letters only, single letters and common English stop words left out';

/** Sizes of the ranked lists, so an analysis stays small whatever the catalogue. */
export const SALES_LIMITS = { models: 50, topSellers: 10, outliers: 20, keywords: 15 } as const;

const STOP_WORDS = new Set(
  (
    'a about after all also an and any are as at be been being but by can could did do does for from get got had has ' +
    'have here how i if in into is it its just me more most much my no not of on or our out over quite really so ' +
    'some than that the their them then there these they this those to too up very was we were what when where ' +
    'which who will with would you your'
  ).split(' '),
);

export interface GroupTotals {
  readonly key: string;
  readonly orders: number;
  readonly revenue: number;
  readonly ordersSharePct: number;
  readonly revenueSharePct: number;
  /** Null for a segment without orders. */
  readonly meanPrice: number | null;
}

export interface ModelTotals extends GroupTotals {
  readonly brand: string;
  readonly model: string;
}

export interface PriceDistribution {
  readonly min: number;
  readonly q1: number;
  readonly median: number;
  readonly q3: number;
  readonly max: number;
  readonly mean: number;
}

export interface PriceOutlier {
  readonly orderId: string;
  readonly brand: string;
  readonly model: string;
  readonly price: number;
  readonly direction: 'high' | 'low';
  /** The brand's fences the price fell outside. */
  readonly lowFence: number;
  readonly highFence: number;
}

export interface Keyword {
  readonly word: string;
  readonly count: number;
}

export interface SalesAnalysis {
  readonly orders: number;
  readonly revenue: number;
  readonly meanPrice: number | null;
  /** Earliest and latest order date. */
  readonly start: string | null;
  readonly end: string | null;
  /** Every brand, most revenue first. */
  readonly byBrand: readonly GroupTotals[];
  /** The `SALES_LIMITS.models` models with most revenue; `modelCount` says how many there were. */
  readonly byModel: readonly ModelTotals[];
  readonly modelCount: number;
  /** Every region, most revenue first. */
  readonly byRegion: readonly GroupTotals[];
  /** Budget, Mid-range, Flagship, always all three, in that order. */
  readonly bySegment: readonly GroupTotals[];
  readonly topModelsByUnits: readonly ModelTotals[];
  readonly topModelsByRevenue: readonly ModelTotals[];
  readonly priceDistribution: PriceDistribution | null;
  /** Outliers found, and the `SALES_LIMITS.outliers` farthest from their fence. */
  readonly outlierCount: number;
  readonly outliers: readonly PriceOutlier[];
  readonly reviewKeywords: readonly Keyword[];
  readonly rules: { readonly segments: string; readonly outliers: string; readonly keywords: string };
}

/** Quantile of sorted values by linear interpolation between closest ranks (R type 7, numpy's default). */
export function quantile(sorted: readonly number[], q: number): number {
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const lower = sorted[below] as number;
  const upper = sorted[Math.min(below + 1, sorted.length - 1)] as number;
  return lower + (upper - lower) * (position - below);
}

class Tally {
  orders = 0;
  revenue = 0;

  add(price: number): void {
    this.orders++;
    this.revenue += price;
  }
}

function tallyOf<K>(map: Map<K, Tally>, key: K): Tally {
  let tally = map.get(key);
  if (tally === undefined) {
    tally = new Tally();
    map.set(key, tally);
  }
  return tally;
}

const byRevenue = (a: GroupTotals, b: GroupTotals) =>
  b.revenue - a.revenue || b.orders - a.orders || compareText(a.key, b.key);
const byUnits = (a: GroupTotals, b: GroupTotals) =>
  b.orders - a.orders || b.revenue - a.revenue || compareText(a.key, b.key);
const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function analyzeSales(rows: Iterable<SalesRow>): SalesAnalysis {
  const brands = new Map<string, Tally>();
  const models = new Map<string, Tally>();
  const modelNames = new Map<string, { brand: string; model: string }>();
  const regions = new Map<string, Tally>();
  const segments = new Map<PriceSegment, Tally>(Object.values(PRICE_SEGMENT).map((s) => [s, new Tally()]));
  const pricesByBrand = new Map<string, SalesRow[]>();
  const words = new Map<string, number>();
  const prices: number[] = [];
  let revenue = 0;
  let start: string | null = null;
  let end: string | null = null;

  for (const row of rows) {
    const price = row.price;
    // Validated rows always have a finite positive price; anything else would poison every total.
    if (!Number.isFinite(price) || price <= 0) continue;
    prices.push(price);
    revenue += price;
    if (start === null || row.date < start) start = row.date;
    if (end === null || row.date > end) end = row.date;
    tallyOf(brands, row.brand).add(price);
    const modelKey = `${row.brand}\u0000${row.model}`;
    if (!modelNames.has(modelKey)) modelNames.set(modelKey, { brand: row.brand, model: row.model });
    tallyOf(models, modelKey).add(price);
    tallyOf(regions, row.region).add(price);
    tallyOf(segments, priceSegment(price)).add(price);
    let brandRows = pricesByBrand.get(row.brand);
    if (brandRows === undefined) {
      brandRows = [];
      pricesByBrand.set(row.brand, brandRows);
    }
    brandRows.push(row);
    for (const word of (row.customer_review ?? '').toLowerCase().match(/\p{L}+/gu) ?? []) {
      if (word.length > 1 && !STOP_WORDS.has(word)) words.set(word, (words.get(word) ?? 0) + 1);
    }
  }

  const orders = prices.length;
  const totals = (key: string, t: Tally): GroupTotals => ({
    key,
    orders: t.orders,
    revenue: t.revenue,
    ordersSharePct: orders > 0 ? (t.orders / orders) * 100 : 0,
    revenueSharePct: revenue > 0 ? (t.revenue / revenue) * 100 : 0,
    meanPrice: t.orders > 0 ? t.revenue / t.orders : null,
  });
  const modelTotals = [...models].map(([key, t]): ModelTotals => {
    const names = modelNames.get(key) as { brand: string; model: string };
    return { ...totals(`${names.brand} ${names.model}`, t), ...names };
  });
  const sortedPrices = prices.sort((a, b) => a - b);
  const outliers = findOutliers(pricesByBrand);

  return {
    orders,
    revenue,
    meanPrice: orders > 0 ? revenue / orders : null,
    start,
    end,
    byBrand: [...brands].map(([k, t]) => totals(k, t)).sort(byRevenue),
    byModel: [...modelTotals].sort(byRevenue).slice(0, SALES_LIMITS.models),
    modelCount: modelTotals.length,
    byRegion: [...regions].map(([k, t]) => totals(k, t)).sort(byRevenue),
    bySegment: [...segments].map(([k, t]) => totals(k, t)),
    topModelsByUnits: [...modelTotals].sort(byUnits).slice(0, SALES_LIMITS.topSellers),
    topModelsByRevenue: [...modelTotals].sort(byRevenue).slice(0, SALES_LIMITS.topSellers),
    priceDistribution:
      orders === 0
        ? null
        : {
            min: sortedPrices[0] as number,
            q1: quantile(sortedPrices, 0.25),
            median: quantile(sortedPrices, 0.5),
            q3: quantile(sortedPrices, 0.75),
            max: sortedPrices[orders - 1] as number,
            mean: revenue / orders,
          },
    outlierCount: outliers.length,
    outliers: outliers.slice(0, SALES_LIMITS.outliers),
    reviewKeywords: [...words]
      .map(([word, count]) => ({ word, count }))
      .sort((a, b) => b.count - a.count || compareText(a.word, b.word))
      .slice(0, SALES_LIMITS.keywords),
    rules: { segments: PRICE_SEGMENT_RULE, outliers: OUTLIER_RULE, keywords: KEYWORD_RULE },
  };
}

/** `OUTLIER_RULE` in code; farthest from its fence first. */
function findOutliers(rowsByBrand: ReadonlyMap<string, readonly SalesRow[]>): PriceOutlier[] {
  const found: { outlier: PriceOutlier; distance: number }[] = [];
  for (const [brand, rows] of rowsByBrand) {
    if (rows.length < OUTLIER_MIN_ORDERS) continue;
    const sorted = rows.map((r) => r.price).sort((a, b) => a - b);
    const q1 = quantile(sorted, 0.25);
    const q3 = quantile(sorted, 0.75);
    const lowFence = q1 - OUTLIER_IQR_MULTIPLE * (q3 - q1);
    const highFence = q3 + OUTLIER_IQR_MULTIPLE * (q3 - q1);
    for (const row of rows) {
      const direction = row.price > highFence ? 'high' : row.price < lowFence ? 'low' : null;
      if (direction === null) continue;
      found.push({
        outlier: {
          orderId: row.order_id,
          brand,
          model: row.model,
          price: row.price,
          direction,
          lowFence,
          highFence,
        },
        distance: direction === 'high' ? row.price - highFence : lowFence - row.price,
      });
    }
  }
  return found
    .sort((a, b) => b.distance - a.distance || compareText(a.outlier.orderId, b.outlier.orderId))
    .map((f) => f.outlier);
}
