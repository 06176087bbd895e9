/**
 * Property tests of issue 9, item 6. The parsers and validators already carry
 * 1000-run properties beside their code (json-scanner, csv-source, decode, fields,
 * each contract, the ingest stage, escape, the CSV writer); this file adds the ones
 * the hostile cases called for, and the round trip: valid rows written out in their
 * dataset's input format, ingested, read back, written out again and ingested again
 * come back all valid, as many, and equal.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertSafeKey, decodeS3EventKey } from '../../src/adapters/object-keys.js';
import type { SourceItem } from '../../src/core/datasets/contract.js';
import { twelvedataOhlcv } from '../../src/core/datasets/twelvedata-ohlcv.js';
import { ManifestSchema } from '../../src/core/ingest/manifest.js';
import { OHLCV_HEADER, SALES_HEADER, VITALS_HEADER } from './fixtures.js';
import { type Harness, startHarness } from './harness.js';

const RUNS = 1000;
/** Each round-trip run ingests twice through the real adapters (~20 ms): fewer runs keep CI under budget. */
const ROUND_TRIP_RUNS = 60;

type Row = Record<string, unknown>;

// Text a spreadsheet may hold: any Unicode but the C0 controls that mark a file as binary, never blank.
const text = fc
  .string({ unit: 'grapheme', minLength: 1, maxLength: 12 })
  // biome-ignore lint/suspicious/noControlCharactersInRegex: exactly the controls ingest reads as binary
  .map((s) => s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, 'x'))
  .filter((s) => s.trim() !== '');
const day = fc.integer({ min: 0, max: 20_000 }).map((d) => new Date(Date.UTC(1990, 0, 1) + d * 86_400_000));
const isoDate = day.map((d) => d.toISOString().slice(0, 10));
const cents = (min: number, max: number) => fc.integer({ min, max }).map((n) => n / 100);

/** RFC 4180 as an exporter writes input files: quoted when needed, nothing neutralized. */
const inputCell = (value: unknown): string => {
  const s = value === null || value === undefined ? '' : String(value);
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
};
const toCsv = (header: string, rows: readonly Row[]): string => {
  const names = header.split(',');
  return [header, ...rows.map((row) => names.map((name) => inputCell(row[name])).join(','))].join('\r\n');
};

const vitalsRow = fc
  .record({
    event_time: fc
      .integer({ min: 0, max: 10 ** 9 })
      .map((s) => new Date(Date.UTC(2020, 0, 1) + s * 1000).toISOString()),
    user_id: text,
    heart_rate: fc.integer({ min: 50, max: 180 }),
    spo2: fc.integer({ min: 90, max: 100 }),
    steps: fc.integer({ min: 0, max: 50_000 }),
    temp_c: fc.integer({ min: 350, max: 400 }).map((n) => n / 10),
    systolic_bp: fc.integer({ min: 90, max: 180 }),
    diastolic_bp: fc.integer({ min: 60, max: 120 }),
  })
  .filter((r) => r.diastolic_bp <= r.systolic_bp);

const REGIONS = ['North America', 'South America', 'Europe', 'Asia', 'Africa', 'Oceania'] as const;
const salesRow = fc.record({
  order_id: text,
  date: isoDate,
  model: text,
  brand: text,
  release_year: fc.integer({ min: 2000, max: 2030 }),
  price: cents(1, 1_000_000),
  region: fc.constantFrom(...REGIONS),
  customer_review: fc.oneof(text, fc.constant(''), fc.constant('=HYPERLINK("http://evil","x")')),
  ram: fc.oneof(fc.integer({ min: 1, max: 32 }), fc.constant('N/A'), fc.constant('')),
  storage: fc.oneof(fc.integer({ min: 1, max: 2048 }), fc.constant('N/A')),
  color: fc.oneof(text, fc.constant('')),
});

/** Bars of one symbol on distinct days, low <= open, close <= high. */
const symbolBars = fc
  .tuple(
    fc.stringMatching(/^[A-Z][A-Z0-9.]{0,5}$/),
    fc.uniqueArray(fc.integer({ min: 0, max: 20_000 }), { minLength: 1, maxLength: 8 }),
  )
  .chain(([symbol, days]) =>
    fc.tuple(
      ...days.map((d) =>
        fc
          .tuple(
            fc.array(cents(0, 10_000_000), { minLength: 4, maxLength: 4 }),
            fc.integer({ min: 0, max: 10 ** 9 }),
          )
          .map(([prices, volume]) => {
            const [low, a, b, high] = [...prices].sort((x, y) => x - y) as [number, number, number, number];
            const datetime = new Date(Date.UTC(1990, 0, 1) + d * 86_400_000).toISOString().slice(0, 10);
            return { symbol, datetime, open: a, high, low, close: b, volume };
          }),
      ),
    ),
  );
const marketRows = fc
  .uniqueArray(symbolBars, { minLength: 1, maxLength: 3, selector: (bars) => bars[0]?.symbol })
  .map((blocks) => blocks.flat());

/** Twelve Data's many-symbol shape, values as strings, newest first, as the API sends them. */
function toTwelveData(rows: readonly Row[]): string {
  const blocks = new Map<string, Row[]>();
  for (const row of rows)
    blocks.set(row.symbol as string, [...(blocks.get(row.symbol as string) ?? []), row]);
  const body: Record<string, unknown> = {};
  for (const [symbol, bars] of blocks) {
    const values = bars.map((b) => ({
      datetime: b.datetime,
      open: String(b.open),
      high: String(b.high),
      low: String(b.low),
      close: String(b.close),
      volume: String(b.volume),
    }));
    Object.defineProperty(body, symbol, {
      enumerable: true,
      value: { meta: { symbol, interval: '1day' }, values: values.reverse(), status: 'ok' },
    });
  }
  return JSON.stringify(body);
}

