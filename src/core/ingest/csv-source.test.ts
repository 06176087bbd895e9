import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fieldsByName } from '../../../test/helpers/records.js';
import {
  DEFAULT_PARSE_LIMITS,
  type ParseLimits,
  type SourceItem,
  type SourceRecord,
} from '../datasets/contract.js';
import { fieldOf } from '../datasets/fields.js';
import { UnreadableFileError } from '../errors.js';
import { readCsv, sniffCsvHeader } from './csv-source.js';

const HEADER = ['id', 'name', 'note'] as const;

async function* chunks(parts: readonly string[]): AsyncGenerator<string> {
  yield* parts;
}

async function batchesOf(
  parts: string | readonly string[],
  limits: ParseLimits = DEFAULT_PARSE_LIMITS,
  header: readonly string[] = HEADER,
): Promise<SourceItem[][]> {
  const batches: SourceItem[][] = [];
  for await (const batch of readCsv(chunks(typeof parts === 'string' ? [parts] : parts), header, limits)) {
    batches.push(batch);
  }
  return batches;
}

/** Records with their fields by name, as validators read them. */
function named(item: SourceItem): SourceItem {
  if (item.kind !== 'record' || item.cells === undefined) return item;
  const { cells: _cells, columns: _columns, ...rest } = item;
  return { ...rest, fields: fieldsByName(item) as Record<string, string> };
}

const itemsOf = async (...args: Parameters<typeof batchesOf>): Promise<SourceItem[]> =>
  (await batchesOf(...args)).flat().map(named);

async function failureOf(
  parts: string | readonly string[],
  limits?: ParseLimits,
): Promise<UnreadableFileError> {
  const error = await itemsOf(parts, limits).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UnreadableFileError);
  return error as UnreadableFileError;
}

/** What a test compares: everything but object identity and prototypes. */
const plain = (items: readonly SourceItem[]): unknown[] =>
  items.map((item) => ('fields' in item && item.fields ? { ...item, fields: { ...item.fields } } : item));

/** Line breaks as an editor counts them, to predict line numbers independently. */
const breaksIn = (text: string): number => text.match(/\r\n|\r|\n/g)?.length ?? 0;

/** Writes one CSV field, quoted when it holds a delimiter, a quote or a line break. */
const csvField = (value: string): string =>
  /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;

