/**
 * `sluice contract infer`: a draft contract from a sample of a file's records.
 * Each column gets the narrowest type every non-empty value fits, the range and
 * null share seen (as a description, not as checks: a sample is not a rule),
 * `values` when few distinct strings repeat often, and a unique key when one
 * column, or a time and a group column together, never repeat in the sample.
 */
import { isRealDate } from '../datasets/fields.js';
import { parseLooseDatetime } from '../datasets/formats.js';
import type { ColumnDocument, ContractDocumentInput } from './document.js';

const INTEGER = /^[+-]?\d{1,15}$/;
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const GROUPED = /^[$€£¥]?\s?[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$/;
const BOOLEAN = /^(?:true|false|yes|no)$/i;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?\s?(?:Z|[+-]\d{2}:?\d{2})$/i;
const NAIVE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?$/;
const SPREADSHEET = /^\d{1,2}[/.]\d{1,2}[/.]\d{4}$/;
const SPREADSHEET_TIME = /^\d{1,2}[/.]\d{1,2}[/.]\d{4}[ T]\d{1,2}:\d{2}(?::\d{2})?$/;
const DECIMAL_COMMA = /^[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?$/;
const NULLS = new Set(['', 'N/A', 'NA', 'NULL', 'NONE', '-']);

const MAX_ENUM_VALUES = 12;

interface Seen {
  count: number;
  nulls: number;
  nullTokens: Set<string>;
  distinct: Map<string, number>;
  numbers: number[];
  fits: Record<
    | 'integer'
    | 'number'
    | 'grouped'
    | 'comma'
    | 'boolean'
    | 'date'
    | 'loose_date'
    | 'loose_datetime'
    | 'instant'
    | 'naive'
    | 'epoch',
    boolean
  >;
  /** A value had a decimal comma (`2,5`): what makes a comma column numbers rather than text. */
  commaSeen: boolean;
}

const fresh = (): Seen => ({
  count: 0,
  nulls: 0,
  nullTokens: new Set(),
  distinct: new Map(),
  numbers: [],
  fits: {
    integer: true,
    number: true,
    grouped: true,
    comma: true,
    boolean: true,
    date: true,
    loose_date: true,
    loose_datetime: true,
    instant: true,
    naive: true,
    epoch: true,
  },
  commaSeen: false,
});

function observe(seen: Seen, raw: unknown): void {
  seen.count++;
  if (raw === null || raw === undefined || (typeof raw === 'string' && NULLS.has(raw.trim().toUpperCase()))) {
    seen.nulls++;
    if (typeof raw === 'string' && raw.trim() !== '') seen.nullTokens.add(raw.trim());
    return;
  }
  const text =
    typeof raw === 'string' ? raw.trim() : typeof raw === 'object' ? JSON.stringify(raw) : String(raw);
  if (seen.distinct.size <= 10_000) seen.distinct.set(text, (seen.distinct.get(text) ?? 0) + 1);
  const f = seen.fits;
  const isNumber = typeof raw === 'number' || NUMBER.test(text);
  f.integer &&= typeof raw === 'number' ? Number.isInteger(raw) : INTEGER.test(text);
  f.number &&= isNumber;
  f.grouped &&= isNumber || GROUPED.test(text);
  const value = isNumber
    ? Number(text)
    : GROUPED.test(text)
      ? Number(text.replace(/[^\d.+-]/g, ''))
      : DECIMAL_COMMA.test(text)
        ? Number(text.replaceAll('.', '').replace(',', '.'))
        : Number.NaN;
  if (Number.isFinite(value)) seen.numbers.push(value);
  f.comma &&= typeof raw === 'number' || DECIMAL_COMMA.test(text);
  if (typeof raw === 'string' && text.includes(',')) seen.commaSeen = true;
  f.loose_datetime &&= SPREADSHEET_TIME.test(text) && typeof parseLooseDatetime(text) !== 'string';
  f.boolean &&= typeof raw === 'boolean' || BOOLEAN.test(text);
  const iso = ISO_DATE.exec(text);
  f.date &&= iso !== null && isRealDate(Number(iso[1]), Number(iso[2]), Number(iso[3]));
  f.loose_date &&=
    (iso !== null && f.date) || (SPREADSHEET.test(text) && typeof parseLooseDatetime(text) !== 'string');
  f.instant &&= INSTANT.test(text) && typeof parseLooseDatetime(text) !== 'string';
  f.naive &&= NAIVE.test(text) || (INSTANT.test(text) && typeof parseLooseDatetime(text) !== 'string');
  // Epoch seconds or milliseconds between 2001 and 2286: 10 or 13 digits.
  f.epoch &&= /^\d{10}$|^\d{13}$/.test(text);
}

const round = (n: number): number => Number(n.toPrecision(6));

function columnOf(name: string, seen: Seen, rows: number): ColumnDocument | Record<string, unknown> {
  const f = seen.fits;
  const present = seen.count - seen.nulls;
  const column: Record<string, unknown> = { name: safeName(name), type: 'string' };
  if (safeName(name) !== name) column.aliases = [name];
  if (present === 0) column.type = 'string';
  else if (f.boolean && !f.number) column.type = 'boolean';
  else if (f.epoch && /time|date|ts|stamp/i.test(name))
    Object.assign(column, { type: 'datetime', epoch: 'auto' });
  else if (f.integer) column.type = 'integer';
  else if (f.number) column.type = 'number';
  else if (f.grouped)
    Object.assign(column, { type: 'number', number: { decimal: '.', thousands: ',', currency: true } });
  // `1,199` reads as a thousand (the US export default); `2,5` as two and a half.
  else if (f.comma && seen.commaSeen)
    Object.assign(column, { type: 'number', number: { decimal: ',', thousands: '.' } });
  else if (f.date) column.type = 'date';
  else if (f.loose_date) Object.assign(column, { type: 'date', loose: true });
  else if (f.instant) column.type = 'datetime';
  else if (f.naive) Object.assign(column, { type: 'datetime', timezone: 'UTC' });
  else if (f.loose_datetime) Object.assign(column, { type: 'datetime', loose: true, timezone: 'UTC' });
  else if (seen.distinct.size <= MAX_ENUM_VALUES && present >= 20 && seen.distinct.size * 4 <= present) {
    Object.assign(column, { type: 'enum', values: [...seen.distinct.keys()].sort() });
  }
  if (seen.nulls > 0) {
    column.required = true;
    column.nullable = true;
    if (seen.nullTokens.size > 0) column.null_values = ['', ...[...seen.nullTokens].sort()];
  }
  const facts: string[] = [];
  if (['integer', 'number'].includes(column.type as string) && seen.numbers.length > 0) {
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (const n of seen.numbers) {
      if (n < lo) lo = n;
      if (n > hi) hi = n;
    }
    facts.push(`seen ${round(lo)} to ${round(hi)}`);
  }
  if (seen.nulls > 0) facts.push(`${((seen.nulls / rows) * 100).toFixed(1)}% empty`);
  facts.push(
    `${seen.distinct.size > 10_000 ? 'over 10000' : seen.distinct.size} distinct in ${rows} sampled rows`,
  );
  column.description = facts.join('; ');
  return column;
}

const safeName = (name: string): string => {
  const cleaned = name
    .replace(/^\uFEFF/, '')
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/^_+|_+$/g, '');
  const named = cleaned === '' ? 'column' : cleaned;
  return /^[0-9]/.test(named) ? `c_${named}` : named;
};

/** The dataset id a file name suggests: `Sensor Readings 2024.csv` → `sensor-readings-2024`. */
export function datasetIdFrom(name: string): string {
  const base = name.replace(/\.(csv|json|jsonl|ndjson|txt)(\.gz)?$/i, '');
  const id = base
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63);
  return /^[a-z0-9]/.test(id) ? id : `dataset-${id}`.replace(/-+$/, '');
}

