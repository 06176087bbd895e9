/**
 * A contract document compiled into the DatasetContract ingest runs: the column
 * readers, rules and unique key are closures built here once per contract, the
 * header or field names are resolved once per file, and validating a row
 * allocates nothing beyond its issues and the output record.
 */
import type { AnalysisPlan } from '../datasets/analysis-plan.js';
import type {
  DatasetContract,
  ReadContext,
  RecordValidator,
  SourceRecord,
  Validation,
} from '../datasets/contract.js';
import type { Issues } from '../datasets/fields.js';
import { fieldOf, fieldPicker, numberText, quoteJson } from '../datasets/fields.js';
import { symbolFromKey } from '../datasets/file-symbol.js';
import { createOhlcvValidator, OHLCV_RULES, serializeOhlcv } from '../datasets/ohlcv.rules.js';
import { plainWriters } from '../datasets/plain-writers.js';
import { twelvedataOhlcv } from '../datasets/twelvedata-ohlcv.js';
import { type CsvLayout, columnKey } from '../ingest/csv-header.js';
import { CSV_SOURCE_RULES, csvFormat } from '../ingest/csv-source.js';
import type { ColumnDocument, ContractDocument } from './document.js';
import { firstRecordOf } from './first-record.js';
import { readJsonRecords } from './json-records.js';
import { compileKeyGlob } from './key-glob.js';
import { compileRule, type RowRule } from './rules.js';
import { type ColumnReader, compileColumn, describeRange, printsAsWritten, TYPE_REASON } from './values.js';

/** Where a contract came from: shipped inside sluice, or a file of the project. */
export type ContractOrigin =
  | { readonly kind: 'built-in'; readonly file: string }
  | { readonly kind: 'file'; readonly file: string };

export interface CompiledContract extends DatasetContract {
  readonly analysis: AnalysisPlan;
  /** Reason codes this contract declares beyond the generic ones, with their meaning. */
  readonly reasons: Readonly<Record<string, string>>;
  readonly origin: ContractOrigin;
  readonly document: ContractDocument;
  /** Whether an object key below `inputs/` is one this contract names. */
  matchesKey(key: string): boolean;
}

/** A column default meaning "when the file was received": a tick POSTed without a timestamp. */
export const RECEIVED = '$received';

const BARS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

function barMs(bars: string | undefined): number | undefined {
  const m = bars === undefined ? null : /^(\d+)(ms|s|m|h|d)$/.exec(bars);
  return m ? Number(m[1]) * BARS[m[2] as keyof typeof BARS] : undefined;
}

const TYPE_RULE: Record<ColumnDocument['type'], string> = {
  string: 'text',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true/false, yes/no or 1/0',
  date: 'a real date YYYY-MM-DD',
  datetime: 'an instant with a zone, kept in UTC',
  epoch_s: 'epoch seconds, kept as a UTC instant',
  epoch_ms: 'epoch milliseconds, kept as a UTC instant',
  enum: 'one of the allowed values',
};

const list = (codes: readonly string[]): string => `(${[...new Set(codes)].join(', ')})`;

/** One column's rule in words, ending with the reasons it can give; undefined when it can give none. */
function columnWords(c: ColumnDocument): string | undefined {
  const parts: string[] = [];
  const codes: string[] = [];
  const nullable = c.nullable ?? !c.required;
  if (!nullable) codes.push('missing_field');
  let type = TYPE_RULE[c.type];
  if (c.type === 'enum') type = `one of ${(c.values ?? []).join(', ')}`;
  if (c.type === 'datetime' && c.epoch !== undefined)
    type += `, or epoch ${c.epoch === 'auto' ? 'seconds or ms' : c.epoch === 's' ? 'seconds' : 'ms'}`;
  if (c.type === 'datetime' && c.timezone !== undefined) type += `; a time without zone is in ${c.timezone}`;
  if (c.formats.length > 0) type += `, or ${c.formats.join(', ')}`;
  if (c.loose) type += ', or 5/20/2024 and 20.05.2024 when only one reading is a date';
  if (c.number !== undefined) {
    const f = c.number;
    type += `, written with a decimal ${f.decimal === ',' ? 'comma' : 'point'}${f.thousands ? ` and ${JSON.stringify(f.thousands)} thousands` : ''}${f.currency ? ', a currency sign allowed' : ''}`;
  }
  parts.push(type);
  if (c.type !== 'string' && !c.lenient) codes.push(c.reason ?? TYPE_REASON[c.type]);
  if (c.pattern !== undefined) {
    parts.push(`matching ${c.pattern}`);
    codes.push(c.reason ?? 'invalid_value');
  }
  if (c.min !== undefined || c.max !== undefined) {
    parts.push(describeRange(c));
    codes.push(c.range_reason ?? 'out_of_range');
  }
  if (c.min_length !== undefined || c.max_length !== undefined) {
    parts.push(`${c.min_length ?? 0} to ${c.max_length ?? 'any number of'} characters`);
    codes.push(c.range_reason ?? 'out_of_range');
  }
  const tokens = c.null_values.filter((v) => v !== '');
  if (nullable) parts.push(`may be empty${tokens.length > 0 ? ` or ${tokens.join(', ')}` : ''}`);
  else parts.push('required');
  if (c.lenient) parts.push('an unreadable value is kept as unknown');
  if (codes.length === 0) return undefined;
  return `${c.name}: ${parts.join('; ')} ${list(codes)}`;
}

