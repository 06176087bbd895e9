import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readSeed } from '../../../test/helpers/files.js';
import { generateSmartphoneSales } from '../../samples/csv.generators.js';
import {
  type DatasetContract,
  DEFAULT_PARSE_LIMITS,
  type SourceItem,
  type SourceRecord,
} from './contract.js';
import { datasetById } from './registry.js';
import type { SmartphoneSale } from './rows.js';

const smartphoneSales = datasetById('smartphone-sales') as DatasetContract<SmartphoneSale>;

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

const GOOD = {
  order_id: 'ORD1000',
  date: '2024-05-20',
  model: 'Find N2 Flip',
  brand: 'Oppo',
  release_year: '2023',
  price: '899',
  region: 'Africa',
  customer_review: 'Great foldable phone.',
  ram: '12',
  storage: '256',
  color: 'Silver',
};

type Field = keyof typeof GOOD;

const validate = (changes: Partial<Record<Field, string>>) => {
  const record: SourceRecord = {
    kind: 'record',
    index: 1,
    line: 2,
    raw: '',
    fields: { ...GOOD, ...changes },
  };
  return smartphoneSales.createValidator().validate(record);
};

const codesFor = (changes: Partial<Record<Field, string>>): string[] => {
  const result = validate(changes);
  return result.ok ? [] : result.issues.map((issue) => issue.code);
};

const rowFor = (changes: Partial<Record<Field, string>>): SmartphoneSale | undefined => {
  const result = validate(changes);
  return result.ok ? result.row : undefined;
};

