/**
 * Field readers shared by every contract. Each reader appends the issues it finds
 * instead of throwing, so a row reports every failed rule, not only the first.
 */
import type { RowIssue, RowReason } from '../reasons.js';
import type { SourceRecord } from './contract.js';
import { parseFormattedNumber, parseLooseDatetime } from './formats.js';

export type Issues = RowIssue[];

const issue = (issues: Issues, code: RowReason, field: string, message: string): undefined => {
  issues.push({ code, field, message });
  return undefined;
};

/** A value as a message quotes it: text as it is, anything else as JSON, clipped to 60 characters. */
export const show = (value: unknown): string => {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 60 ? `${text.slice(0, 57)}...` : text;
};

/** A field's value from CSV columns or from a JSON object's own property. */
export function fieldOf(record: SourceRecord, name: string): unknown {
  if (record.cells !== undefined) {
    const at = record.columns?.get(name);
    return at === undefined ? undefined : record.cells[at];
  }
  if (record.fields) return record.fields[name];
  const raw = record.raw;
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw) && Object.hasOwn(raw, name)) {
    return (raw as Record<string, unknown>)[name];
  }
  return undefined;
}

/**
 * Reads a fixed list of fields into `out`, in order. CSV positions are looked up
 * once per file (its records share one `columns`), not once per field and row.
 */
export function fieldPicker(names: readonly string[]): (record: SourceRecord, out: unknown[]) => void {
  let columns: ReadonlyMap<string, number> | undefined;
  let at: number[] = [];
  const n = names.length;
  return (record, out) => {
    const cells = record.cells;
    if (cells === undefined) {
      for (let i = 0; i < n; i++) out[i] = fieldOf(record, names[i] as string);
      return;
    }
    if (record.columns !== columns) {
      columns = record.columns;
      at = names.map((name) => columns?.get(name) ?? -1);
    }
    for (let i = 0; i < n; i++) {
      const position = at[i] as number;
      out[i] = position < 0 ? undefined : cells[position];
    }
  };
}

export const isBlank = (value: unknown): boolean =>
  value === undefined || value === null || (typeof value === 'string' && value.trim() === '');

export function readText(value: unknown, field: string, issues: Issues): string | undefined {
  if (isBlank(value)) return issue(issues, 'missing_field', field, `${field} is required`);
  if (typeof value !== 'string' && typeof value !== 'number') {
    return issue(issues, 'malformed_row', field, `${field} must be text, got ${show(value)}`);
  }
  return String(value).trim();
}

// Plain decimals only: thousands separators, hex, "NaN" and "Infinity" are refused.
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * `123`, `-4.5`, `.5`: the shape nearly every price takes, checked without a regex
 * because ingest does this six times a row. Anything else goes the long way.
 */
const POWERS_OF_TEN = Array.from({ length: 23 }, (_, i) => 10 ** i);

/**
 * `123`, `-4.5`, `.5`: the shape nearly every price takes, read without a regex or
 * string-to-number conversion because ingest does this six times a row. When the
 * digits fit in 2^53 and there are at most 22 decimals, integer / 10^decimals is
 * one correctly rounded IEEE division of exact operands, the same double Number()
 * gives (Clinger's fast path). NaN means "take the long way".
 */
function plainDecimal(text: string): number {
  const length = text.length;
  if (length === 0 || length > 17) return Number.NaN;
  const negative = text.charCodeAt(0) === 45;
  let mantissa = 0;
  let digits = 0;
  let decimals = -1;
  for (let i = negative ? 1 : 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      mantissa = mantissa * 10 + (c - 48);
      digits++;
      if (decimals >= 0) decimals++;
    } else if (c === 46 && decimals < 0) {
      decimals = 0;
    } else {
      return Number.NaN;
    }
  }
  // 15 digits at most keeps the mantissa below 2^53.
  if (digits === 0 || digits > 15) return Number.NaN;
  const value = decimals > 0 ? mantissa / (POWERS_OF_TEN[decimals] as number) : mantissa;
  return negative ? -value : value;
}

/**
 * A finite number from a JSON number or a decimal string; undefined and an issue
 * otherwise. `formatted` also takes `$1,199.00` and `63,152,400` (parseFormattedNumber).
 */