/** Rows sorted by their JSON text: equal lists of rows in any order come out the same. */
const inKeyOrder = (rows: readonly Row[]): string[] => rows.map((row) => JSON.stringify(row)).sort();

describe('round trip: valid rows written as input, ingested, written again and ingested again', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(() => harness.cleanup());

  const cases = [
    [
      'health-vitals',
      fc.array(vitalsRow, { minLength: 1, maxLength: 20 }),
      (rows: readonly Row[]) => toCsv(VITALS_HEADER, rows),
    ],
    [
      'smartphone-sales',
      fc.array(salesRow, { minLength: 1, maxLength: 20 }),
      (rows: readonly Row[]) => toCsv(SALES_HEADER, rows),
    ],
    ['ohlcv-csv', marketRows, (rows: readonly Row[]) => toCsv(OHLCV_HEADER, rows)],
    ['twelvedata-ohlcv', marketRows, toTwelveData],
  ] as const;

  it.each(cases)('%s: every row stays valid, as many, and equal', async (dataset, rows, serialize) => {
    const started = performance.now();
    await fc.assert(
      fc.asyncProperty(rows as fc.Arbitrary<Row[]>, async (input) => {
        const first = await harness.ingest(serialize(input), { dataset });
        expect(first.manifest.counts).toMatchObject({
          total: input.length,
          valid: input.length,
          rejected: 0,
        });
        const second = await harness.ingest(serialize(first.processed), { dataset });
        expect(second.manifest.counts).toMatchObject({
          total: input.length,
          valid: input.length,
          rejected: 0,
        });
        // Twelve Data sends newest first, so writing processed rows back out flips a block's order.
        expect(inKeyOrder(second.processed)).toEqual(inKeyOrder(first.processed));
      }),
      { numRuns: ROUND_TRIP_RUNS },
    );
    console.log(
      `[reliability] round trip ${dataset}: ${JSON.stringify({ runs: ROUND_TRIP_RUNS, ms: Math.round(performance.now() - started) })}`,
    );
  });
});

describe('parsers and validators on any input', () => {
  async function barItems(chunks: readonly string[]): Promise<SourceItem[]> {
    async function* source() {
      yield* chunks;
    }
    const all: SourceItem[] = [];
    for await (const batch of twelvedataOhlcv.read(source(), { maxDepth: 64, maxRecordChars: 1_048_576 })) {
      all.push(...batch);
    }
    return all;
  }

  it('rejects a bar as duplicate_key exactly when it repeats a member name, however the text is cut', async () => {
    const name = fc.constantFrom('datetime', 'open', 'high', 'low', 'close', 'volume', 'note', '\\u006fpen');
    const value = fc.constantFrom('"1"', '1', 'null', '{"a":1}', '[1,"x"]', '"2024-01-02"');
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(name, value), { minLength: 1, maxLength: 10 }),
        fc.array(fc.nat(), { maxLength: 4 }),
        async (members, cuts) => {
          const bar = `{${members.map(([k, v]) => `"${k}":${v}`).join(',')}}`;
          const text = `{"meta":{"symbol":"A"},"values":[${bar}]}`;
          const points = [...new Set(cuts.map((c) => c % text.length))].sort((a, b) => a - b);
          const chunks = [0, ...points].map((p, i, all) => text.slice(p, all[i + 1] ?? text.length));
          const [item] = await barItems(chunks);
          const decoded = members.map(([k]) => JSON.parse(`"${k}"`) as string);
          const repeats = new Set(decoded).size < decoded.length;
          const duplicate = item?.kind === 'rejected' && item.issues.some((i) => i.code === 'duplicate_key');
          expect(duplicate).toBe(repeats);
          if (repeats) expect(item?.raw).toBe(bar);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('keeps every group name of a manifest, __proto__ included, through JSON and the schema', () => {
    const groupName = fc.oneof(
      fc.string(),
      fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty'),
    );
    const counts = fc.record({ total: fc.nat(), valid: fc.nat(), rejected: fc.nat() });
    const groups = ManifestSchema.shape.counts.shape.groups;
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(groupName, counts), { selector: ([name]) => name, maxLength: 8 }),
        (entries) => {
          const parsed = groups.parse(JSON.parse(JSON.stringify(Object.fromEntries(entries))));
          // Integer-like names reorder in any JS object, so the comparison ignores order.
          expect(new Map(Object.entries(parsed))).toEqual(new Map(entries));
          expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('decodes any S3 form-encoded key back to itself, and the key rules accept it unless it is unsafe', () => {
    const formEncode = (key: string) => encodeURIComponent(key).replace(/%20/g, '+');
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (name) => {
        const key = `inputs/${name}`;
        expect(decodeS3EventKey(formEncode(key))).toBe(key);
        const segments = key.split('/');
        const unsafe =
          // biome-ignore lint/suspicious/noControlCharactersInRegex: C0, DEL and C1 are what the key rules refuse
          /[\u0000-\u001f\u007f-\u009f\\]/.test(key) ||
          /%(?:25)*(?:2e|2f|5c|[01][0-9a-f]|7f|c0|c1)/i.test(key) ||
          segments.some((s) => s === '' || s === '.' || s === '..');
        if (unsafe) expect(() => assertSafeKey(key)).toThrow();
        else expect(() => assertSafeKey(key)).not.toThrow();
      }),
      { numRuns: RUNS },
    );
  });
});