/** The rules of a compiled contract in words, one per reason it can give (README, `contract list`). */
function ruleWords(doc: ContractDocument): string[] {
  const words = doc.columns.map(columnWords).filter((w): w is string => w !== undefined);
  for (const rule of doc.rules) words.push(`${rule.message ?? rule.check} (${rule.reason})`);
  if (doc.unique) words.push(`one row per ${doc.unique.join(', ')} (duplicate_row)`);
  const required = doc.columns.filter((c) => c.required).map((c) => c.name);
  const unknown = {
    evolve: 'unknown ones kept in the row',
    freeze:
      doc.format === 'csv'
        ? 'an unknown one refuses the file'
        : 'a record with an unknown one is rejected (unexpected_column)',
    discard_value: 'unknown ones dropped',
    discard_row: 'a row with a value in an unknown one is rejected (unexpected_column)',
  }[doc.evolution];
  if (doc.format === 'csv') {
    words.push(
      `columns matched by name or alias in any order, ${unknown}; a header without ${required.join(', ')} is refused (dataset_mismatch, missing_columns)`,
    );
    words.push(...CSV_SOURCE_RULES);
  } else {
    words.push(
      `fields matched by name or alias, ${unknown}; a record that is not an object (malformed_row), too large (row_too_large), or names a field twice (duplicate_key) is rejected`,
    );
  }
  return [...words, ...doc.notes];
}

function layoutOf(doc: ContractDocument): CsvLayout {
  // `$received` is not known until a file is read: the validator fills it in.
  const defaults = Object.fromEntries(
    doc.columns
      .filter((c) => c.default !== undefined && c.default !== RECEIVED)
      .map((c) => [c.name, String(c.default)]),
  );
  return {
    columns: doc.columns.map((c) => ({ name: c.name, aliases: c.aliases, required: c.required })),
    extra: doc.evolution,
    ...(Object.keys(defaults).length > 0 ? { defaults } : {}),
  };
}

const symbolOf = (doc: ContractDocument, context?: ReadContext): string | undefined =>
  doc.columns.some((c) => c.name === 'symbol') ? (context?.symbol ?? symbolFromKey(context?.key)) : undefined;

/** A CSV contract's reading half; a file without a symbol column takes `--symbol`'s or its file name's. */
function csvOf(doc: ContractDocument): ReturnType<typeof csvFormat> {
  const format = csvFormat(layoutOf(doc));
  const withSymbol = (context: ReadContext | undefined): ReadContext | undefined => {
    const symbol = symbolOf(doc, context);
    return symbol === undefined ? context : { ...context, defaults: { ...context?.defaults, symbol } };
  };
  const readTaking = format.readTaking as NonNullable<typeof format.readTaking>;
  return {
    ...format,
    read: (text, limits, context) => format.read(text, limits, withSymbol(context)),
    readTaking: (text, limits, context, plain) => readTaking(text, limits, withSymbol(context), plain),
  };
}

/** The unique key of a row's values: the string path and the plain path claim the same keys. */
const uniqueKey = (values: readonly unknown[], at: readonly number[]): string =>
  at.map((i) => String(values[i])).join('\u0000');