export function readNumber(
  value: unknown,
  field: string,
  issues: Issues,
  formatted = false,
): number | undefined {
  if (typeof value === 'number') {
    return Number.isFinite(value)
      ? value
      : issue(issues, 'not_a_number', field, `${field} is not a finite number: ${show(value)}`);
  }
  if (typeof value === 'string') {
    const fast = plainDecimal(value);
    if (!Number.isNaN(fast)) return fast;
  }
  if (isBlank(value)) return issue(issues, 'missing_field', field, `${field} is required`);
  if (typeof value !== 'string') {
    return issue(issues, 'not_a_number', field, `${field} is not a number: ${show(value)}`);
  }
  const text = value.trim();
  const parsed = DECIMAL.test(text) ? Number(text) : formatted ? parseFormattedNumber(text) : Number.NaN;
  if (!Number.isFinite(parsed)) {
    return issue(issues, 'not_a_number', field, `${field} is not a finite decimal number: ${show(value)}`);
  }
  return parsed;
}

export function readNonNegative(value: unknown, field: string, issues: Issues): number | undefined {
  const n = readNumber(value, field, issues);
  if (n !== undefined && n < 0) return issue(issues, 'negative_number', field, `${field} is negative: ${n}`);
  return n;
}

/**
 * A number that must lie within [min, max]. An out-of-range number is reported and
 * still returned, so cross-field rules (diastolic <= systolic) can judge it too.
 */
export function readInRange(
  value: unknown,
  field: string,
  min: number,
  max: number,
  issues: Issues,
): number | undefined {
  const n = readNumber(value, field, issues);
  if (n !== undefined && (n < min || n > max)) {
    issues.push({
      code: 'out_of_range',
      field,
      message: `${field} must be between ${min} and ${max} (given ${n})`,
    });
  }
  return n;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

const isLeap = (year: number): boolean => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

export function isRealDate(year: number, month: number, day: number): boolean {
  // Written so NaN fails every comparison.
  if (!(year >= 1 && month >= 1 && month <= 12 && day >= 1)) return false;
  const days = month === 2 && isLeap(year) ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);
  return day <= days;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's algorithm); Date.UTC maps years 0-99 to 19xx. */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

const secondsOf = (year: number, month: number, day: number, hh = 0, mm = 0, ss = 0): number =>
  daysFromCivil(year, month, day) * 86_400 + hh * 3600 + mm * 60 + ss;

const DATETIME = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}):(\d{2}))?$/;

export interface MarketDatetime {
  /** ISO 8601 without zone: `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SS` (exchange local time). */
  readonly iso: string;
  /** Seconds since 1970-01-01 of the wall-clock value, for ordering and duplicate checks. */
  readonly seconds: number;
}

/** The digit at `i`, or NaN: fixed-width dates are read by position, and NaN fails every range check. */
export const digitAt = (text: string, i: number): number => {
  const d = text.charCodeAt(i) - 48;
  return d >= 0 && d <= 9 ? d : Number.NaN;
};

export const twoDigits = (text: string, i: number): number => digitAt(text, i) * 10 + digitAt(text, i + 1);

/**
 * The exact shapes Twelve Data sends, read by position without a regex; undefined
 * for anything else (including impossible dates), which then takes the checked path.
 */
function fixedWidthDatetime(text: string): MarketDatetime | undefined {
  const length = text.length;
  if ((length !== 10 && length !== 19) || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45)
    return undefined;
  const year = twoDigits(text, 0) * 100 + twoDigits(text, 2);
  const month = twoDigits(text, 5);
  const day = twoDigits(text, 8);
  if (!isRealDate(year, month, day)) return undefined;
  if (length === 10) return { iso: text, seconds: secondsOf(year, month, day) };
  const sep = text.charCodeAt(10);
  if ((sep !== 32 && sep !== 84) || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58)
    return undefined;
  const hh = twoDigits(text, 11);
  const mm = twoDigits(text, 14);
  const ss = twoDigits(text, 17);
  if (!(hh <= 23 && mm <= 59 && ss <= 59)) return undefined;
  const iso = sep === 84 ? text : `${text.slice(0, 10)}T${text.slice(11)}`;
  return { iso, seconds: secondsOf(year, month, day, hh, mm, ss) };
}

/**
 * `YYYY-MM-DD` or `YYYY-MM-DD HH:MM:SS` (a `T` separator is accepted too), a real
 * date and time. With `loose`, also what parseLooseDatetime reads (instants with
 * a zone in UTC, epoch seconds or milliseconds, unambiguous spreadsheet dates).
 */
