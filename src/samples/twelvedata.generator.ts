/**
 * Deterministic Twelve Data `time_series` responses of any size, streamed in chunks
 * so a gigabyte file never sits in memory. Prices are random walks in units of
 * 0.00001 (the API's five decimals) so rounding never breaks low <= open, close <= high;
 * every bad row breaks exactly one rule, so tests can assert exact counts per reason.
 */

import { plantedMarket } from './planted/market.js';
import type { Truth } from './planted/truth.js';
import { seededRandom } from './prng.js';
import { stockMeta } from './twelvedata-meta.js';

export const BAD_KINDS = [
  'missing_field',
  'not_a_number',
  'negative_number',
  'ohlc_inconsistent',
  'invalid_date',
  'invalid_datetime',
  'duplicate_row',
] as const;
export type BadKind = (typeof BAD_KINDS)[number];

export interface TwelveDataOptions {
  /** Symbol blocks with values. */
  readonly symbols: number;
  readonly valuesPerSymbol: number;
  /** Share of bad rows, 0..1; each bad row gets one kind of BAD_KINDS. */
  readonly badRatio: number;
  readonly seed: number;
  /** @default 'multi'. 'single' needs symbols + errorBlocks === 1. */
  readonly shape?: 'multi' | 'single' | 'batch';
  /** Blocks `{code: 400, message, status: "error"}` placed among the symbols. @default 0 */
  readonly errorBlocks?: number;
  /** @default '1day' (weekdays, newest first); '1min' spans 09:30-15:59 of weekdays. */
  readonly interval?: '1day' | '1min';
}

export interface TwelveDataCounts {
  /** Characters of the whole text. */
  chars: number;
  /** Elements of all `values` arrays. */
  values: number;
  /** Values that pass validation. */
  valid: number;
  bad: Record<BadKind, number>;
  errorBlocks: number;
  /** Source items a reader yields: values plus error blocks. */
  items: number;
  /** Valid rows per symbol. */
  validBySymbol: Record<string, number>;
}

const CHUNK_CHARS = 65_536;
const UNIT = 100_000;
const DAY_MS = 86_400_000;
// 2024-12-31, a Tuesday: the newest bar of every series.
const LAST_DAY = Date.UTC(2024, 11, 31) / DAY_MS;

const LISTED: ReadonlyArray<readonly [string, string, string]> = [
  ['AAPL', 'NASDAQ', 'XNGS'],
  ['MSFT', 'NASDAQ', 'XNGS'],
  ['NVDA', 'NASDAQ', 'XNGS'],
  ['AMZN', 'NASDAQ', 'XNGS'],
  ['GOOGL', 'NASDAQ', 'XNGS'],
  ['META', 'NASDAQ', 'XNGS'],
  ['TSLA', 'NASDAQ', 'XNGS'],
  ['JPM', 'NYSE', 'XNYS'],
  ['V', 'NYSE', 'XNYS'],
  ['JNJ', 'NYSE', 'XNYS'],
  ['XOM', 'NYSE', 'XNYS'],
  ['PG', 'NYSE', 'XNYS'],
  ['KO', 'NYSE', 'XNYS'],
  ['DIS', 'NYSE', 'XNYS'],
  ['IBM', 'NYSE', 'XNYS'],
];

function listing(n: number): readonly [string, string, string] {
  const known = LISTED[n];
  if (known) return known;
  let code = '';
  for (let rest = n - LISTED.length; code === '' || rest > 0; rest = Math.floor(rest / 26)) {
    code = String.fromCharCode(65 + (rest % 26)) + code;
  }
  return [`Z${code}`, 'NYSE', 'XNYS'];
}

const pad = (n: number): string => String(n).padStart(2, '0');
const price = (units: number): string => (units / UNIT).toFixed(5);

/** Bar timestamps, newest first, weekdays only. */
function* timestamps(interval: '1day' | '1min'): Generator<string> {
  for (let day = LAST_DAY; ; day--) {
    const weekday = (day + 4) % 7; // 1970-01-01 was a Thursday
    if (weekday === 0 || weekday === 6) continue;
    const date = new Date(day * DAY_MS).toISOString().slice(0, 10);
    if (interval === '1day') {
      yield date;
      continue;
    }
    for (let minute = 15 * 60 + 59; minute >= 9 * 60 + 30; minute--) {
      yield `${date} ${pad(Math.floor(minute / 60))}:${pad(minute % 60)}:00`;
    }
  }
}

