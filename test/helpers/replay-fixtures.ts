/**
 * Inputs for replay tests: market bars where some volumes carry thousands
 * separators (`"1,234,567"`, `1 234 567`) that today's contracts reject as
 * not_a_number, and a "fixed" contract that accepts them. Deterministic: the same
 * options give the same text and the same expected counts.
 */
import type { DatasetContract, RecordValidator, SourceRecord } from '../../src/core/datasets/contract.js';
import { seededRandom } from '../../src/samples/prng.js';
import { randomWalkBars } from '../../src/samples/random-walk.js';

/**
 * What each row of a fixture is. `echo` is a valid bar followed by a copy of its
 * (symbol, datetime) with a comma volume; `twin` is a comma bar written twice.
 */
export interface MarketFixtureCounts {
  /** Data rows, every row of every kind, header excluded. */
  rows: number;
  good: number;
  comma: number;
  space: number;
  negative: number;
  /** CSV: a row with an extra field; JSON: a bar that is an array, not an object. */
  malformed: number;
  echo: number;
  twin: number;
  /** CSV: a repeated header line; JSON: an error block. Exactly one either way. */
  structural: number;
}

export interface MarketFixture {
  readonly text: string;
  readonly counts: MarketFixtureCounts;
}

export interface MarketFixtureOptions {
  readonly seed: number;
  readonly symbols: number;
  readonly barsPerSymbol: number;
  readonly format: 'csv' | 'twelvedata';
  /** Share of bars written with a broken rule, 0..1. @default 0.4 */
  readonly badRatio?: number;
}

const KINDS = ['comma', 'space', 'negative', 'malformed', 'echo', 'twin'] as const;
type Kind = (typeof KINDS)[number];

const grouped = (volume: number, separator: string): string =>
  String(volume).replace(/\B(?=(\d{3})+(?!\d))/g, separator);

interface Bar {
  datetime: string;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
}

export function marketFixture(options: MarketFixtureOptions): MarketFixture {
  const random = seededRandom(options.seed);
  const badRatio = options.badRatio ?? 0.4;
  const counts: MarketFixtureCounts = {
    rows: 0,
    good: 0,
    comma: 0,
    space: 0,
    negative: 0,
    malformed: 0,
    echo: 0,
    twin: 0,
    structural: 1,
  };
  const bySymbol: Array<{ symbol: string; bars: Array<Bar | 'malformed'> }> = [];
  for (let s = 0; s < options.symbols; s++) {
    const symbol = `SYM${s}`;
    const out: Array<Bar | 'malformed'> = [];
    for (const row of randomWalkBars({ seed: options.seed + s, bars: options.barsPerSymbol, symbol })) {
      const bar: Bar = {
        datetime: row.datetime,
        open: row.open.toFixed(2),
        high: row.high.toFixed(2),
        low: row.low.toFixed(2),
        close: row.close.toFixed(2),
        volume: String(Math.max(row.volume ?? 0, 1000)),
      };
      const kind: Kind | 'good' =
        random() < badRatio ? (KINDS[Math.floor(random() * KINDS.length)] as Kind) : 'good';
      counts[kind]++;
      const comma = { ...bar, volume: grouped(Number(bar.volume), ',') };
      switch (kind) {
        case 'good':
          out.push(bar);
          break;
        case 'comma':
          out.push(comma);
          break;
        case 'space':
          out.push({ ...bar, volume: grouped(Number(bar.volume), ' ') });
          break;
        case 'negative':
          out.push({ ...bar, open: '-1.00' });
          break;
        case 'malformed':
          out.push('malformed');
          break;
        case 'echo':
          out.push(bar, comma);
          break;
        case 'twin':
          out.push(comma, { ...comma });
          break;
      }
    }
    counts.rows += out.length;
    bySymbol.push({ symbol, bars: out });
  }
  counts.rows += counts.structural;
  return { text: options.format === 'csv' ? csvText(bySymbol) : twelveDataJson(bySymbol), counts };
}

const HEADER = 'symbol,datetime,open,high,low,close,volume';
const csvField = (value: string): string =>
  /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;

function csvText(bySymbol: Array<{ symbol: string; bars: Array<Bar | 'malformed'> }>): string {
  const lines = [HEADER];
  bySymbol.forEach(({ symbol, bars }, s) => {
    for (const bar of bars) {
      lines.push(
        bar === 'malformed'
          ? `${symbol},2020-01-01,1,2,1,1,100,extra`
          : [symbol, bar.datetime, bar.open, bar.high, bar.low, bar.close, bar.volume]
              .map(csvField)
              .join(','),
      );
    }
    if (s === 0) lines.push(HEADER);
  });
  return `${lines.join('\n')}\n`;
}

function twelveDataJson(bySymbol: Array<{ symbol: string; bars: Array<Bar | 'malformed'> }>): string {
  const body: Record<string, unknown> = {};
  for (const { symbol, bars } of bySymbol) {
    body[symbol] = {
      meta: { symbol, interval: '1day', currency: 'USD', exchange: 'NASDAQ', type: 'Common Stock' },
      values: bars.map((bar) => (bar === 'malformed' ? ['2020-01-01', '1', '2', '1', '1', '100'] : bar)),
      status: 'ok',
    };
  }
  body.BROKEN = { code: 400, message: '**symbol** not found: BROKEN', status: 'error' };
  return JSON.stringify(body);
}

const GROUPED = /^\d{1,3}(?:[, ]\d{3})+$/;

/**
 * The "contract fix": `contract`, except that numbers may group thousands with the
 * given separators. Values are cleaned before the contract's own validator sees them.
 */
export function acceptThousandsSeparators(
  contract: DatasetContract,
  separators: readonly string[],
): DatasetContract {
  const clean = (value: unknown): unknown =>
    typeof value === 'string' &&
    GROUPED.test(value) &&
    [...value.replace(/\d/g, '')].every((c) => separators.includes(c))
      ? value.replace(/\D/g, '')
      : value;
  const cleanAll = <T extends object>(values: T): T =>
    Object.fromEntries(Object.entries(values).map(([k, v]) => [k, clean(v)])) as T;
  const cleaned = (record: SourceRecord): SourceRecord =>
    record.cells
      ? { ...record, cells: record.cells.map((cell) => clean(cell) as string) }
      : record.fields
        ? { ...record, fields: cleanAll(record.fields) }
        : record.raw !== null && typeof record.raw === 'object' && !Array.isArray(record.raw)
          ? { ...record, raw: cleanAll(record.raw) }
          : record;
  return {
    ...contract,
    createValidator(): RecordValidator<unknown> {
      const inner = contract.createValidator();
      return { validate: (record) => inner.validate(cleaned(record)) };
    },
  };
}
