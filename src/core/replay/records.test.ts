import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fieldsByName } from '../../../test/helpers/records.js';
import { DEFAULT_PARSE_LIMITS, type SourceItem } from '../datasets/contract.js';
import { datasetById } from '../datasets/registry.js';
import { twelvedataOhlcv } from '../datasets/twelvedata-ohlcv.js';
import { recordsOf, rereadCsv } from './records.js';
import type { StoredReject } from './reject-line.js';

const ohlcvCsv = datasetById('ohlcv-csv') as NonNullable<ReturnType<typeof datasetById>>;

const HEADER = ohlcvCsv.header?.join(',') as string;

const quoted = (value: string): string =>
  /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;

// Commas, quotes and line breaks of every kind inside fields: what makes CSV rows hard to re-read.
const field = fc.string({
  unit: fc.constantFrom('a', 'Z', '7', '.', '-', ' ', ',', '"', '\n', '\r\n', '\r', "'", 'é'),
  maxLength: 8,
});
const row = fc.oneof(
  { weight: 5, arbitrary: fc.array(field, { minLength: 7, maxLength: 7 }) },
  { weight: 1, arbitrary: fc.array(field, { minLength: 1, maxLength: 9 }) },
  { weight: 1, arbitrary: fc.constant(ohlcvCsv.header as string[]) },
);

async function readAll(text: string): Promise<SourceItem[]> {
  const items: SourceItem[] = [];
  async function* once() {
    yield text;
  }
  for await (const batch of ohlcvCsv.read(once(), DEFAULT_PARSE_LIMITS)) items.push(...batch);
  return items;
}

const stored = (reject: StoredReject['reject']): StoredReject => ({ text: JSON.stringify(reject), reject });

describe('reading rejected rows back as records', () => {
  it('re-reads any CSV row to the fields ingest read, alone or among others', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 12 }), async (rows) => {
        const items = await readAll(`${HEADER}\n${rows.map((r) => r.map(quoted).join(',')).join('\n')}\n`);
        const raws = items.map((item) => item.raw as string);
        const together = await rereadCsv(ohlcvCsv, raws, DEFAULT_PARSE_LIMITS);
        for (const [i, item] of items.entries()) {
          const [alone] = await rereadCsv(ohlcvCsv, [raws[i] as string], DEFAULT_PARSE_LIMITS);
          const expected = item.kind === 'record' ? fieldsByName(item) : undefined;
          expect(alone && fieldsByName(alone)).toEqual(expected);
          const again = together[i];
          expect(again && fieldsByName(again)).toEqual(expected);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('keeps the index and line of the original row on a re-read CSV record', async () => {
    const [record] = await recordsOf(
      ohlcvCsv,
      [
        stored({
          index: 41,
          line: 57,
          reasons: [{ code: 'not_a_number', message: 'x' }],
          raw: 'AAPL,2024-01-02,1,2,1,1,"1,200"',
        }),
      ],
      DEFAULT_PARSE_LIMITS,
      () => undefined,
    );
    expect(record).toMatchObject({ index: 41, line: 57 });
    expect(record && fieldsByName(record)).toMatchObject({ symbol: 'AAPL', volume: '1,200' });
  });

  it('leaves rows that were never records unread: error blocks, previews, non-objects, bad widths', async () => {
    const why = (code: string) => [{ code, message: 'x' }];
    const json = await recordsOf(
      twelvedataOhlcv,
      [
        stored({ index: 1, group: 'X', reasons: why('source_error'), raw: { datetime: '2024-01-02' } }),
        stored({ index: 2, group: 'X', reasons: why('row_too_large'), raw: '{"datetime":' }),
        stored({ index: 3, group: 'X', reasons: why('malformed_row'), raw: [1, 2] }),
        stored({ index: 4, group: 'X', reasons: why('not_a_number'), raw: { datetime: '2024-01-02' } }),
      ],
      DEFAULT_PARSE_LIMITS,
      (group) => (group === 'X' ? { interval: '1day' } : undefined),
    );
    expect(json.slice(0, 3)).toEqual([undefined, undefined, undefined]);
    expect(json[3]).toMatchObject({ index: 4, group: 'X', context: { interval: '1day' } });
    const csv = await recordsOf(
      ohlcvCsv,
      [
        stored({ index: 1, reasons: why('malformed_row'), raw: 'a,b' }),
        stored({ index: 2, reasons: why('repeated_header'), raw: HEADER }),
        stored({ index: 3, reasons: why('missing_field'), raw: { not: 'text' } }),
      ],
      DEFAULT_PARSE_LIMITS,
      () => undefined,
    );
    expect(csv).toEqual([undefined, undefined, undefined]);
  });
});
