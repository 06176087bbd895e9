/**
 * Deterministic CSV generators for the CSV datasets (health vitals, smartphone
 * sales, OHLCV). The same options always give the same text, so tests and
 * benchmarks can generate large inputs instead of committing them.
 *
 * Every bad row breaks at least one rule of its dataset for sure, and every
 * good row passes them all: with `badRatio` 0 a file is all valid, with 1 all
 * rejected.
 */

import { seededRandom } from './prng.js';

/** Characters per yielded chunk: about what a file stream hands over. */
const CHUNK_CHARS = 64 * 1024;

type Random = ReturnType<typeof seededRandom>;

const int = (random: Random, min: number, max: number): number =>
  min + Math.floor(random() * (max - min + 1));

function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

/** Quotes a field when CSV needs it to. */
const csvField = (value: string): string =>
  /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;

/** Joins generated lines into chunks of about CHUNK_CHARS characters. */
async function* chunked(lines: Iterable<string>): AsyncGenerator<string> {
  let chunk = '';
  for (const line of lines) {
    chunk += `${line}\n`;
    if (chunk.length >= CHUNK_CHARS) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk.length > 0) yield chunk;
}

export interface GeneratorOptions {
  /** Data rows, header excluded. */
  readonly rows: number;
  /** Share of rows that break a rule, 0..1. */
  readonly badRatio: number;
  readonly seed: number;
}

const HEALTH_VITALS_HEADER = 'event_time,user_id,heart_rate,spo2,steps,temp_c,systolic_bp,diastolic_bp';

const HEALTH_VITALS_BAD_KINDS = [
  'out_of_range',
  'missing',
  'not_a_number',
  'bad_timestamp',
  'bp_inconsistent',
  'extra_field',
] as const;

function* healthVitalLines(options: GeneratorOptions & { readonly users: number }): Generator<string> {
  const random = seededRandom(options.seed);
  const start = Date.UTC(2025, 0, 1);
  yield HEALTH_VITALS_HEADER;
  for (let i = 0; i < options.rows; i++) {
    const fields = [
      new Date(start + i * 1000).toISOString(),
      `user_${int(random, 1, options.users)}`,
      String(int(random, 55, 175)),
      String(int(random, 90, 100)),
      String(int(random, 0, 20_000)),
      (int(random, 355, 395) / 10).toFixed(1),
      String(int(random, 95, 175)),
      String(int(random, 60, 95)),
    ];
    if (random() < options.badRatio) {
      switch (pick(random, HEALTH_VITALS_BAD_KINDS)) {
        case 'out_of_range':
          fields[2] = pick(random, ['20', '49.9', '180.5', '250']);
          break;
        case 'missing':
          fields[int(random, 0, fields.length - 1)] = '';
          break;
        case 'not_a_number':
          fields[4] = pick(random, ['n/a', 'twelve', '1_000', 'NaN']);
          break;
        case 'bad_timestamp':
          fields[0] = pick(random, [
            '2025-13-01T00:00:00Z',
            '2025-02-30T10:00:00Z',
            'yesterday',
            '2025-01-01 10:00',
          ]);
          break;
        case 'bp_inconsistent':
          fields[6] = '100';
          fields[7] = '110';
          break;
        case 'extra_field':
          fields.push('extra');
          break;
      }
    }
    yield fields.join(',');
  }
}

/** Wearable readings, one per second across `users` users. */
export function generateHealthVitals(
  options: GeneratorOptions & { readonly users: number },
): AsyncGenerator<string> {
  return chunked(healthVitalLines(options));
}

const SMARTPHONE_SALES_HEADER =
  'order_id,date,model,brand,release_year,price,region,customer_review,ram,storage,color';

const PHONES: readonly (readonly [brand: string, models: readonly string[]])[] = [
  ['Apple', ['iPhone 15', 'iPhone 16 Pro']],
  ['Samsung', ['Galaxy S24', 'Galaxy A55']],
  ['Google', ['Pixel 9', 'Pixel 8a']],
  ['Xiaomi', ['Redmi Note 13', 'Xiaomi 14']],
  ['Oppo', ['Find X7', 'Reno 12']],
];
const REGIONS = ['North America', 'South America', 'Europe', 'Asia', 'Africa', 'Oceania'] as const;
const REVIEWS = [
  'Great camera',
  'Battery lasts two days, charging is fast',
  'The "Pro" label is earned',
  'Screen cracked after a week.\nReplaced under warranty',
  '',
] as const;
const COLORS = ['Black', 'Silver', 'Midnight Blue', ''] as const;

const SMARTPHONE_SALES_BAD_KINDS = [
  'price',
  'region',
  'date',
  'model',
  'ram',
  'storage',
  'missing',
  'extra_field',
] as const;

