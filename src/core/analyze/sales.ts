/**
 * Smartphone sales analytics: totals by brand, model, region and price
 * segment, the best sellers, the price distribution, price outliers within a
 * brand, and what reviews talk about. One row is one order of one phone.
 */
import type { SmartphoneSale } from '../datasets/rows.js';
import {
  FINDING_KIND,
  type Finding,
  findingId,
  listFindings,
  SEVERITY_EDGES,
  severityFrom,
} from './findings/finding.js';
import { formatMoney } from './market/format.js';
import {
  REVIEW_SENTIMENT_RULE,
  type ReviewLexicon,
  ReviewScorer,
  type ReviewTone,
  ToneTally,
} from './review-sentiment.js';

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
export const SALES_LIMITS = {
  models: 50,
  topSellers: 10,
  outliers: 20,
  keywords: 15,
  /** Brands and models whose review tone is kept (most reviewed first). */
  toneGroups: 10,
  /** Review texts kept as a sample for a model to name themes from, and their length. */
  reviewSample: 20,
  reviewChars: 160,
} as const;

/** An IQR below this share of the brand's median price counts as this share: identical prices have no spread to measure in. */
export const MIN_IQR_SHARE = 0.01;

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
  readonly date: string;
  /** Distance past the fence in IQRs of the brand's prices: what the severity rule reads. */
  readonly iqrsPast: number;
}

export interface SegmentPick {
  readonly segment: PriceSegment;
  readonly region: string;
  /** The model with most orders in the segment and region (then revenue, then name). */
  readonly brand: string;
  readonly model: string;
  readonly orders: number;
  readonly revenue: number;
  /** Orders of the segment in the region. */
  readonly ofOrders: number;
}

export interface GroupTone {
  readonly key: string;
  readonly reviews: number;
  readonly meanScore: number | null;
  readonly positive: number;
  readonly negative: number;
  readonly tone: ReviewTone;
}

export interface ThemeTone {
  readonly word: string;
  readonly count: number;
  readonly meanScore: number | null;
  readonly tone: ReviewTone;
}

