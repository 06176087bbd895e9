/**
 * Smartphone sales a reader believes: real models at their list-price ranges,
 * orders spread over a year and six regions, review texts whose tone depends
 * on the model, and, when asked, planted price outliers (a price past the
 * brand's fence by a set number of IQRs) and duplicated order ids.
 */
import { FINDING_KIND } from '../../core/analyze/findings/finding.js';
import { OUTLIER_IQR_MULTIPLE, quantile, type SalesRow } from '../../core/analyze/sales.js';
import { seededRandom } from '../prng.js';
import { PLANTED_SEVERITIES, type PlantedEvent, type Truth } from './truth.js';

interface Phone {
  readonly brand: string;
  readonly model: string;
  readonly release: number;
  readonly min: number;
  readonly max: number;
  /** Share of reviews that are praise, complaint (the rest are plain). */
  readonly praise: number;
  readonly complaint: number;
}

const PHONES: readonly Phone[] = [
  { brand: 'Apple', model: 'iPhone 15', release: 2023, min: 799, max: 899, praise: 0.55, complaint: 0.1 },
  { brand: 'Apple', model: 'iPhone 16 Pro', release: 2024, min: 999, max: 1199, praise: 0.6, complaint: 0.1 },
  { brand: 'Samsung', model: 'Galaxy S24', release: 2024, min: 799, max: 899, praise: 0.5, complaint: 0.15 },
  { brand: 'Samsung', model: 'Galaxy A55', release: 2024, min: 399, max: 479, praise: 0.4, complaint: 0.2 },
  { brand: 'Google', model: 'Pixel 9', release: 2024, min: 699, max: 799, praise: 0.5, complaint: 0.15 },
  { brand: 'Google', model: 'Pixel 8a', release: 2024, min: 449, max: 499, praise: 0.45, complaint: 0.15 },
  {
    brand: 'Xiaomi',
    model: 'Redmi Note 13',
    release: 2024,
    min: 199,
    max: 279,
    praise: 0.4,
    complaint: 0.25,
  },
  { brand: 'Xiaomi', model: 'Xiaomi 14', release: 2024, min: 699, max: 849, praise: 0.45, complaint: 0.2 },
  { brand: 'Oppo', model: 'Find X7', release: 2024, min: 599, max: 749, praise: 0.4, complaint: 0.2 },
  { brand: 'Oppo', model: 'Reno 12', release: 2024, min: 349, max: 449, praise: 0.15, complaint: 0.55 },
];

const REGIONS = ['North America', 'South America', 'Europe', 'Asia', 'Africa', 'Oceania'] as const;
const PRAISE = [
  'Great camera, sharp photos even at night',
  'Battery easily lasts a full day, love it',
  'Fast and smooth, excellent screen',
  'Best phone I have owned, great value',
  'Beautiful display and great battery life',
];
const COMPLAINT = [
  'Battery drains fast, disappointed',
  'Screen cracked after a week, poor build',
  'Overheats while charging, terrible',
  'Camera is blurry in low light, not worth the price',
  'Laggy after the update, frustrating',
];
const PLAIN = ['Arrived on time', 'Works as expected', 'Bought it for my son', 'Second phone for work', ''];
const COLORS = ['Black', 'Silver', 'Midnight Blue', 'Green', 'White'];

export const SALES_HEADER =
  'order_id,date,model,brand,release_year,price,region,customer_review,ram,storage,color';

/** IQRs past the fence at the middle of each severity band (SEVERITY_EDGES.price_outlier). */
const IQRS_PAST = { low: 0.7, medium: 2.2, high: 4.5, critical: 9 } as const;
const DUPLICATE_ROWS = { low: 2, medium: 4, high: 7, critical: 12 } as const;

export interface PlantedSalesOptions {
  readonly seed: number;
  readonly orders: number;
  /** @default true */
  readonly plant?: boolean;
}

interface Order {
  readonly id: string;
  readonly date: string;
  readonly phone: Phone;
  price: number;
  readonly region: string;
  readonly review: string;
}

