import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateOhlcvCsv } from '../../samples/csv.generators.js';
import { type DatasetContract, DEFAULT_PARSE_LIMITS, type SourceItem } from './contract.js';
import type { OhlcvRow } from './ohlcv.rules.js';
import { datasetById } from './registry.js';

const ohlcvCsv = datasetById('ohlcv-csv') as DatasetContract<OhlcvRow>;

const HEADER = 'symbol,datetime,open,high,low,close,volume';

async function* inChunks(text: string, size: number): AsyncGenerator<string> {
  for (let at = 0; at < text.length; at += size) yield text.slice(at, at + size);
}

interface Outcome<Row> {
  readonly items: SourceItem[];
  readonly valid: Row[];
  readonly rejected: { readonly item: SourceItem; readonly codes: string[] }[];
}

/** Reads and validates like the ingest stage, keeping every item's fate. */
async function run<Row>(contract: DatasetContract<Row>, text: AsyncIterable<string>): Promise<Outcome<Row>> {
  const outcome: Outcome<Row> = { items: [], valid: [], rejected: [] };
  const validator = contract.createValidator();
  for await (const batch of contract.read(text, DEFAULT_PARSE_LIMITS)) {
    for (const item of batch) {
      outcome.items.push(item);
      const result =
        item.kind === 'record' ? validator.validate(item) : { ok: false as const, issues: item.issues };
      if (result.ok) outcome.valid.push(result.row);
      else outcome.rejected.push({ item, codes: result.issues.map((issue) => issue.code) });
    }
  }
  return outcome;
}

/** Codes per data row of a CSV made of the header and these lines. */
async function codesPerRow(...lines: string[]): Promise<string[][]> {
  const validator = ohlcvCsv.createValidator();
  const codes: string[][] = [];
  for await (const batch of ohlcvCsv.read(
    inChunks([HEADER, ...lines].join('\n'), 1024),
    DEFAULT_PARSE_LIMITS,
  )) {
    for (const item of batch) {
      const result =
        item.kind === 'record' ? validator.validate(item) : { ok: false as const, issues: item.issues };
      codes.push(result.ok ? [] : result.issues.map((issue) => issue.code));
    }
  }
  return codes;
}

