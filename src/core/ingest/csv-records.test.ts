import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PARSE_LIMITS, type ParseLimits } from '../datasets/contract.js';
import { CsvRecords } from './csv-records.js';

/** A record as csv-parse hands it over with `raw: true`. */
interface ParsedRecord {
  readonly record: string[];
  readonly raw: string;
}

interface Shape {
  readonly record: string[];
  readonly lead: number;
  readonly text: string;
  readonly breaks: number;
}

/** What the reader hands over, from csv-parse's raw text: blank lines before it, its own text, the breaks it spans. */
function shape({ record, raw }: ParsedRecord): Shape {
  let lead = 0;
  while (lead < raw.length && (raw[lead] === '\n' || raw[lead] === '\r')) lead++;
  let end = raw.length;
  if (end > lead && raw[end - 1] === '\n') end--;
  if (end > lead && raw[end - 1] === '\r') end--;
  const breaks = (raw.match(/\r\n|\n|\r/g) ?? []).length;
  return { record, lead, text: raw.slice(lead, end), breaks };
}

type Outcome = { records: Shape[] } | { error: string };

/** csv-parse alone on the whole text, with the options the CSV source has always used. */
function csvParseOf(text: string, limits: ParseLimits): Outcome {
  try {
    const rows = parse(text, {
      raw: true,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      max_record_size: limits.maxRecordChars,
    }) as unknown as ParsedRecord[];
    return { records: rows.map(shape) };
  } catch (error) {
    return { error: (error as { code?: string }).code ?? 'error' };
  }
}

async function recordsOf(parts: readonly string[], limits: ParseLimits): Promise<Outcome> {
  const records: Shape[] = [];
  const reader = new CsvRecords(limits, (record, text, lead, breaks) =>
    records.push({ record, lead, text, breaks }),
  );
  try {
    for (const part of parts) await reader.write(part);
    await reader.end();
    return { records };
  } catch (error) {
    return { error: (error as { code?: string }).code ?? 'error' };
  } finally {
    reader.destroy();
  }
}

/** Text cut at the given fractions of its length. */
const split = (text: string, cuts: readonly number[]): string[] => {
  const at = [...new Set(cuts.map((c) => Math.floor(c * text.length)))].sort((a, b) => a - b);
  return [0, ...at].map((from, i) => text.slice(from, at[i] ?? text.length)).filter((p) => p.length > 0);
};

const csvish = fc.string({
  unit: fc.constantFrom('a', 'b', ',', ',', '"', '\n', '\n', '\r', ' '),
  maxLength: 80,
});
const withBom = fc.tuple(fc.boolean(), csvish).map(([bom, text]) => (bom ? `\uFEFF${text}` : text));
const plainRows = fc
  .array(
    fc.array(fc.string({ unit: fc.constantFrom('x', '1', '.', ' ', '-'), maxLength: 6 }), { maxLength: 4 }),
    {
      maxLength: 12,
    },
  )
  .map((rows) => `${rows.map((r) => r.join(',')).join('\n')}\n`);

/** Well-formed CSV: fields plain or quoted (quotes doubled, commas and breaks inside), blank lines between rows. */
const field = fc.oneof(
  fc.string({ unit: fc.constantFrom('x', '1', ' ', '"'), maxLength: 5 }),
  fc
    .string({ unit: fc.constantFrom('y', ',', '"', '\n', '\r', ' '), maxLength: 6 })
    .map((value) => `"${value.replaceAll('"', '""')}"`),
);
const quotedRows = fc
  .array(fc.tuple(fc.array(field, { minLength: 1, maxLength: 4 }), fc.constantFrom('\n', '\n', '\n\n')), {
    maxLength: 10,
  })
  .chain((rows) =>
    fc.boolean().map((lastBreak) => {
      const text = rows.map(([cells, end]) => `${cells.join(',')}${end}`).join('');
      return lastBreak ? text : text.replace(/\n+$/, '');
    }),
  );

describe('CsvRecords', () => {
  it('splits plain lines itself and gives what csv-parse gives', async () => {
    const outcome = await recordsOf(['id,name\n1,a\n\n2,b\n3'], DEFAULT_PARSE_LIMITS);
    expect(outcome).toEqual(csvParseOf('id,name\n1,a\n\n2,b\n3', DEFAULT_PARSE_LIMITS));
    expect(outcome).toEqual({
      records: [
        { record: ['id', 'name'], lead: 0, text: 'id,name', breaks: 1 },
        { record: ['1', 'a'], lead: 0, text: '1,a', breaks: 1 },
        { record: ['2', 'b'], lead: 1, text: '2,b', breaks: 2 },
        { record: ['3'], lead: 0, text: '3', breaks: 0 },
      ],
    });
  });

  it('reads quoted fields with commas, doubled quotes and line breaks, and stray quotes as text', async () => {
    const text = 'a,b\n"x, y","say ""hi""\nthere"\n5\'10" tall,ok\n';
    const outcome = await recordsOf([text], DEFAULT_PARSE_LIMITS);
    expect(outcome).toEqual(csvParseOf(text, DEFAULT_PARSE_LIMITS));
    expect('records' in outcome && outcome.records.map((r) => r.record)).toEqual([
      ['a', 'b'],
      ['x, y', 'say "hi"\nthere'],
      ['5\'10" tall', 'ok'],
    ]);
  });

  it('leaves CRLF text, a BOM and an unclosed quote to csv-parse, with its results and errors', async () => {
    for (const text of ['a,b\r\n1,2\r\n', '\uFEFFa,b\n1,2\n', 'a,b\n1,2\r\n3,4\n', 'a,b\n"open,2\n']) {
      expect(await recordsOf([text], DEFAULT_PARSE_LIMITS)).toEqual(csvParseOf(text, DEFAULT_PARSE_LIMITS));
    }
    expect(await recordsOf(['a,b\n"open,2\n'], DEFAULT_PARSE_LIMITS)).toEqual({
      error: 'CSV_QUOTE_NOT_CLOSED',
    });
  });

  it('gives exactly what csv-parse gives on arbitrary text, however it is cut, at any record size limit', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(withBom, plainRows, quotedRows),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 }),
        fc.constantFrom(DEFAULT_PARSE_LIMITS.maxRecordChars, 12, 40),
        async (text, cuts, maxRecordChars) => {
          const limits = { ...DEFAULT_PARSE_LIMITS, maxRecordChars };
          expect(await recordsOf(split(text, cuts), limits)).toEqual(csvParseOf(text, limits));
        },
      ),
      { numRuns: 3000 },
    );
  });
});