describe('smartphoneSales', () => {
  it('turns every data line of the seed file into exactly one valid row or one reject', async () => {
    const text = await readSeed('smartphone-sales.csv');
    const dataLines = text.split(/\r?\n/).filter((line) => line !== '').length - 1;
    const { items, valid, rejected } = await run(smartphoneSales, inChunks(text, 4096));
    expect(dataLines).toBe(1002);
    expect(items).toHaveLength(dataLines);
    expect(valid.length + rejected.length).toBe(items.length);
    expect(items.map((item) => item.line)).toEqual(items.map((_, i) => i + 2));
    // Counted independently from the file: ram above 32 GB, or ram and storage of 0 (earbuds).
    expect(valid).toHaveLength(717);
    expect(rejected).toHaveLength(285);
  });

  it('gives the same 717 rows from the seed file with its columns shuffled and an extra column', async () => {
    const text = await readSeed('smartphone-sales.csv');
    const records = parse(text, { relax_column_count: true }) as string[][];
    const width = (records[0] as string[]).length;
    // A fixed shuffle, and a column no contract knows, kept under the header's own quoting rules.
    const order = [6, 2, 10, 0, 8, 4, 1, 9, 5, 3, 7];
    const quote = (cell: string) => (/[",\r\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell);
    const shuffled = records
      .map((row, i) => {
        if (row.length !== width) return row.map(quote).join(',');
        return [...order.map((c) => row[c] as string), i === 0 ? 'Warehouse' : `W${i % 4}`]
          .map(quote)
          .join(',');
      })
      .join('\n');
    const original = await run(smartphoneSales, inChunks(text, 4096));
    const moved = await run(smartphoneSales, inChunks(shuffled, 4096));
    expect(moved.valid).toHaveLength(717);
    expect(moved.valid).toEqual(original.valid);
  });

  it('rejects the seed file repeated header on line 203 and its 12-field row on line 45', async () => {
    const text = await readSeed('smartphone-sales.csv');
    const { rejected } = await run(smartphoneSales, inChunks(text, 4096));
    const byLine = new Map(rejected.map((r) => [r.item.line, r.item]));
    expect(byLine.get(203)).toMatchObject({
      kind: 'rejected',
      index: 202,
      raw: 'order_id,date,model,brand,release_year,price,region,customer_review,ram,storage,color',
      issues: [{ code: 'repeated_header' }],
    });
    expect(byLine.get(45)).toMatchObject({
      kind: 'rejected',
      index: 44,
      issues: [{ code: 'malformed_row', message: 'expected 11 fields, got 12' }],
    });
    expect(rejected.find((r) => r.item.line === 438)?.codes).toEqual(['out_of_range', 'out_of_range']);
  });

  it('normalizes a seed row to numbers and text', async () => {
    const text = await readSeed('smartphone-sales.csv');
    const { valid } = await run(smartphoneSales, inChunks(text, 65_536));
    expect(valid[0]).toEqual({
      order_id: 'ORD1000',
      date: '2024-05-20',
      model: 'Find N2 Flip',
      brand: 'Oppo',
      release_year: 2023,
      price: 899,
      region: 'Africa',
      customer_review:
        'Great foldable phone with smooth folding mechanism. Camera quality is excellent for social media.',
      ram: 12,
      storage: 256,
      color: 'Silver',
    });
    expect((valid[0] as SmartphoneSale)[smartphoneSales.groupField as 'brand']).toBe('Oppo');
  });

  it('accepts an order that meets every rule', () => {
    expect(codesFor({})).toEqual([]);
  });

  it.each(['order_id', 'date', 'brand', 'price', 'region'] as const)(
    'refuses an empty %s as missing_field',
    (field) => {
      expect(codesFor({ [field]: '' })).toEqual(['missing_field']);
    },
  );

  it.each([
    ['0', ['out_of_range']],
    ['-5', ['out_of_range']],
    ['10000.01', ['out_of_range']],
    ['cheap', ['not_a_number']],
    ['0.01', []],
    ['10000', []],
  ])('judges a price of %j as %j', (price, codes) => {
    expect(codesFor({ price })).toEqual(codes);
  });

  it.each([
    ['0', ['out_of_range']],
    ['33', ['out_of_range']],
    ['lots', ['not_a_number']],
    ['1', []],
    ['32', []],
  ])('judges a ram of %j as %j', (ram, codes) => {
    expect(codesFor({ ram })).toEqual(codes);
  });

  it.each([
    ['0', ['out_of_range']],
    ['-128', ['out_of_range']],
    ['big', ['not_a_number']],
    ['1', []],
    ['8388608', []],
  ])('judges a storage of %j as %j', (storage, codes) => {
    expect(codesFor({ storage })).toEqual(codes);
  });

  it.each(['N/A', 'n/a', '', ' '])('reads a ram and storage of %j as absent, null in the row', (absent) => {
    expect(rowFor({ ram: absent, storage: absent })).toMatchObject({ ram: null, storage: null });
  });

  it.each(['2024-02-30', '2024/01/05', '20-05-2024', '2024-5-20'])(
    'refuses the date %j as invalid_date',
    (date) => {
      expect(codesFor({ date })).toEqual(['invalid_date']);
    },
  );

  it('accepts 29 February in a leap year', () => {
    expect(codesFor({ date: '2024-02-29' })).toEqual([]);
  });

  it.each(['Antarctica', 'europe', 'EU'])('refuses the region %j as invalid_region', (region) => {
    expect(codesFor({ region })).toEqual(['invalid_region']);
  });

  it.each(['North America', 'South America', 'Europe', 'Asia', 'Africa', 'Oceania'])(
    'accepts the region %j',
    (region) => {
      expect(codesFor({ region })).toEqual([]);
    },
  );

  it('requires a model when a brand is given, and only then', () => {
    expect(codesFor({ model: ' ' })).toEqual(['model_required']);
    expect(codesFor({ model: '', brand: '' })).toEqual(['missing_field']);
  });

  it('keeps a release_year that is not a number as null instead of refusing the row', () => {
    expect(rowFor({ release_year: 'unknown' })?.release_year).toBeNull();
    expect(rowFor({ release_year: '' })?.release_year).toBeNull();
  });

  it('writes empty text as null', () => {
    expect(rowFor({ customer_review: '', color: ' ' })).toMatchObject({ customer_review: null, color: null });
  });

  it('reports every rule a row breaks', () => {
    expect(
      codesFor({
        order_id: '',
        date: '2024-13-01',
        model: '',
        price: '0',
        region: 'Mars',
        ram: '64',
        storage: 'x',
      }),
    ).toEqual([
      'missing_field',
      'invalid_date',
      'out_of_range',
      'invalid_region',
      'out_of_range',
      'not_a_number',
      // Cross-field rules are judged after every column.
      'model_required',
    ]);
  });

  it('reads a review holding commas, quotes and a line break when it is quoted', async () => {
    const text = `${smartphoneSales.header?.join(',')}\r\nORD1,2024-01-02,Pixel 9,Google,2024,799,Europe,"Fast, ""smooth""\r\nand bright",8,128,Black\r\n`;
    const { valid } = await run(smartphoneSales, inChunks(text, 7));
    expect(valid.map((row) => row.customer_review)).toEqual(['Fast, "smooth"\r\nand bright']);
  });

  it('recognizes its header and nothing else', () => {
    expect(smartphoneSales.sniff(`${smartphoneSales.header?.join(',')}\nORD1,`)).toBe(true);
    expect(
      smartphoneSales.sniff('event_time,user_id,heart_rate,spo2,steps,temp_c,systolic_bp,diastolic_bp\n'),
    ).toBe(false);
  });

  it('names a reason code in each of its rules', () => {
    for (const rule of smartphoneSales.rules) expect(rule).toMatch(/\([a-z_]+(, [a-z_]+)*\)$/);
  });

  it('accepts every good generated row and refuses every bad one', async () => {
    const good = await run(smartphoneSales, generateSmartphoneSales({ rows: 1000, badRatio: 0, seed: 1 }));
    expect(good.valid).toHaveLength(1000);
    const bad = await run(smartphoneSales, generateSmartphoneSales({ rows: 1000, badRatio: 1, seed: 2 }));
    expect(bad.rejected).toHaveLength(1000);
  });

  it('ends each of any generated rows as one valid row or one reject', async () => {
    const value = fc.oneof(
      fc.constantFrom('', 'N/A', '0', '8', '2024-01-31', 'Europe', 'Apple', '10001', 'x'),
      fc.string({ maxLength: 8 }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(value, { minLength: 10, maxLength: 12 }), { maxLength: 10 }),
        async (rows) => {
          const lines = rows.map((fields) => fields.map((f) => `"${f.replaceAll('"', '""')}"`).join(','));
          const text = [smartphoneSales.header?.join(','), ...lines].join('\r\n');
          const { items, valid, rejected } = await run(smartphoneSales, inChunks(text, 50));
          expect(items).toHaveLength(rows.length);
          expect(valid.length + rejected.length).toBe(rows.length);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