describe('readCsv', () => {
  it('reads a semicolon file the same as its comma twin, in any chunking, with commas kept inside fields', async () => {
    const comma = 'id,name,note\n1,Ada,"x,y"\n2,Grace,z\n';
    const semicolon = 'id;name;note\n1;Ada;x,y\n2;Grace;z\n';
    const fields = (items: readonly SourceItem[]) => items.map((i) => ('fields' in i ? i.fields : i.kind));
    const expected = fields(await itemsOf(comma));
    expect(fields(await itemsOf(semicolon))).toEqual(expected);
    for (let cut = 1; cut < semicolon.length; cut++) {
      expect(fields(await itemsOf([semicolon.slice(0, cut), semicolon.slice(cut)]))).toEqual(expected);
    }
  });

  it('maps each data row to a record with its index, line, raw text and fields by header name', async () => {
    const items = await itemsOf('id,name,note\n1,Ada,first\n2,Grace,\n');
    expect(plain(items)).toEqual([
      {
        kind: 'record',
        index: 1,
        line: 2,
        raw: '1,Ada,first',
        fields: { id: '1', name: 'Ada', note: 'first' },
      },
      { kind: 'record', index: 2, line: 3, raw: '2,Grace,', fields: { id: '2', name: 'Grace', note: '' } },
    ]);
  });

  it('yields arrays of items, at most one per incoming chunk plus the last', async () => {
    const rows = Array.from({ length: 300 }, (_, i) => `${i},n${i},x\n`);
    const parts = ['id,name,note\n', rows.slice(0, 100).join(''), rows.slice(100).join('')];
    const batches = await batchesOf(parts);
    expect(batches.length).toBeLessThanOrEqual(parts.length + 1);
    expect(batches.flat()).toHaveLength(300);
  });

  it('keeps commas, doubled quotes and line breaks inside quoted fields', async () => {
    const text = 'id,name,note\n1,"Lovelace, Ada","said ""hi""\nthen left"\n2,b,c\n';
    const items = await itemsOf(text);
    expect(plain(items)).toEqual([
      {
        kind: 'record',
        index: 1,
        line: 2,
        raw: '1,"Lovelace, Ada","said ""hi""\nthen left"',
        fields: { id: '1', name: 'Lovelace, Ada', note: 'said "hi"\nthen left' },
      },
      { kind: 'record', index: 2, line: 4, raw: '2,b,c', fields: { id: '2', name: 'b', note: 'c' } },
    ]);
  });

  it('reads CRLF line endings without leaving carriage returns in fields or raw text', async () => {
    const items = await itemsOf('id,name,note\r\n1,a,"x\r\ny"\r\n2,b,c\r\n');
    expect(plain(items)).toEqual([
      {
        kind: 'record',
        index: 1,
        line: 2,
        raw: '1,a,"x\r\ny"',
        fields: { id: '1', name: 'a', note: 'x\r\ny' },
      },
      { kind: 'record', index: 2, line: 4, raw: '2,b,c', fields: { id: '2', name: 'b', note: 'c' } },
    ]);
  });

  it('reads a last row that has no line break after it', async () => {
    const items = await itemsOf('id,name,note\n1,a,b');
    expect(plain(items)).toEqual([
      { kind: 'record', index: 1, line: 2, raw: '1,a,b', fields: { id: '1', name: 'a', note: 'b' } },
    ]);
  });

  it('skips blank lines but still counts them in line numbers', async () => {
    for (const eol of ['\n', '\r\n']) {
      const items = await itemsOf(['', 'id,name,note', '', '1,a,b', '', '', '2,c,d', ''].join(eol));
      expect(items.map((item) => [item.line, item.raw])).toEqual([
        [4, '1,a,b'],
        [7, '2,c,d'],
      ]);
    }
  });

  it('rejects a row with too many or too few fields as malformed_row and reads on', async () => {
    const items = await itemsOf('id,name,note\n1,a,b,extra\n2,a\n3,a,b\n');
    expect(items.map((item) => (item.kind === 'rejected' ? item.issues : item.kind))).toEqual([
      [{ code: 'malformed_row', message: 'expected 3 fields, got 4' }],
      [{ code: 'malformed_row', message: 'expected 3 fields, got 2' }],
      'record',
    ]);
    expect(items[0]).toMatchObject({ index: 1, line: 2, raw: '1,a,b,extra' });
  });

  it('rejects a copy of the header inside the data as repeated_header', async () => {
    const items = await itemsOf('id,name,note\n1,a,b\n ID , Name,NOTE\n2,c,d\n');
    expect(items[1]).toEqual({
      kind: 'rejected',
      index: 2,
      line: 3,
      raw: ' ID , Name,NOTE',
      issues: [{ code: 'repeated_header', message: 'the header row is repeated inside the data' }],
    });
    expect(items.map((item) => item.index)).toEqual([1, 2, 3]);
  });

  it('accepts a header that differs only in case, surrounding spaces and a trailing CR', async () => {
    const items = await itemsOf(' ID , Name ,NOTE\r\n1,a,b\r\n');
    expect(items).toHaveLength(1);
  });

  it('accepts blank lines before the header', async () => {
    expect(await itemsOf('\n\nid,name,note\n1,a,b\n')).toHaveLength(1);
  });

  it('keeps a stray quote inside an unquoted field as text', async () => {
    const items = await itemsOf('id,name,note\n1,5\'10" tall,ok\n');
    expect(items[0]).toMatchObject({ kind: 'record', fields: { name: '5\'10" tall' } });
  });

  it('refuses a file whose first line is another header as dataset_mismatch, showing both', async () => {
    const error = await failureOf('symbol,datetime,open\n1,2,3\n');
    expect(error.reason).toBe('dataset_mismatch');
    expect(error.message).toContain('"id,name,note"');
    expect(error.message).toContain('"symbol,datetime,open"');
    expect(error.message).toContain('line 1');
  });

  it('refuses a header with an extra column as dataset_mismatch', async () => {
    expect((await failureOf('id,name,note,extra\n1,a,b,c\n')).reason).toBe('dataset_mismatch');
  });

  it('refuses an unclosed quote as malformed_csv naming the line where its record starts', async () => {
    const error = await failureOf('id,name,note\n1,a,b\n\n2,"never closed,x\n3,c,d\n');
    expect(error.reason).toBe('malformed_csv');
    expect(error.message).toBe(
      'malformed CSV: a quoted field in the record starting on line 4 is never closed',
    );
  });

  it('refuses a record over the size limit as malformed_csv naming its line and the limit', async () => {
    const limits = { ...DEFAULT_PARSE_LIMITS, maxRecordChars: 50 };
    const error = await failureOf(
      ['id,name,note\r\n1,a,b\r\n', `2,${'x'.repeat(30)}`, `${'y'.repeat(30)},z\r\n`],
      limits,
    );
    expect(error.reason).toBe('malformed_csv');
    expect(error.message).toBe(
      'malformed CSV: the record starting on line 3 is longer than the limit of 50 characters',
    );
  });

  it('refuses text of blank lines only as empty_file and reads a header alone as no items', async () => {
    expect((await failureOf('')).reason).toBe('empty_file');
    expect((await failureOf('\n \r\n\t\n')).reason).toBe('empty_file');
    expect(await itemsOf('id,name,note\n')).toEqual([]);
  });

  it('passes on a failure of the text it reads', async () => {
    async function* failing(): AsyncGenerator<string> {
      yield 'id,name,note\n1,a,b\n';
      throw new UnreadableFileError('invalid_utf8', 'bad bytes at 20');
    }
    const reading = (async () => {
      for await (const _ of readCsv(failing(), HEADER, DEFAULT_PARSE_LIMITS));
    })();
    await expect(reading).rejects.toThrow('bad bytes at 20');
  });

  it('maps a column named __proto__ to an ordinary field without touching any prototype', async () => {
    const items = await itemsOf('__proto__,constructor,x\n{"polluted":1},c,x\n', DEFAULT_PARSE_LIMITS, [
      '__proto__',
      'constructor',
      'x',
    ]);
    const record = (
      await batchesOf('__proto__,constructor,x\n{"polluted":1},c,x\n', DEFAULT_PARSE_LIMITS, [
        '__proto__',
        'constructor',
        'x',
      ])
    ).flat()[0];
    expect(record?.kind).toBe('record');
    const row = record as SourceRecord;
    expect(['__proto__', 'constructor', 'x'].map((name) => fieldOf(row, name))).toEqual([
      '{"polluted":1}',
      'c',
      'x',
    ]);
    expect(fieldOf(row, 'toString')).toBeUndefined();
    expect(items).toHaveLength(1);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('gives the same items however the text is split into two chunks', async () => {
    const text =
      'id,name,note\r\n1,"a, ""b""",😀 ok\r\n\r\n2,"multi\nline",é\r\n3,x,y,z\r\nid,name,note\r\n4,last,row';
    const whole = plain(await itemsOf(text));
    expect(whole).toHaveLength(5);
    for (let at = 0; at <= text.length; at++) {
      expect(plain(await itemsOf([text.slice(0, at), text.slice(at)]))).toEqual(whole);
    }
  });

  it('throws nothing but UnreadableFileError on arbitrary text in arbitrary chunks', async () => {
    const csvish = fc.string({
      unit: fc.constantFrom('a', 'Z', '1', ',', '"', '\n', '\r', ' ', 'é', '😀', '\uD800', '\0'),
      maxLength: 80,
    });
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        csvish,
        fc.array(fc.nat(80), { maxLength: 4 }),
        fc.constantFrom(8, 1024),
        async (withHeader, body, cuts, maxRecordChars) => {
          const text = withHeader ? `id,name,note\n${body}` : body;
          const points = [...new Set(cuts.map((cut) => Math.min(cut, text.length)))].sort((a, b) => a - b);
          const parts = [0, ...points].map((from, i) => text.slice(from, points[i] ?? text.length));
          try {
            await itemsOf(parts, { ...DEFAULT_PARSE_LIMITS, maxRecordChars });
          } catch (error) {
            if (!(error instanceof UnreadableFileError)) throw error;
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('turns any generated rows into exactly one item each, with their fields and lines intact', async () => {
    const value = fc.string({
      unit: fc.constantFrom('a', 'B', '7', ' ', ',', '"', '\n', '\r', 'é', '😀'),
      maxLength: 6,
    });
    const row = fc.array(value, { minLength: 2, maxLength: 4 });
    await fc.assert(
      fc.asyncProperty(
        fc.array(row, { maxLength: 12 }),
        fc.constantFrom('\n', '\r\n'),
        fc.nat(400),
        async (rows, eol, cut) => {
          let text = `id,name,note${eol}`;
          const expected = rows.map((fields) => {
            const raw = fields.map(csvField).join(',');
            const line = breaksIn(text) + 1;
            text += raw + eol;
            return { fields, raw, line };
          });
          const items = await itemsOf([text.slice(0, cut), text.slice(cut)]);
          expect(items).toHaveLength(rows.length);
          items.forEach((item, i) => {
            const want = expected[i] as (typeof expected)[number];
            expect(item).toMatchObject({ index: i + 1, line: want.line, raw: want.raw });
            // The alphabet cannot spell the header's names, so no row repeats it.
            if (want.fields.length !== HEADER.length) {
              expect(item.kind === 'rejected' && item.issues[0]?.code).toBe('malformed_row');
            } else {
              expect(item.kind === 'record' && Object.values(item.fields ?? {})).toEqual(want.fields);
            }
          });
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('sniffCsvHeader', () => {
  it.each([
    ['id,name,note\n1,a,b', true],
    ['ID,Name,Note\r\n', true],
    ['\n  id , name , note\n', true],
    ['"id","name","note"\n', true],
    ['id,name,note', true],
    ['id,name\n', false],
    ['id,name,note,extra\n', true],
    ['name,id,note\n', true],
    ['\uFEFFId;NAME;Note\n', true],
    ['id,name,name\n', false],
    ['', false],
  ])('tells whether %j starts with the header: %s', (prefix, expected) => {
    expect(sniffCsvHeader(prefix, HEADER)).toBe(expected);
  });
});