export interface ReviewSentiment {
  readonly overall: GroupTone;
  /** Most reviewed first, at most `SALES_LIMITS.toneGroups`. */
  readonly byBrand: readonly GroupTone[];
  readonly byModel: readonly GroupTone[];
  /** The review keywords with the tone of the reviews that use them. */
  readonly themes: readonly ThemeTone[];
  readonly rule: string;
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
  /** Best model by orders for every price segment and region that has orders. */
  readonly segmentPicks: readonly SegmentPick[];
  readonly reviewSentiment: ReviewSentiment;
  /** Distinct review texts spread over the file, clipped: what a model may read to name themes. */
  readonly reviewSample: readonly string[];
  /** Price outliers and duplicate order ids, most severe first (at most 100); `findingsOmitted` more. */
  readonly findings: readonly Finding[];
  readonly findingsOmitted: number;
  readonly rules: {
    readonly segments: string;
    readonly outliers: string;
    readonly keywords: string;
    readonly sentiment: string;
  };
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

export function analyzeSales(rows: Iterable<SalesRow>, lexicon: ReviewLexicon): SalesAnalysis {
  const brands = new Map<string, Tally>();
  const models = new Map<string, Tally>();
  const modelNames = new Map<string, { brand: string; model: string }>();
  const regions = new Map<string, Tally>();
  const segments = new Map<PriceSegment, Tally>(Object.values(PRICE_SEGMENT).map((s) => [s, new Tally()]));
  const pricesByBrand = new Map<string, SalesRow[]>();
  const words = new Map<string, number>();
  const themeTones = new Map<string, ToneTally>();
  const scorer = new ReviewScorer(lexicon);
  const overallTone = new ToneTally();
  const brandTones = new Map<string, ToneTally>();
  const modelTones = new Map<string, ToneTally>();
  const picks = new Map<string, Map<string, Tally>>();
  const orderRows = new Map<string, SalesRow[]>();
  const reviewTexts: string[] = [];
  const seenReviews = new Set<string>();
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
    const cell = `${priceSegment(price)}\u0000${row.region}`;
    let cellModels = picks.get(cell);
    if (cellModels === undefined) {
      cellModels = new Map();
      picks.set(cell, cellModels);
    }
    tallyOf(cellModels, modelKey).add(price);
    const sameOrder = orderRows.get(row.order_id);
    if (sameOrder === undefined) orderRows.set(row.order_id, [row]);
    else sameOrder.push(row);
    const review = (row.customer_review ?? '').trim();
    const reviewWords = new Set<string>();
    for (const word of review.toLowerCase().match(/\p{L}+/gu) ?? []) {
      if (word.length > 1 && !STOP_WORDS.has(word)) {
        words.set(word, (words.get(word) ?? 0) + 1);
        reviewWords.add(word);
      }
    }
    if (review !== '') {
      const score = scorer.score(review);
      overallTone.add(score);
      toneOf(brandTones, row.brand).add(score);
      toneOf(modelTones, `${row.brand} ${row.model}`).add(score);
      for (const word of reviewWords) toneOf(themeTones, word).add(score);
      if (!seenReviews.has(review)) {
        seenReviews.add(review);
        reviewTexts.push(review);
      }
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
  const keywords = [...words]
    .map(([word, count]) => ({ word, count }))
    .sort((a, b) => b.count - a.count || compareText(a.word, b.word))
    .slice(0, SALES_LIMITS.keywords);
  const found = listFindings([...outliers.map(outlierFinding), ...duplicateFindings(orderRows)]);

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
    reviewKeywords: keywords,
    segmentPicks: segmentPicks(picks, modelNames),
    reviewSentiment: {
      overall: groupTone('all reviews', overallTone),
      byBrand: rankTones(brandTones),
      byModel: rankTones(modelTones),
      themes: keywords.map((k) => {
        const tally = themeTones.get(k.word) as ToneTally;
        return { word: k.word, count: k.count, meanScore: tally.mean, tone: tally.tone };
      }),
      rule: REVIEW_SENTIMENT_RULE,
    },
    reviewSample: spreadSample(reviewTexts, SALES_LIMITS.reviewSample).map((t) =>
      t.length <= SALES_LIMITS.reviewChars ? t : `${t.slice(0, SALES_LIMITS.reviewChars - 1)}…`,
    ),
    findings: found.findings,
    findingsOmitted: found.omitted,
    rules: {
      segments: PRICE_SEGMENT_RULE,
      outliers: OUTLIER_RULE,
      keywords: KEYWORD_RULE,
      sentiment: REVIEW_SENTIMENT_RULE,
    },
  };
}

function toneOf(map: Map<string, ToneTally>, key: string): ToneTally {
  let tally = map.get(key);
  if (tally === undefined) {
    tally = new ToneTally();
    map.set(key, tally);
  }
  return tally;
}

const groupTone = (key: string, t: ToneTally): GroupTone => ({
  key,
  reviews: t.reviews,
  meanScore: t.mean,
  positive: t.positive,
  negative: t.negative,
  tone: t.tone,
});

const rankTones = (map: ReadonlyMap<string, ToneTally>): GroupTone[] =>
  [...map]
    .map(([key, t]) => groupTone(key, t))
    .sort((a, b) => b.reviews - a.reviews || compareText(a.key, b.key))
    .slice(0, SALES_LIMITS.toneGroups);

/** `count` items at even steps through `items`, so the sample spans the file rather than its first rows. */
function spreadSample(items: readonly string[], count: number): string[] {
  if (items.length <= count) return [...items];
  return Array.from({ length: count }, (_, i) => items[Math.floor((i * items.length) / count)] as string);
}

function segmentPicks(
  cells: ReadonlyMap<string, ReadonlyMap<string, Tally>>,
  names: ReadonlyMap<string, { brand: string; model: string }>,
): SegmentPick[] {
  const order = Object.values(PRICE_SEGMENT);
  const picks: SegmentPick[] = [];
  for (const [cell, models] of cells) {
    const [segment, region] = cell.split('\u0000') as [PriceSegment, string];
    let best: [string, Tally] | undefined;
    let ofOrders = 0;
    for (const entry of models) {
      ofOrders += entry[1].orders;
      const [key, t] = entry;
      if (
        best === undefined ||
        t.orders > best[1].orders ||
        (t.orders === best[1].orders &&
          (t.revenue > best[1].revenue || (t.revenue === best[1].revenue && key < best[0])))
      )
        best = entry;
    }
    if (best === undefined) continue;
    const name = names.get(best[0]) as { brand: string; model: string };
    picks.push({ segment, region, ...name, orders: best[1].orders, revenue: best[1].revenue, ofOrders });
  }
  return picks.sort(
    (a, b) => order.indexOf(a.segment) - order.indexOf(b.segment) || compareText(a.region, b.region),
  );
}

function outlierFinding(o: PriceOutlier): Finding {
  const fence = o.direction === 'high' ? o.highFence : o.lowFence;
  return {
    id: findingId(FINDING_KIND.priceOutlier, o.orderId, o.date),
    kind: FINDING_KIND.priceOutlier,
    severity: severityFrom(SEVERITY_EDGES.price_outlier, o.iqrsPast),
    subject: o.orderId,
    at: o.date,
    title:
      `order ${o.orderId}: ${o.brand} ${o.model} at ${formatMoney(o.price)}, ` +
      `${o.direction === 'high' ? 'above' : 'below'} the ${o.brand} fence of ${formatMoney(fence)}`,
    evidence: {
      measure: o.iqrsPast,
      threshold: SEVERITY_EDGES.price_outlier.low,
      figures: { price: o.price, lowFence: o.lowFence, highFence: o.highFence, iqrsPast: o.iqrsPast },
      rows: [`order ${o.orderId}`],
    },
    count: 1,
  };
}

function duplicateFindings(orders: ReadonlyMap<string, readonly SalesRow[]>): Finding[] {
  const findings: Finding[] = [];
  for (const [orderId, rows] of orders) {
    if (rows.length < SEVERITY_EDGES.duplicate_order.low) continue;
    const first = rows.reduce((d, r) => (r.date < d ? r.date : d), (rows[0] as SalesRow).date);
    const revenue = rows.reduce((sum, r) => sum + r.price, 0);
    findings.push({
      id: findingId(FINDING_KIND.duplicateOrder, orderId, first),
      kind: FINDING_KIND.duplicateOrder,
      severity: severityFrom(SEVERITY_EDGES.duplicate_order, rows.length),
      subject: orderId,
      at: first,
      title: `order id ${orderId} appears on ${rows.length} rows (${formatMoney(revenue)} of revenue counted)`,
      evidence: {
        measure: rows.length,
        threshold: SEVERITY_EDGES.duplicate_order.low,
        figures: { rows: rows.length, revenue },
        rows: rows.slice(0, 5).map((r) => `order ${orderId} ${r.date}`),
      },
      count: rows.length,
    });
  }
  return findings;
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
    const scale = Math.max(q3 - q1, MIN_IQR_SHARE * quantile(sorted, 0.5));
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
          date: row.date,
          iqrsPast: (direction === 'high' ? row.price - highFence : lowFence - row.price) / scale,
        },
        distance: direction === 'high' ? row.price - highFence : lowFence - row.price,
      });
    }
  }
  return found
    .sort((a, b) => b.distance - a.distance || compareText(a.outlier.orderId, b.outlier.orderId))
    .map((f) => f.outlier);
}