describe('ohlcvCsv', () => {
  it('normalizes bars to numbers and an ISO datetime, grouped by symbol', async () => {
    const text = `${HEADER}\r\nAAPL,2024-01-02,187.15,188.44,183.89,185.64,82488700\r\nMSFT,2024-01-02 15:30:00,373.86,375.9,366.77,370.87,25258600\r\n`;
    const { valid } = await run(ohlcvCsv, inChunks(text, 16));
    expect(valid).toEqual([
      {
        symbol: 'AAPL',
        datetime: '2024-01-02',
        open: 187.15,
        high: 188.44,
        low: 183.89,
        close: 185.64,
        volume: 82488700,
      },
      {
        symbol: 'MSFT',
        datetime: '2024-01-02T15:30:00',
        open: 373.86,
        high: 375.9,
        low: 366.77,
        close: 370.87,
        volume: 25258600,
      },
    ]);
    expect(valid.map((row) => (row as OhlcvRow)[ohlcvCsv.groupField as 'symbol'])).toEqual(['AAPL', 'MSFT']);
  });

  it('accepts a bar that meets every rule', async () => {
    expect(await codesPerRow('AAPL,2024-01-02,10,12,9,11,100')).toEqual([[]]);
  });

  it.each(['datetime', 'open', 'high', 'low', 'close'])(
    'refuses an empty %s as missing_field',
    async (field) => {
      const fields: Record<string, string> = {
        datetime: '2024-01-02',
        open: '10',
        high: '12',
        low: '9',
        close: '11',
        volume: '100',
      };
      fields[field] = '';
      const line = `AAPL,${Object.values(fields).join(',')}`;
      expect(await codesPerRow(line)).toEqual([['missing_field']]);
    },
  );

  it('refuses a bar without a symbol as missing_symbol', async () => {
    expect(await codesPerRow(',2024-01-02,10,12,9,11,100')).toEqual([['missing_symbol']]);
  });

  it('refuses a datetime of another shape as invalid_datetime and an impossible one as invalid_date', async () => {
    expect(
      await codesPerRow(
        'AAPL,01/02/2024,10,12,9,11,100',
        'AAPL,2024-02-30,10,12,9,11,100',
        'AAPL,2024-01-02 25:00:00,10,12,9,11,100',
        'AAPL,2024-02-29,10,12,9,11,100',
      ),
    ).toEqual([['invalid_datetime'], ['invalid_date'], ['invalid_date'], []]);
  });

  it('refuses a price that is not a finite decimal as not_a_number', async () => {
    expect(
      await codesPerRow(
        'AAPL,2024-01-02,ten,12,9,11,100',
        'AAPL,2024-01-03,10,12,9,Infinity,100',
        'AAPL,2024-01-04,10,"1,2",9,11,100',
      ),
    ).toEqual([['not_a_number'], ['not_a_number'], ['not_a_number']]);
  });

  it('refuses a negative price or volume as negative_number and accepts zero', async () => {
    expect(await codesPerRow('AAPL,2024-01-02,10,12,9,11,-1', 'AAPL,2024-01-03,0,0,0,0,0')).toEqual([
      ['negative_number'],
      [],
    ]);
  });

  it('refuses prices breaking low <= open, close <= high as ohlc_inconsistent', async () => {
    expect(
      await codesPerRow(
        'AAPL,2024-01-02,10,12,10.5,11,100',
        'AAPL,2024-01-03,10,10.5,9,11,100',
        'AAPL,2024-01-04,10,10,10,10,1',
      ),
    ).toEqual([['ohlc_inconsistent'], ['ohlc_inconsistent'], []]);
  });

  it('refuses a second bar for the same symbol and datetime as duplicate_row, but not for another symbol', async () => {
    expect(
      await codesPerRow(
        'AAPL,2024-01-02,10,12,9,11,100',
        'MSFT,2024-01-02,10,12,9,11,100',
        'AAPL,2024-01-02,10,12,9,11,100',
      ),
    ).toEqual([[], [], ['duplicate_row']]);
  });

  it('reports every rule a row breaks', async () => {
    expect(await codesPerRow(',2024-02-30,x,12,-9,11,')).toEqual([
      ['missing_symbol', 'invalid_date', 'not_a_number', 'negative_number'],
    ]);
  });

  it('accepts a bar without volume (forex, crypto, metals) and writes no volume for it', async () => {
    const { valid } = await run(ohlcvCsv, inChunks(`${HEADER}\nEUR/USD,2024-01-02,1.1,1.2,1.0,1.15,\n`, 64));
    expect(valid).toEqual([
      { symbol: 'EUR/USD', datetime: '2024-01-02', open: 1.1, high: 1.2, low: 1, close: 1.15 },
    ]);
  });

  it('rejects a row of the wrong width as malformed_row and a repeated header as repeated_header', async () => {
    expect(await codesPerRow('AAPL,2024-01-02,10,12,9,11', HEADER, 'AAPL,2024-01-02,10,12,9,11,100')).toEqual(
      [['malformed_row'], ['repeated_header'], []],
    );
  });

  it('recognizes its header and nothing else', () => {
    expect(ohlcvCsv.sniff(`${HEADER}\nAAPL,`)).toBe(true);
    expect(ohlcvCsv.sniff('Symbol,Datetime,Open,High,Low,Close,Volume\r\n')).toBe(true);
    expect(ohlcvCsv.sniff('symbol,datetime,open,high,low,close\n')).toBe(true);
    expect(ohlcvCsv.sniff('symbol,datetime,open,high,low,volume\n')).toBe(false);
    expect(ohlcvCsv.sniff('{"meta":{"symbol":"AAPL"}}')).toBe(false);
  });

  it('names a reason code in each of its rules', () => {
    for (const rule of ohlcvCsv.rules) expect(rule).toMatch(/\([a-z_]+\)/);
  });

  it('accepts every good generated bar and refuses every bad one', async () => {
    const good = await run(ohlcvCsv, generateOhlcvCsv({ rows: 2000, symbols: 7, badRatio: 0, seed: 1 }));
    expect(good.valid).toHaveLength(2000);
    const bad = await run(ohlcvCsv, generateOhlcvCsv({ rows: 2000, symbols: 7, badRatio: 1, seed: 2 }));
    expect(bad.rejected).toHaveLength(2000);
    const mixed = await run(ohlcvCsv, generateOhlcvCsv({ rows: 2000, symbols: 7, badRatio: 0.3, seed: 3 }));
    expect(new Set(mixed.rejected.flatMap((r) => r.codes))).toEqual(
      new Set([
        'ohlc_inconsistent',
        'negative_number',
        'not_a_number',
        'invalid_datetime',
        'invalid_date',
        'missing_symbol',
        'duplicate_row',
      ]),
    );
  });

  it('ends each of any generated rows as one valid row or one reject', async () => {
    const value = fc.oneof(
      fc.constantFrom('', 'AAPL', '2024-01-02', '2024-01-03 10:00:00', '0', '1', '9.5', '-1', 'NaN'),
      fc.string({ maxLength: 6 }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(value, { minLength: 6, maxLength: 8 }), { maxLength: 12 }),
        async (rows) => {
          const lines = rows.map((fields) => fields.map((f) => `"${f.replaceAll('"', '""')}"`).join(','));
          const { items, valid, rejected } = await run(ohlcvCsv, inChunks([HEADER, ...lines].join('\n'), 40));
          expect(items).toHaveLength(rows.length);
          expect(valid.length + rejected.length).toBe(rows.length);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