export interface SampleRecords {
  readonly format: 'csv' | 'json';
  /** Column names in file order (CSV header, or JSON member names in order of first appearance). */
  readonly names: readonly string[];
  /** One value per name, undefined where a JSON record lacks it. */
  readonly rows: readonly (readonly unknown[])[];
}

export function inferContract(
  sample: SampleRecords,
  dataset: string,
  title = dataset,
): ContractDocumentInput {
  const seen = sample.names.map(fresh);
  for (const row of sample.rows) for (let i = 0; i < seen.length; i++) observe(seen[i] as Seen, row[i]);
  const rows = sample.rows.length;
  const columns = sample.names.map((name, i) => columnOf(name, seen[i] as Seen, rows));
  const names = columns.map((c) => c.name as string);
  const unique = uniqueKey(sample, columns, seen);
  const time = columns.find((c) => c.type === 'date' || c.type === 'datetime')?.name as string | undefined;
  const draft: Record<string, unknown> = {
    // Where the schema is when sluice is a dependency and the contract sits in datasets/.
    $schema: '../node_modules/sluice/schemas/dataset-contract.schema.json',
    dataset,
    title,
    format: sample.format,
    columns,
    evolution: 'discard_value',
    analysis: 'profile',
  };
  if (unique !== undefined) draft.unique = unique.map((i) => names[i]);
  if (time !== undefined) draft.time_column = time;
  return draft as ContractDocumentInput;
}

/** A column, else a (time, text) pair, whose values never repeat nor are empty in the sample. */
function uniqueKey(
  sample: SampleRecords,
  columns: readonly Record<string, unknown>[],
  seen: readonly Seen[],
): number[] | undefined {
  const rows = sample.rows.length;
  if (rows < 2) return undefined;
  const full = (i: number) => (seen[i] as Seen).nulls === 0 && (seen[i] as Seen).distinct.size <= 10_000;
  const single = seen.findIndex(
    (s, i) =>
      full(i) && s.distinct.size === rows && !['number', 'boolean'].includes(columns[i]?.type as string),
  );
  if (single >= 0) return [single];
  const time = columns.findIndex((c, i) => full(i) && (c.type === 'date' || c.type === 'datetime'));
  if (time < 0) return undefined;
  for (let g = 0; g < columns.length; g++) {
    if (g === time || !full(g) || !['string', 'enum'].includes(columns[g]?.type as string)) continue;
    const keys = new Set(sample.rows.map((row) => `${String(row[time])}\u0000${String(row[g])}`));
    if (keys.size === rows) return [g, time];
  }
  return undefined;
}