function* smartphoneSaleLines(options: GeneratorOptions): Generator<string> {
  const random = seededRandom(options.seed);
  yield SMARTPHONE_SALES_HEADER;
  for (let i = 0; i < options.rows; i++) {
    const [brand, models] = pick(random, PHONES);
    const fields = [
      `ORD${100_000 + i}`,
      `2024-${String(int(random, 1, 12)).padStart(2, '0')}-${String(int(random, 1, 28)).padStart(2, '0')}`,
      pick(random, models),
      brand,
      String(int(random, 2021, 2025)),
      String(int(random, 99, 2499)),
      pick(random, REGIONS),
      pick(random, REVIEWS),
      random() < 0.1 ? 'N/A' : String(pick(random, [4, 6, 8, 12, 16])),
      random() < 0.1 ? '' : String(pick(random, [64, 128, 256, 512, 1024])),
      pick(random, COLORS),
    ];
    if (random() < options.badRatio) {
      switch (pick(random, SMARTPHONE_SALES_BAD_KINDS)) {
        case 'price':
          fields[5] = pick(random, ['0', '-5', '10001', 'cheap']);
          break;
        case 'region':
          fields[6] = pick(random, ['Antarctica', 'europe', 'EU']);
          break;
        case 'date':
          fields[1] = pick(random, ['2024-02-30', '2024/01/05', '05-01-2024']);
          break;
        case 'model':
          fields[2] = '';
          break;
        case 'ram':
          fields[8] = pick(random, ['0', '64', 'lots']);
          break;
        case 'storage':
          fields[9] = pick(random, ['0', '-128', 'big']);
          break;
        case 'missing':
          fields[pick(random, [0, 1, 3, 5, 6])] = '';
          break;
        case 'extra_field':
          fields.push('extra');
          break;
      }
    }
    yield fields.map(csvField).join(',');
  }
}

/** Phone orders, with quoted reviews holding commas, quotes and line breaks. */
export function generateSmartphoneSales(options: GeneratorOptions): AsyncGenerator<string> {
  return chunked(smartphoneSaleLines(options));
}

const OHLCV_CSV_HEADER = 'symbol,datetime,open,high,low,close,volume';

const OHLCV_BAD_KINDS = [
  'ohlc_inconsistent',
  'negative',
  'not_a_number',
  'bad_datetime',
  'missing_symbol',
  'duplicate',
] as const;

const DAY_MS = 86_400_000;

function* ohlcvLines(options: GeneratorOptions & { readonly symbols: number }): Generator<string> {
  const random = seededRandom(options.seed);
  const symbols = Array.from({ length: options.symbols }, (_, i) => `SYM${i}`);
  const closes = symbols.map(() => int(random, 20, 500));
  const nextDay = symbols.map(() => 0);
  const lastGoodDay = symbols.map((): number | undefined => undefined);
  const start = Date.UTC(2020, 0, 1);
  const isoDay = (day: number): string => new Date(start + day * DAY_MS).toISOString().slice(0, 10);
  yield OHLCV_CSV_HEADER;
  for (let i = 0; i < options.rows; i++) {
    const s = i % symbols.length;
    const day = nextDay[s] as number;
    nextDay[s] = day + 1;
    const open = closes[s] as number;
    const close = Math.max(1, open * (1 + (random() - 0.5) / 10));
    closes[s] = close;
    const high = Math.max(open, close) * (1 + random() / 50);
    const low = Math.min(open, close) * (1 - random() / 50);
    const fields = [
      symbols[s] as string,
      isoDay(day),
      open.toFixed(4),
      high.toFixed(4),
      low.toFixed(4),
      close.toFixed(4),
      String(int(random, 1_000, 5_000_000)),
    ];
    const bad = random() < options.badRatio;
    if (bad) {
      let kind = pick(random, OHLCV_BAD_KINDS);
      // A duplicate needs an earlier valid bar to repeat.
      if (kind === 'duplicate' && lastGoodDay[s] === undefined) kind = 'ohlc_inconsistent';
      switch (kind) {
        case 'ohlc_inconsistent':
          fields[4] = (high * 1.1).toFixed(4);
          break;
        case 'negative':
          fields[6] = '-100';
          break;
        case 'not_a_number':
          fields[5] = pick(random, ['abc', '1,5', 'Infinity']);
          break;
        case 'bad_datetime':
          fields[1] = pick(random, ['2024-02-30', '2024-13-01', '01/02/2024']);
          break;
        case 'missing_symbol':
          fields[0] = '';
          break;
        case 'duplicate':
          fields[1] = isoDay(lastGoodDay[s] as number);
          break;
      }
    }
    if (!bad) lastGoodDay[s] = day;
    yield fields.map(csvField).join(',');
  }
}

/** Daily bars for `symbols` symbols in turn, each a random walk. */
export function generateOhlcvCsv(
  options: GeneratorOptions & { readonly symbols: number },
): AsyncGenerator<string> {
  return chunked(ohlcvLines(options));
}