/** The validator for a JSON or CSV record under a fully declared contract. */
function declaredValidator(
  doc: ContractDocument,
  context: ReadContext | undefined,
): RecordValidator<Record<string, unknown>> {
  const columns = doc.columns;
  const names = columns.map((c) => c.name);
  const readers: ColumnReader[] = columns.map(compileColumn);
  const rules: RowRule[] = doc.rules.map((r) => compileRule(r, names));
  const uniqueAt = doc.unique?.map((name) => names.indexOf(name));
  const seen = uniqueAt === undefined ? undefined : new Set<string>();
  const keyFor = new Map<string, number>();
  for (const [i, c] of columns.entries()) for (const n of [c.name, ...c.aliases]) keyFor.set(columnKey(n), i);
  // Raw JSON member name -> column position (-1: unknown); JSON files repeat their names, so each is resolved once.
  const members = new Map<string, number>();
  const symbol = symbolOf(doc, context);
  const defaults = columns.map((c, i) =>
    names[i] === 'symbol' && symbol !== undefined
      ? symbol
      : c.default === RECEIVED
        ? context?.receivedAt
        : c.default,
  );
  const evolution = doc.evolution;
  const n = columns.length;
  const template: Record<string, unknown> = Object.fromEntries(names.map((name) => [name, null]));
  // One array for every row of the file: its values are copied into the row before the next one.
  const values: unknown[] = new Array(n).fill(undefined);
  const pick = fieldPicker(names);

  const jsonValues = (
    raw: Record<string, unknown>,
    values: unknown[],
    issues: Issues,
  ): Record<string, unknown> | undefined => {
    let extra: Record<string, unknown> | undefined;
    for (const member of Object.keys(raw)) {
      let at = members.get(member);
      if (at === undefined) {
        at = keyFor.get(columnKey(member)) ?? -1;
        members.set(member, at);
      }
      if (at >= 0) values[at] = raw[member];
      else if (evolution === 'evolve') {
        extra ??= {};
        extra[member] = raw[member];
      } else if (evolution === 'freeze' || evolution === 'discard_row') {
        issues.push({
          code: 'unexpected_column',
          field: member,
          message: `field ${JSON.stringify(member)} is not in the contract (evolution policy ${evolution})`,
        });
      }
    }
    return extra;
  };

  const claim =
    seen === undefined || uniqueAt === undefined
      ? undefined
      : (row: readonly unknown[]): boolean => {
          const key = uniqueKey(row, uniqueAt);
          if (seen.has(key)) return false;
          seen.add(key);
          return true;
        };
  return {
    plainRows: () =>
      plainWriters()?.compilePlainRows(doc, { rules, ...(claim === undefined ? {} : { claim }) })?.(),
    validate(record: SourceRecord): Validation<Record<string, unknown>> {
      const issues: Issues = [];
      values.fill(undefined);
      // CSV extras (record.extra) are joined by the ingest stage; JSON members are resolved here.
      let extra: Readonly<Record<string, unknown>> | undefined;
      if (record.cells !== undefined || record.fields !== undefined) pick(record, values);
      else {
        extra = jsonValues(record.raw as Record<string, unknown>, values, issues);
      }
      for (let i = 0; i < n; i++) {
        if (values[i] === undefined && defaults[i] !== undefined) values[i] = defaults[i];
        values[i] = (readers[i] as ColumnReader)(values[i], issues);
      }
      for (const rule of rules) rule(values, issues);
      if (seen !== undefined && uniqueAt !== undefined && issues.length === 0) {
        const key = uniqueKey(values, uniqueAt);
        if (seen.has(key)) {
          issues.push({
            code: 'duplicate_row',
            field: doc.unique?.join(','),
            message: `${doc.unique?.map((name, i) => `${name} ${String(values[uniqueAt[i] as number])}`).join(', ')} was already seen in this file`,
          });
        } else seen.add(key);
      }
      if (issues.length > 0) return { ok: false, issues };
      // A copy of a template keeps every row in one shape with its fields in-object.
      const row: Record<string, unknown> = { ...template };
      for (let i = 0; i < n; i++) row[names[i] as string] = values[i];
      if (extra !== undefined) for (const [k, v] of Object.entries(extra)) if (!(k in row)) row[k] = v;
      return { ok: true, row, values };
    },
  };
}

/**
 * JSON.stringify(row) of a CSV record's row, written out column by column: each
 * key's JSON is made once, and a number is cut from its cell where that text
 * already is its JSON (numberText). Printing doubles cost more than reading them.
 * A JSON record's row (which may carry members beyond the columns) goes to JSON.stringify.
 */