const csvCell = (v: string): string => (/[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);

export function plantedSales(options: PlantedSalesOptions): { csv: string; rows: SalesRow[]; truth: Truth } {
  const random = seededRandom(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const start = Date.UTC(2024, 0, 1);
  const orders: Order[] = [];
  for (let i = 0; i < options.orders; i++) {
    const phone = pick(PHONES);
    const r = random();
    const review =
      r < phone.praise ? pick(PRAISE) : r < phone.praise + phone.complaint ? pick(COMPLAINT) : pick(PLAIN);
    orders.push({
      id: `ORD-${String(100_000 + i)}`,
      date: new Date(start + Math.floor(random() * 365) * 86_400_000).toISOString().slice(0, 10),
      phone,
      price: phone.min + Math.round(random() * (phone.max - phone.min)),
      region: pick(REGIONS),
      review,
    });
  }
  const events: PlantedEvent[] = [];
  const duplicates: Order[] = [];
  if (options.plant !== false) {
    const fences = brandFences(orders);
    // About one outlier in 150 orders, at least four, spread over brands and levels.
    const outliers = Math.max(4, Math.floor(options.orders / 150));
    for (let k = 0; k < outliers; k++) {
      const order = orders[Math.floor(((k + 0.5) * orders.length) / outliers)] as Order;
      const fence = fences.get(order.phone.brand);
      if (fence === undefined) continue;
      const level = PLANTED_SEVERITIES[k % 4] as keyof typeof IQRS_PAST;
      const past = IQRS_PAST[level];
      // Only a mild outlier can sit below a brand's fence and still have a positive price.
      const below = level === 'low' && fence.low - past * fence.iqr > 20 && k % 8 === 0;
      order.price = Math.round(below ? fence.low - past * fence.iqr : fence.high + past * fence.iqr);
      events.push({
        kind: FINDING_KIND.priceOutlier,
        subject: order.id,
        at: order.date,
        severity: level,
        what: `${order.phone.brand} ${order.phone.model} at ${order.price}, ${past} IQRs ${below ? 'below' : 'above'} the brand's fence`,
      });
    }
    const dupes = Math.max(2, Math.floor(options.orders / 500));
    for (let k = 0; k < dupes; k++) {
      const order = orders[Math.floor(((k + 0.3) * orders.length) / dupes)] as Order;
      if (events.some((e) => e.subject === order.id)) continue;
      const level = PLANTED_SEVERITIES[k % 4] as keyof typeof DUPLICATE_ROWS;
      const copies = DUPLICATE_ROWS[level];
      for (let c = 1; c < copies; c++) duplicates.push(order);
      events.push({
        kind: FINDING_KIND.duplicateOrder,
        subject: order.id,
        at: order.date,
        severity: level,
        what: `order id on ${copies} rows`,
      });
    }
  }
  const line = (o: Order) =>
    [
      o.id,
      o.date,
      o.phone.model,
      o.phone.brand,
      String(o.phone.release),
      String(o.price),
      o.region,
      o.review,
      String(pick([6, 8, 12])),
      String(pick([128, 256, 512])),
      pick(COLORS),
    ]
      .map(csvCell)
      .join(',');
  const all = [...orders, ...duplicates];
  const csv = [SALES_HEADER, ...all.map(line)].join('\n');
  return {
    csv: `${csv}\n`,
    rows: all.map((o) => ({
      order_id: o.id,
      date: o.date,
      model: o.phone.model,
      brand: o.phone.brand,
      price: o.price,
      region: o.region as SalesRow['region'],
      customer_review: o.review === '' ? null : o.review,
    })),
    truth: {
      dataset: 'smartphone-sales',
      seed: options.seed,
      size: options.orders,
      kinds: [FINDING_KIND.priceOutlier, FINDING_KIND.duplicateOrder],
      events,
    },
  };
}

/** Each brand's fences as the analysis computes them (before any outlier is planted). */
function brandFences(orders: readonly Order[]): Map<string, { low: number; high: number; iqr: number }> {
  const byBrand = new Map<string, number[]>();
  for (const o of orders) {
    const list = byBrand.get(o.phone.brand) ?? [];
    list.push(o.price);
    byBrand.set(o.phone.brand, list);
  }
  const fences = new Map<string, { low: number; high: number; iqr: number }>();
  for (const [brand, prices] of byBrand) {
    const sorted = prices.sort((a, b) => a - b);
    const q1 = quantile(sorted, 0.25);
    const q3 = quantile(sorted, 0.75);
    const iqr = q3 - q1;
    fences.set(brand, { low: q1 - OUTLIER_IQR_MULTIPLE * iqr, high: q3 + OUTLIER_IQR_MULTIPLE * iqr, iqr });
  }
  return fences;
}