function checkOptions(o: TwelveDataOptions): void {
  const counts = { symbols: o.symbols, valuesPerSymbol: o.valuesPerSymbol, errorBlocks: o.errorBlocks ?? 0 };
  for (const [name, value] of Object.entries(counts)) {
    if (!Number.isInteger(value) || value < 0)
      throw new RangeError(`${name} must be an integer >= 0 (given ${value})`);
  }
  if (!(o.badRatio >= 0 && o.badRatio <= 1))
    throw new RangeError(`badRatio must be between 0 and 1 (given ${o.badRatio})`);
  if (o.shape === 'single' && o.symbols + (o.errorBlocks ?? 0) !== 1) {
    throw new RangeError('the single shape holds exactly one block: symbols + errorBlocks must be 1');
  }
}

const emptyCounts = (): TwelveDataCounts => ({
  chars: 0,
  values: 0,
  valid: 0,
  bad: Object.fromEntries(BAD_KINDS.map((k) => [k, 0])) as Record<BadKind, number>,
  errorBlocks: 0,
  items: 0,
  validBySymbol: {},
});

type Bar = Record<string, string>;

/** One symbol's bars as JSON text, counting each kind into `counts`. */
function* series(
  symbol: string,
  o: TwelveDataOptions,
  rand: () => number,
  counts: TwelveDataCounts,
): Generator<string> {
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
  const when = timestamps(o.interval ?? '1day');
  let close = Math.round((5 + rand() * 495) * UNIT);
  let previous: Bar | undefined;
  counts.validBySymbol[symbol] = 0;
  for (let k = 0; k < o.valuesPerSymbol; k++) {
    const open = Math.max(1, Math.round(close * (1 + 0.005 * normal())));
    close = Math.max(1, Math.round(open * (1 + 0.015 * normal())));
    const high = Math.max(open, close) + 1 + Math.round(open * 0.008 * rand());
    const low = Math.max(0, Math.min(open, close) - 1 - Math.round(open * 0.008 * rand()));
    const volume = Math.round(Math.exp(15 + 0.6 * normal()));
    const datetime = when.next().value as string;
    let bar: Bar = {
      datetime,
      open: price(open),
      high: price(high),
      low: price(low),
      close: price(close),
      volume: String(volume),
    };
    let kind: BadKind | undefined = rand() < o.badRatio ? pick(BAD_KINDS) : undefined;
    if (kind === 'duplicate_row' && previous === undefined) kind = 'missing_field';
    if (kind !== undefined) bar = spoil(bar, kind, previous, pick);
    counts.values++;
    if (kind === undefined) {
      counts.valid++;
      counts.validBySymbol[symbol]++;
    } else {
      counts.bad[kind]++;
    }
    // Only a valid bar can be duplicated: a broken one never claims its datetime.
    previous = kind === undefined ? bar : undefined;
    yield (k === 0 ? '' : ',') + JSON.stringify(bar);
  }
}

function spoil(bar: Bar, kind: BadKind, previous: Bar | undefined, pick: <T>(items: readonly T[]) => T): Bar {
  const field = pick(['open', 'high', 'low', 'close', 'volume']);
  const [date = '', time] = (bar.datetime as string).split(' ');
  const [y, m, d] = date.split('-');
  const at = (day: string): string => (time === undefined ? day : `${day} ${time}`);
  switch (kind) {
    case 'missing_field': {
      // Volume is optional (forex and crypto have none): a bar without it is not bad.
      const dropped = pick(['datetime', field]);
      const { [dropped === 'volume' ? 'close' : dropped]: _, ...rest } = bar;
      return rest;
    }
    case 'not_a_number':
      return { ...bar, [field]: pick(['N/A', '12,345.6', 'NaN', 'Infinity', '1e309', 'abc']) };
    case 'negative_number':
      return { ...bar, [field]: `-${bar[field]}` };
    case 'ohlc_inconsistent':
      return { ...bar, high: bar.low as string, low: bar.high as string };
    case 'invalid_date':
      return {
        ...bar,
        datetime: at(pick([`${y}-02-30`, `${y}-02-31`, `${y}-04-31`, `${y}-13-01`, `${y}-00-10`])),
      };
    case 'invalid_datetime':
      return {
        ...bar,
        datetime: at(pick([`${y}/${m}/${d}`, `${m}/${d}/${y}`, `${y}${m}${d}`, `${d}.${m}.${y}`])),
      };
    case 'duplicate_row':
      return { ...bar, datetime: (previous as Bar).datetime as string };
  }
}

function* errorBlock(symbol: string, interval: string): Generator<string> {
  yield JSON.stringify({
    code: 400,
    message: `**symbol** not found: ${symbol}. Please specify it correctly according to API Documentation.`,
    status: 'error',
    meta: { symbol, interval, exchange: '' },
  });
}

function* symbolBlock(
  n: number,
  o: TwelveDataOptions,
  rand: () => number,
  counts: TwelveDataCounts,
): Generator<string> {
  const [symbol, exchange, mic] = listing(n);
  const meta = stockMeta({ symbol, exchange, mic }, o.interval ?? '1day');
  yield `{"meta":${JSON.stringify(meta)},"values":[`;
  yield* series(symbol, o, rand, counts);
  yield '],"status":"ok"}';
}