export function readMarketDatetime(
  value: unknown,
  field: string,
  issues: Issues,
  loose = false,
): MarketDatetime | undefined {
  if (typeof value === 'string') {
    const fast = fixedWidthDatetime(value);
    if (fast) return fast;
  }
  const text = readText(value, field, issues);
  if (text === undefined) return undefined;
  const m = DATETIME.exec(text);
  if (!m && loose) {
    const read = parseLooseDatetime(text);
    if (typeof read !== 'string') return read;
    if (read === 'ambiguous') {
      return issue(
        issues,
        'invalid_datetime',
        field,
        `${field} ${show(text)} could be month/day or day/month; write YYYY-MM-DD`,
      );
    }
  }
  if (!m) {
    return issue(
      issues,
      'invalid_datetime',
      field,
      `${field} must be YYYY-MM-DD or YYYY-MM-DD HH:MM:SS (given ${show(text)})`,
    );
  }
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const [hh, mm, ss] = [Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)];
  if (!isRealDate(year, month, day) || hh > 23 || mm > 59 || ss > 59) {
    return issue(issues, 'invalid_date', field, `${field} is not a real date and time (given ${show(text)})`);
  }
  const seconds = secondsOf(year, month, day, hh, mm, ss);
  const iso = m[4] === undefined ? text : `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}`;
  return { iso, seconds };
}

// Offsets are required: a reading without a zone cannot be placed in time.
// A space for the `T` with an offset is how pandas writes an instant (`2025-09-18 08:06:23.359844+00:00`).
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** An ISO-8601 instant with a zone, normalized to UTC `...Z` with milliseconds. */
export function readTimestamp(value: unknown, field: string, issues: Issues): string | undefined {
  const text = readText(value, field, issues);
  if (text === undefined) return undefined;
  const m = TIMESTAMP.exec(text);
  // pandas pairs the space with a numeric offset; `... 08:06:23Z` is no shape any writer uses, and stays refused.
  const valid =
    m !== null &&
    !(text.charCodeAt(10) === 32 && m[8] === 'Z') &&
    isRealDate(Number(m[1]), Number(m[2]), Number(m[3])) &&
    Number(m[4]) <= 23 &&
    Number(m[5]) <= 59 &&
    Number(m[6]) <= 59;
  const ms = valid
    ? Date.parse(text.charCodeAt(10) === 32 ? `${text.slice(0, 10)}T${text.slice(11)}` : text)
    : Number.NaN;
  if (!Number.isFinite(ms)) {
    return issue(
      issues,
      'invalid_timestamp',
      field,
      `${field} must be an ISO-8601 timestamp with a zone (given ${show(text)})`,
    );
  }
  return new Date(ms).toISOString();
}

/** JSON.stringify(text), skipping its escaping pass when no character needs one (most cells). */
export function quoteJson(text: string): string {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // Controls, the quote, the backslash, and surrogates (a lone one is escaped).
    if (c < 32 || c === 34 || c === 92 || (c >= 0xd800 && c <= 0xdfff)) return JSON.stringify(text);
  }
  return `"${text}"`;
}

/**
 * The JSON text of `value`, which was read from `raw`. For a plain decimal string
 * (at most 15 digits) the canonical text is cut out of the source instead of
 * printed from the double: the same characters Number#toString would produce,
 * because doubles keep every decimal of 15 digits apart, at a fraction of the cost.
 */
export function numberText(raw: unknown, value: number): string {
  if (typeof raw !== 'string') return String(value);
  const length = raw.length;
  if (length === 0 || length > 17) return String(value);
  const negative = raw.charCodeAt(0) === 45;
  let start = negative ? 1 : 0;
  let dot = -1;
  let digits = 0;
  for (let i = start; i < length; i++) {
    const c = raw.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else if (c === 46 && dot < 0) dot = i;
    else return String(value);
  }
  if (digits === 0 || digits > 15) return String(value);
  const intEnd = dot < 0 ? length : dot;
  while (start < intEnd - 1 && raw.charCodeAt(start) === 48) start++;
  let end = length;
  if (dot >= 0) {
    while (end > dot + 1 && raw.charCodeAt(end - 1) === 48) end--;
    if (end === dot + 1) end = dot;
  }
  const first = negative ? 1 : 0;
  // Already canonical (most cells are): the cell itself, with nothing cut or joined.
  if (start === first && end === length && start < intEnd && !(negative && value === 0)) {
    const small = raw.charCodeAt(start) === 48 && dot >= 0 && raw.startsWith('000000', dot + 1);
    if (!small) return raw;
  }
  const integer = start < intEnd ? raw.slice(start, intEnd) : '0';
  const fraction = end > intEnd ? raw.slice(intEnd, end) : '';
  if (integer === '0') {
    if (fraction === '') return '0';
    // Below 1e-6 Number#toString switches to exponent notation.
    if (fraction.startsWith('.000000')) return String(value);
  }
  return negative ? `-${integer}${fraction}` : `${integer}${fraction}`;
}