function declaredSerializer(
  doc: ContractDocument,
): (row: unknown, record: SourceRecord, values?: readonly unknown[]) => string {
  // Declared order is JSON.stringify's: a column name never starts with a digit (document.ts).
  const order = doc.columns.map((c) => c.name);
  const keys = order.map((name) => `${JSON.stringify(name)}:`);
  const fromText = doc.columns.map(printsAsWritten);
  const pick = fieldPicker(order);
  const cells: unknown[] = [];
  return (row, record, values) => {
    if (record.cells === undefined) return JSON.stringify(row);
    pick(record, cells);
    const named = row as Record<string, unknown>;
    let out = '';
    for (let i = 0; i < order.length; i++) {
      // By position when the validator handed its values over: a keyed read per column costs more.
      const value = values === undefined ? named[order[i] as string] : values[i];
      let json: string;
      if (typeof value === 'number') {
        json = !Number.isFinite(value) ? 'null' : fromText[i] ? numberText(cells[i], value) : String(value);
      } else if (typeof value === 'string') json = quoteJson(value);
      else if (value === null) json = 'null';
      else if (typeof value === 'boolean') json = value ? 'true' : 'false';
      else if (value === undefined) continue;
      else json = JSON.stringify(value);
      out += out === '' ? `${keys[i]}${json}` : `,${keys[i]}${json}`;
    }
    return `{${out}}`;
  };
}

function analysisOf(doc: ContractDocument): AnalysisPlan {
  const columns = doc.columns.map((c) => ({ name: c.name, type: c.type }));
  const time =
    doc.time_column ??
    doc.columns.find((c) => ['date', 'datetime', 'epoch_s', 'epoch_ms'].includes(c.type))?.name;
  const bars = barMs(doc.bars);
  return {
    kind: doc.analysis,
    columns,
    ...(time === undefined ? {} : { timeColumn: time }),
    ...(doc.analysis === 'market' && doc.preset === undefined ? { tickBarMs: bars ?? 0 } : {}),
  };
}

/** The signature a file must show: the declared one, else every required column. */
function signatureOf(doc: ContractDocument): readonly (readonly string[])[] {
  const wanted = doc.match.signature ?? doc.columns.filter((c) => c.required).map((c) => c.name);
  return wanted.map((name) => {
    const column = doc.columns.find((c) => c.name === name || c.aliases.includes(name));
    return (column ? [column.name, ...column.aliases] : [name]).map(columnKey);
  });
}

function jsonSniff(doc: ContractDocument): (prefix: string) => boolean {
  const signature = signatureOf(doc);
  return (prefix) => {
    const first = firstRecordOf(prefix);
    if (first === undefined) return false;
    const present = new Set(Object.keys(first).map(columnKey));
    return signature.every((names) => names.some((name) => present.has(name)));
  };
}

/** Compiles a validated contract document; throws RuleSyntaxError for a rule outside the declared set. */
export function compileContract(doc: ContractDocument, origin: ContractOrigin): CompiledContract {
  const keyMatchers = doc.match.keys.map(compileKeyGlob);
  const common = {
    id: doc.dataset,
    title: doc.title,
    analysis: analysisOf(doc),
    reasons: doc.reasons,
    origin,
    document: doc,
    matchesKey: (key: string) => keyMatchers.some((match) => match(key)),
    ...(doc.group_by === undefined ? {} : { groupField: doc.group_by }),
  };
  if (doc.preset === 'ohlcv') {
    if (doc.format === 'twelvedata') {
      return {
        ...twelvedataOhlcv,
        ...common,
        rules: [...twelvedataOhlcv.rules, ...doc.notes],
        groupField: 'symbol',
      } as CompiledContract;
    }
    return {
      ...common,
      rules: [...OHLCV_RULES, ...doc.notes, ...CSV_SOURCE_RULES],
      ...csvOf(doc),
      createValidator: () =>
        createOhlcvValidator((record) => fieldOf(record, 'symbol'), true) as RecordValidator<unknown>,
      groupField: 'symbol',
      serialize: serializeOhlcv as (row: unknown, record: SourceRecord) => string,
    } satisfies CompiledContract;
  }
  // Compile once up front so a bad rule is refused at load, not at the first row.
  declaredValidator(doc, undefined);
  const createValidator = (context?: ReadContext) =>
    declaredValidator(doc, context) as RecordValidator<unknown>;
  if (doc.format === 'csv') {
    return {
      ...common,
      rules: ruleWords(doc),
      ...csvOf(doc),
      createValidator,
      serialize: declaredSerializer(doc),
    } satisfies CompiledContract;
  }
  return {
    ...common,
    format: 'json',
    rules: ruleWords(doc),
    sniff: jsonSniff(doc),
    read: (text, limits) => readJsonRecords(text, limits),
    createValidator,
  } satisfies CompiledContract;
}
