import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PARSE_LIMITS, type SourceItem } from '../datasets/contract.js';
import { loadContractText } from './parse-document.js';

/** A column as the generator knows it: its document, a valid value, and ways to break it. */
interface GenColumn {
  readonly doc: Record<string, unknown>;
  readonly valid: fc.Arbitrary<{ text: string; value: unknown }>;
  /** Texts that break exactly one rule of the column, with the reason they must get. */
  readonly broken: fc.Arbitrary<{ text: string; code: string }>;
}

const VALUES = ['alpha', 'beta', 'gamma', 'delta'];

const numberColumn = (name: string, integer: boolean, required: boolean): fc.Arbitrary<GenColumn> =>
  fc.tuple(fc.integer({ min: -1000, max: 1000 }), fc.integer({ min: 1, max: 1000 })).map(([min, span]) => ({
    doc: { name, type: integer ? 'integer' : 'number', min, max: min + span, required, nullable: !required },
    // The same value written as a file may hold it: trailing zeros, a leading zero, a padded cell.
    valid: fc
      .tuple(fc.integer({ min, max: min + span }), fc.constantFrom('', '.0', '.000', 'pad', 'zero'))
      .map(([n, style]) => ({
        text:
          style === 'pad'
            ? ` ${n} `
            : style === 'zero' && n >= 0
              ? `0${n}`
              : style.startsWith('.')
                ? `${n}${style}`
                : String(n),
        value: n,
      })),
    broken: fc.oneof(
      fc
        .integer({ min: min + span + 1, max: min + span + 10_000 })
        .map((n) => ({ text: String(n), code: 'out_of_range' })),
      fc.constantFrom('abc', '1e', '--3').map((text) => ({ text, code: 'not_a_number' })),
      ...(required ? [fc.constant({ text: '', code: 'missing_field' })] : []),
    ),
  }));

const enumColumn = (name: string): fc.Arbitrary<GenColumn> =>
  fc.constant({
    doc: { name, type: 'enum', values: VALUES, reason: 'bad_choice' },
    valid: fc.constantFrom(...VALUES).map((v) => ({ text: v, value: v })),
    broken: fc.constantFrom('omega', 'Alpha', 'alpha2').map((text) => ({ text, code: 'bad_choice' })),
  });

const dateColumn = (name: string): fc.Arbitrary<GenColumn> =>
  fc.constant({
    doc: { name, type: 'date', formats: ['DD.MM.YYYY'] },
    valid: fc
      .date({ min: new Date('1990-01-01'), max: new Date('2090-12-31'), noInvalidDate: true })
      .chain((d) => {
        const iso = d.toISOString().slice(0, 10);
        const [y, m, day] = iso.split('-');
        return fc.constantFrom({ text: iso, value: iso }, { text: `${day}.${m}.${y}`, value: iso });
      }),
    broken: fc
      .constantFrom('2024-02-30', '31.04.2024', 'tomorrow')
      .map((text) => ({ text, code: 'invalid_date' })),
  });

const textColumn = (name: string): fc.Arbitrary<GenColumn> =>
  fc.constant({
    doc: { name, type: 'string', max_length: 8, pattern: '[a-z]+' },
    valid: fc.stringMatching(/^[a-z]{1,8}$/).map((t) => ({ text: t, value: t })),
    broken: fc.oneof(
      fc.constant({ text: 'abcdefghij', code: 'out_of_range' }),
      fc.constant({ text: 'ab1', code: 'invalid_value' }),
    ),
  });

const columnArb = (i: number): fc.Arbitrary<GenColumn> =>
  fc
    .constantFrom('int', 'num', 'opt', 'enum', 'date', 'text')
    .chain((kind) =>
      kind === 'int'
        ? numberColumn(`c${i}`, true, true)
        : kind === 'num'
          ? numberColumn(`c${i}`, false, true)
          : kind === 'opt'
            ? numberColumn(`c${i}`, false, false)
            : kind === 'enum'
              ? enumColumn(`c${i}`)
              : kind === 'date'
                ? dateColumn(`c${i}`)
                : textColumn(`c${i}`),
    );

const contractArb = fc
  .integer({ min: 1, max: 6 })
  .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => columnArb(i))));

async function* once(text: string): AsyncGenerator<string> {
  yield text;
}

describe('any contract and rows generated from it', () => {
  it('accept every row built within the rules, print it as JSON.stringify would, and reject each planted violation with its reason', async () => {
    await fc.assert(
      fc.asyncProperty(
        contractArb.chain((columns) =>
          fc.tuple(
            fc.constant(columns),
            fc.array(fc.tuple(...columns.map((c) => c.valid)), { minLength: 1, maxLength: 20 }),
            fc.array(
              fc.tuple(
                fc.nat({ max: columns.length - 1 }),
                fc.tuple(...columns.map((c) => c.valid)),
                fc.tuple(...columns.map((c) => c.broken)),
              ),
              { maxLength: 10 },
            ),
          ),
        ),
        async ([columns, goodRows, badRows]) => {
          const doc = {
            dataset: 'generated',
            title: 'generated',
            format: 'csv',
            // A leading id keeps a row whose only other value is blank from being a blank line.
            columns: [{ name: 'id', type: 'string' }, ...columns.map((c) => c.doc)],
            reasons: { bad_choice: 'not one of the values' },
          };
          const contract = loadContractText(JSON.stringify(doc), 'generated.json');
          const header = ['id', ...columns.map((c) => c.doc.name)].join(',');
          const lines = [
            ...goodRows.map((row, r) => [`g${r}`, ...row.map((v) => v.text)].join(',')),
            ...badRows.map(([at, row, broken], b) =>
              [`b${b}`, ...row.map((v, i) => (i === at ? broken[i]?.text : v.text))].join(','),
            ),
          ];
          const validator = contract.createValidator();
          const outcomes: (Record<string, unknown> | string[])[] = [];
          for await (const batch of contract.read(
            once(`${header}\n${lines.join('\n')}\n`),
            DEFAULT_PARSE_LIMITS,
          )) {
            for (const item of batch as SourceItem[]) {
              if (item.kind !== 'record') throw new Error(`source rejected ${JSON.stringify(item.issues)}`);
              const result = validator.validate(item);
              // The written-out serializer prints what JSON.stringify would, byte for byte,
              // reading the row by name or the validator's values by position.
              if (result.ok) {
                expect(contract.serialize?.(result.row, item)).toBe(JSON.stringify(result.row));
                expect(contract.serialize?.(result.row, item, result.values)).toBe(
                  JSON.stringify(result.row),
                );
              }
              outcomes.push(
                result.ok
                  ? (result.row as Record<string, unknown>)
                  : result.issues.map((i) => `${i.field}:${i.code}`),
              );
            }
          }
          expect(outcomes).toHaveLength(lines.length);
          goodRows.forEach((row, r) => {
            expect(outcomes[r]).toEqual({
              id: `g${r}`,
              ...Object.fromEntries(row.map((v, i) => [columns[i]?.doc.name, v.value])),
            });
          });
          badRows.forEach(([at, , broken], b) => {
            const name = columns[at]?.doc.name as string;
            const code = (broken[at] as { code: string }).code;
            expect(outcomes[goodRows.length + b]).toEqual([`${name}:${code}`]);
          });
        },
      ),
      { numRuns: 150 },
    );
  });
});