/** The response as pieces of text; fills `counts` as it goes. */
function* pieces(o: TwelveDataOptions, counts: TwelveDataCounts): Generator<string> {
  checkOptions(o);
  const rand = seededRandom(o.seed);
  const errors = o.errorBlocks ?? 0;
  // Error blocks land among the symbols at seeded places (Fisher-Yates over block slots).
  const order = Array.from({ length: o.symbols + errors }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  const shape = o.shape ?? 'multi';
  yield shape === 'single' ? '' : shape === 'batch' ? '{"code":200,"status":"ok","data":{' : '{';
  for (const [position, slot] of order.entries()) {
    const failed = slot >= o.symbols;
    const symbol = failed ? `NOSUCH${slot - o.symbols + 1}` : (listing(slot)[0] as string);
    if (shape !== 'single') {
      const key = shape === 'batch' ? `req_${position + 1}` : symbol;
      yield `${position === 0 ? '' : ','}${JSON.stringify(key)}:`;
    }
    if (failed) {
      counts.errorBlocks++;
      yield* errorBlock(symbol, o.interval ?? '1day');
    } else {
      yield* symbolBlock(slot, o, rand, counts);
    }
  }
  yield shape === 'single' ? '' : shape === 'batch' ? '}}' : '}';
  counts.items = counts.values + counts.errorBlocks;
}

/** Streams the response in chunks of about 64 KiB; returns what it made. */
export async function* generateTwelveData(
  options: TwelveDataOptions,
): AsyncGenerator<string, TwelveDataCounts> {
  const counts = emptyCounts();
  let buffer: string[] = [];
  let size = 0;
  for (const piece of pieces(options, counts)) {
    counts.chars += piece.length;
    buffer.push(piece);
    size += piece.length;
    if (size >= CHUNK_CHARS) {
      yield buffer.join('');
      buffer = [];
      size = 0;
    }
  }
  if (size > 0) yield buffer.join('');
  return counts;
}

/** What generateTwelveData makes for these options, without keeping the text. */
export function twelveDataCounts(options: TwelveDataOptions): TwelveDataCounts {
  const counts = emptyCounts();
  for (const piece of pieces(options, counts)) counts.chars += piece.length;
  return counts;
}

/** The whole response as one string: for small documents only. */
export function twelveDataText(options: TwelveDataOptions): string {
  return [...pieces(options, emptyCounts())].join('');
}

/**
 * The demo sample (`npm start`): AAPL, MSFT and NVDA, 60 NYSE trading days each at their real price
 * levels, a volume spike and a large move planted per symbol, about 5 % bad rows and one error block.
 * The truth lists the planted events; rejected rows also leave missing bars, which are findings too.
 */
export function twelveDataSampleWithTruth(): { text: string; truth: Truth } {
  const market = plantedMarket({
    seed: 20_240_105,
    symbols: 3,
    bars: 60,
    kinds: ['volume', 'move'],
    lead: 24,
    spacing: 14,
  });
  const rand = seededRandom(20_240_105);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
  const planted = new Set(market.truth.events.map((e) => `${e.subject} ${e.at}`));
  const blocks: string[] = [];
  for (const l of market.listings) {
    const rows = market.rows.filter((r) => r.symbol === l.symbol).reverse();
    let previous: Bar | undefined;
    const values = rows.map((r) => {
      let bar: Bar = {
        datetime: r.datetime,
        open: r.open.toFixed(5),
        high: r.high.toFixed(5),
        low: r.low.toFixed(5),
        close: r.close.toFixed(5),
        volume: String(r.volume),
      };
      // Planted bars stay valid, so the truth holds after ingest.
      let kind: BadKind | undefined =
        !planted.has(`${r.symbol} ${r.datetime}`) && rand() < 0.05 ? pick(BAD_KINDS) : undefined;
      if (kind === 'duplicate_row' && previous === undefined) kind = 'missing_field';
      if (kind !== undefined) bar = spoil(bar, kind, previous, pick);
      previous = kind === undefined ? bar : undefined;
      return JSON.stringify(bar);
    });
    const meta = stockMeta(l);
    blocks.push(
      `${JSON.stringify(l.symbol)}:{"meta":${JSON.stringify(meta)},"values":[${values.join(',')}],"status":"ok"}`,
    );
  }
  const error: string[] = [];
  for (const piece of errorBlock('NOSUCH1', '1day')) error.push(piece);
  blocks.splice(2, 0, `"NOSUCH1":${error.join('')}`);
  return { text: `{${blocks.join(',')}}`, truth: market.truth };
}

/** The demo sample's text. */
export function twelveDataSample(): string {
  return twelveDataSampleWithTruth().text;
}
