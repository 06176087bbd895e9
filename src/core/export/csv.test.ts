import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvField, csvRecord, neutralizeFormula } from './csv.js';

const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

// Text biased towards what breaks CSV and spreadsheets: formula starts, quotes, separators, line breaks.
const hostileText = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc
    .tuple(fc.constantFrom('=', '+', '-', '@', '\t', '\r', '"', ',', '\n', "'"), fc.string())
    .map(([start, rest]) => start + rest),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
);

const parseOne = (text: string): string[] =>
  (parse(text, { relax_column_count: true, skip_empty_lines: false }) as string[][])[0] ?? [];

describe('csvField', () => {
  it.each([
    ['=HYPERLINK("http://evil","x")', `"'=HYPERLINK(""http://evil"",""x"")"`],
    ['@SUM(A1:A9)', "'@SUM(A1:A9)"],
    ['+cmd|/C calc', "'+cmd|/C calc"],
    ['-1+1', "'-1+1"],
    ['\t=1', "'\t=1"],
    ['\r=1', `"'\r=1"`],
    ['-3.5', '-3.5'],
    ['+12', '+12'],
    ['1e-7', '1e-7'],
    ['plain text', 'plain text'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
  ])('writes %j as %j', (value, expected) => {
    expect(csvField(value)).toBe(expected);
  });

  it('writes numbers as numbers, null and undefined as empty, objects as quoted JSON', () => {
    expect([-3.5, 0, true, null, undefined].map(csvField)).toEqual(['-3.5', '0', 'true', '', '']);
    expect(csvField({ a: '=1', b: [1, 2] })).toBe('"{""a"":""=1"",""b"":[1,2]}"');
  });

  it('leaves no parsed cell that a spreadsheet would evaluate, whatever the text', () => {
    fc.assert(
      fc.property(hostileText, (text) => {
        const [cell] = parseOne(csvRecord([text, 'end']));
        expect(cell !== undefined && FORMULA_START.test(cell) && !PLAIN_NUMBER.test(cell)).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('csvRecord', () => {
  it('parses back (RFC 4180) to the neutralized cells, for any cells', () => {
    fc.assert(
      fc.property(fc.array(hostileText, { minLength: 1, maxLength: 8 }), (cells) => {
        const record = csvRecord([...cells, 'end']);
        expect(record.endsWith('\r\n')).toBe(true);
        expect(parseOne(record)).toEqual([...cells.map(neutralizeFormula), 'end']);
      }),
      { numRuns: 1000 },
    );
  });

  it('keeps one record per row whatever line breaks the cells hold', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(hostileText, { minLength: 1, maxLength: 4 }), { maxLength: 10 }),
        (rows) => {
          const text = rows.map((row) => csvRecord([...row, 'end'])).join('');
          const parsed = parse(text, { relax_column_count: true }) as string[][];
          expect(parsed).toHaveLength(rows.length);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
