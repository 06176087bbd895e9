/**
 * One reader per declared column, compiled once per contract: the type, formats,
 * null tokens and checks are turned into a closure, so validating a row runs no
 * interpretation of the column's document. A reader appends the issues it finds
 * and returns the normalized value, null for "no value", or undefined when the
 * row cannot keep one.
 */
import { digitAt, type Issues, isRealDate, readNumber, show, twoDigits } from '../datasets/fields.js';
import { parseLooseDatetime } from '../datasets/formats.js';
import { compileDateFormat, escapeRegex, toUtcMs, zoneOf } from './datetime.js';
import type { ColumnDocument } from './document.js';

export type ColumnReader = (value: unknown, issues: Issues) => unknown;

/** A column's bounds in words, as its messages and its rule give them. */
export const describeRange = (c: ColumnDocument): string => {
  const low = c.min === undefined ? '' : `${c.exclusive_min ? 'above' : 'at least'} ${c.min}`;
  const high = c.max === undefined ? '' : `${c.exclusive_max ? 'below' : 'at most'} ${c.max}`;
  if (c.min !== undefined && c.max !== undefined && !c.exclusive_min && !c.exclusive_max) {
    return `between ${c.min} and ${c.max}`;
  }
  return [low, high].filter((part) => part !== '').join(' and ');
};

/** A number outside min/max is reported and still returned, so cross-field rules can judge it too. */
function rangeCheck(column: ColumnDocument): ((n: number, issues: Issues) => void) | undefined {
  const { min, max, exclusive_min, exclusive_max, name } = column;
  if (min === undefined && max === undefined) return undefined;
  const code = column.range_reason ?? 'out_of_range';
  const bounds = describeRange(column);
  const lo = min ?? Number.NEGATIVE_INFINITY;
  const hi = max ?? Number.POSITIVE_INFINITY;
  return (n, issues) => {
    const below = exclusive_min ? n <= lo : n < lo;
    const above = exclusive_max ? n >= hi : n > hi;
    if (below || above) issues.push({ code, field: name, message: `${name} must be ${bounds} (given ${n})` });
  };
}

/** Text with a number format: currency sign, thousands separator and decimal mark as declared. */
function formattedNumber(format: NonNullable<ColumnDocument['number']>): (text: string) => number {
  const group = format.thousands === undefined ? '' : `(?:${escapeRegex(format.thousands)}\\d{3})*`;
  const integer = format.thousands === undefined ? '\\d+' : `(?:\\d{1,3}${group}|\\d+)`;
  const before = format.currency ? '(?:[$€£¥]\\s?)?' : '';
  const after = format.currency ? '(?:\\s?[$€£¥])?' : '';
  const shape = new RegExp(
    `^${before}([+-])?${before}(${integer})(?:${escapeRegex(format.decimal)}(\\d+))?${after}$`,
    'u',
  );
  const thousands = format.thousands;
  return (text) => {
    const m = shape.exec(text.trim());
    if (!m) return Number.NaN;
    const whole = thousands === undefined ? (m[2] as string) : (m[2] as string).replaceAll(thousands, '');
    return Number(`${m[1] ?? ''}${whole}${m[3] === undefined ? '' : `.${m[3]}`}`);
  };
}

/** Plain `.`-decimal files and `$1,199.00`-style money take readNumber's fast path and messages. */
function readsWithReadNumber(column: ColumnDocument): boolean {
  const format = column.number;
  if (format === undefined) return true;
  const money = format.decimal === '.' && format.thousands === ',' && format.currency;
  return money || (format.decimal === '.' && format.thousands === undefined && !format.currency);
}

/**
 * Whether a value of this column can be printed from its source text with
 * numberText: it was read by readNumber, so a text of digits and one dot is the
 * decimal the value is (a `1.234` written with `.` thousands is not).
 */
export const printsAsWritten = (column: ColumnDocument): boolean =>
  (column.type === 'number' || column.type === 'integer') && readsWithReadNumber(column);

function numberReader(
  column: ColumnDocument,
  integer: boolean,
): (value: unknown, issues: Issues) => number | undefined {
  const { name } = column;
  const format = column.number;
  const money = format?.decimal === '.' && format.thousands === ',' && format.currency;
  const parse = readsWithReadNumber(column)
    ? undefined
    : formattedNumber(format as NonNullable<ColumnDocument['number']>);
  const code = column.reason ?? 'not_a_number';
  return (value, issues) => {
    let n: number | undefined;
    if (parse !== undefined && typeof value === 'string') {
      n = parse(value);
      if (!Number.isFinite(n)) {
        issues.push({
          code,
          field: name,
          message: `${name} is not a number as the contract writes them: ${show(value)}`,
        });
        return undefined;
      }
    } else {
      const before = issues.length;
      n = readNumber(value, name, issues, money === true);
      if (n === undefined) {
        if (column.reason !== undefined)
          for (let i = before; i < issues.length; i++) issues[i] = { ...(issues[i] as Issues[number]), code };
        return undefined;
      }
    }
    if (integer && !Number.isInteger(n)) {
      issues.push({ code, field: name, message: `${name} must be a whole number (given ${show(value)})` });
      return undefined;
    }
    return n;
  };
}

const TRUE = new Set(['true', 'yes', 'y', '1', 't']);
const FALSE = new Set(['false', 'no', 'n', '0', 'f']);

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const SPREADSHEET_DATE = /^\d{1,2}[/.]\d{1,2}[/.]\d{4}$/;
// pandas writes a space for the `T` with a numeric offset; a space with `Z` is no writer's shape.
const INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})([T ])(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;
const NAIVE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?)?$/;
const EPOCH_DIGITS = /^-?\d{1,16}(?:\.\d+)?$/;

function dateReader(column: ColumnDocument): (text: string) => string | undefined {
  const formats = column.formats.map(compileDateFormat);
  return (text) => {
    const m = DATE.exec(text);
    if (m) return isRealDate(Number(m[1]), Number(m[2]), Number(m[3])) ? text : undefined;
    for (const format of formats) {
      const parts = format(text);
      if (parts && isRealDate(parts.year, parts.month, parts.day)) {
        return `${String(parts.year).padStart(4, '0')}-${String(parts.month).padStart(2, '0')}-${String(parts.day).padStart(2, '0')}`;
      }
    }
    if (column.loose && SPREADSHEET_DATE.test(text)) {
      const loose = parseLooseDatetime(text);
      if (typeof loose !== 'string') return loose.iso;
    }
    return undefined;
  };
}

/**
 * Whether the text is already what the reader would print: `YYYY-MM-DDTHH:MM:SS.sssZ`,
 * a real date and time. Most machine-written instants are, and parsing them into a
 * Date and printing it again costs more than the rest of their row.
 */
export function isCanonicalInstant(text: string): boolean {
  if (text.length !== 24) return false;
  // - - T : : . Z
  if (
    text.charCodeAt(4) !== 45 ||
    text.charCodeAt(7) !== 45 ||
    text.charCodeAt(10) !== 84 ||
    text.charCodeAt(13) !== 58 ||
    text.charCodeAt(16) !== 58 ||
    text.charCodeAt(19) !== 46 ||
    text.charCodeAt(23) !== 90
  ) {
    return false;
  }
  // Written so a NaN (a character that is no digit) fails every comparison.
  return (
    twoDigits(text, 11) <= 23 &&
    twoDigits(text, 14) <= 59 &&
    twoDigits(text, 17) <= 59 &&
    twoDigits(text, 20) * 10 + digitAt(text, 22) >= 0 &&
    isRealDate(twoDigits(text, 0) * 100 + twoDigits(text, 2), twoDigits(text, 5), twoDigits(text, 8))
  );
}

function datetimeReader(column: ColumnDocument): (value: unknown) => string | undefined {
  const zone = column.timezone === undefined ? undefined : zoneOf(column.timezone);
  const formats = column.formats.map(compileDateFormat);
  const epoch = column.epoch;
  const fromEpoch = (n: number): string | undefined => {
    const ms = epoch === 's' ? n * 1000 : epoch === 'ms' ? n : Math.abs(n) < 1e11 ? n * 1000 : n;
    const date = new Date(ms);
    return Number.isFinite(date.getTime()) && Math.abs(ms) < 8.64e15 ? date.toISOString() : undefined;
  };
  return (value) => {
    if (typeof value === 'number') return epoch === undefined ? undefined : fromEpoch(value);
    if (typeof value !== 'string') return undefined;
    const text = value.trim();
    if (isCanonicalInstant(text)) return text;
    const instant = INSTANT.exec(text);
    if (instant) {
      const z = (instant[9] as string).toUpperCase();
      if (instant[4] === ' ' && z === 'Z') return undefined;
      if (
        !isRealDate(Number(instant[1]), Number(instant[2]), Number(instant[3])) ||
        Number(instant[5]) > 23 ||
        Number(instant[6]) > 59 ||
        Number(instant[7] ?? 0) > 59
      ) {
        return undefined;
      }
      // The common shape Date.parse reads as it is: a T, seconds, and Z or a ±HH:MM offset.
      if (instant[4] === 'T' && instant[7] !== undefined && (z === 'Z' || z.length === 6)) {
        const ms = Date.parse(text);
        return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
      }
      const offset = z === 'Z' ? 'Z' : `${z.slice(0, 3)}:${z.slice(-2)}`;
      const ms = Date.parse(
        `${text.slice(0, 10)}T${instant[5]}:${instant[6]}:${instant[7] ?? '00'}${(instant[8] ?? '').slice(0, 4)}${offset}`,
      );
      return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
    }
    if (epoch !== undefined && EPOCH_DIGITS.test(text)) return fromEpoch(Number(text));
    if (zone === undefined) return undefined;
    const naive = NAIVE.exec(text);
    const parts = naive
      ? {
          year: Number(naive[1]),
          month: Number(naive[2]),
          day: Number(naive[3]),
          hour: Number(naive[4] ?? 0),
          minute: Number(naive[5] ?? 0),
          second: Number(naive[6] ?? 0),
          ms: naive[7] === undefined ? 0 : Math.round(Number(`0${naive[7]}`) * 1000),
        }
      : (formats.map((f) => f(text)).find((p) => p !== undefined) ?? looseParts(column, text));
    if (parts === undefined || !isRealDate(parts.year, parts.month, parts.day)) return undefined;
    if (parts.hour > 23 || parts.minute > 59 || parts.second > 59) return undefined;
    const ms = toUtcMs(parts, zone);
    return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
  };
}

function looseParts(column: ColumnDocument, text: string) {
  if (!column.loose) return undefined;
  const loose = parseLooseDatetime(text);
  if (typeof loose === 'string') return undefined;
  const [date, time = '00:00:00'] = loose.iso.split('T') as [string, string?];
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const [hour, minute, second] = time.split(':').map(Number) as [number, number, number];
  return { year, month, day, hour, minute, second, ms: 0 };
}

/** The reason a value of the wrong type gets, unless its column declares one. */
export const TYPE_REASON: Record<ColumnDocument['type'], string> = {
  string: 'invalid_value',
  integer: 'not_a_number',
  number: 'not_a_number',
  boolean: 'not_a_boolean',
  date: 'invalid_date',
  datetime: 'invalid_datetime',
  epoch_s: 'invalid_datetime',
  epoch_ms: 'invalid_datetime',
  enum: 'invalid_value',
};

const TYPE_WORDS: Record<ColumnDocument['type'], string> = {
  string: 'text',
  integer: 'a whole number',
  number: 'a finite decimal number',
  boolean: 'true or false (yes/no, 1/0)',
  date: 'a real date YYYY-MM-DD',
  datetime: 'a date and time with a zone',
  epoch_s: 'epoch seconds',
  epoch_ms: 'epoch milliseconds',
  enum: 'one of the allowed values',
};

/** Compiles a column's document into its reader. */
export function compileColumn(column: ColumnDocument): ColumnReader {
  const { name, type } = column;
  const nullable = column.nullable ?? !column.required;
  const nullTokens = new Set(column.null_values.map((t) => t.trim().toUpperCase()));

  // Most columns know only the blank as "no value": a value that starts and ends with a
  // non-space character is then never null, decided without trimming.
  const onlyBlank = nullTokens.size === (nullTokens.has('') ? 1 : 0);
  const isNull = (value: unknown): boolean => {
    if (value === undefined || value === null) return true;
    if (typeof value !== 'string') return false;
    const length = value.length;
    if (length === 0) return true;
    if (onlyBlank && value.charCodeAt(0) > 32 && value.charCodeAt(length - 1) > 32) return false;
    const text = value.trim();
    return text === '' || nullTokens.has(text.toUpperCase());
  };
  const range = rangeCheck(column);
  const code = column.reason ?? TYPE_REASON[type];
  const invalid = (value: unknown, issues: Issues, why = `must be ${TYPE_WORDS[type]}`): null | undefined => {
    if (column.lenient) return null;
    issues.push({ code, field: name, message: `${name} ${why} (given ${show(value)})` });
    return undefined;
  };
  const typed = typedReader(column, invalid, range);
  return (value, issues) => {
    if (isNull(value)) {
      if (nullable) return null;
      issues.push({ code: 'missing_field', field: name, message: `${name} is required` });
      return undefined;
    }
    return typed(value, issues);
  };
}

type Invalid = (value: unknown, issues: Issues, why?: string) => null | undefined;

function typedReader(
  column: ColumnDocument,
  invalid: Invalid,
  range: ((n: number, issues: Issues) => void) | undefined,
): ColumnReader {
  const { name, type } = column;
  switch (type) {
    case 'integer':
    case 'number': {
      const read = numberReader(column, type === 'integer');
      return (value, issues) => {
        if (column.lenient) {
          const n = read(value, []);
          if (n === undefined) return null;
          range?.(n, issues);
          return n;
        }
        const n = read(value, issues);
        if (n !== undefined) range?.(n, issues);
        return n;
      };
    }
    case 'epoch_s':
    case 'epoch_ms': {
      const read = numberReader({ ...column, reason: column.reason ?? 'invalid_datetime' }, false);
      const scale = type === 'epoch_s' ? 1000 : 1;
      return (value, issues) => {
        const n = read(value, issues);
        if (n === undefined) return undefined;
        const date = new Date(n * scale);
        return Number.isFinite(date.getTime()) ? date.toISOString() : invalid(value, issues);
      };
    }
    case 'boolean':
      return (value, issues) => {
        if (typeof value === 'boolean') return value;
        const text = String(value).trim().toLowerCase();
        if (TRUE.has(text)) return true;
        if (FALSE.has(text)) return false;
        return invalid(value, issues);
      };
    case 'date': {
      const read = dateReader(column);
      return (value, issues) => {
        const date = typeof value === 'string' ? read(value.trim()) : undefined;
        return date ?? invalid(value, issues);
      };
    }
    case 'datetime': {
      const read = datetimeReader(column);
      return (value, issues) => read(value) ?? invalid(value, issues);
    }
    case 'enum': {
      const allowed = new Set(column.values);
      const list = (column.values ?? []).join(', ');
      return (value, issues) => {
        if (typeof value !== 'string' && typeof value !== 'number') return invalid(value, issues);
        const text = String(value).trim();
        return allowed.has(text) ? text : invalid(text, issues, `must be one of ${list}`);
      };
    }
    case 'string': {
      const pattern = column.pattern === undefined ? undefined : new RegExp(`^(?:${column.pattern})$`, 'u');
      const { min_length: minLength, max_length: maxLength } = column;
      const lengthCode = column.range_reason ?? 'out_of_range';
      return (value, issues) => {
        if (typeof value !== 'string' && typeof value !== 'number') {
          issues.push({
            code: 'malformed_row',
            field: name,
            message: `${name} must be text, got ${show(value)}`,
          });
          return undefined;
        }
        const text = String(value).trim();
        if (pattern !== undefined && !pattern.test(text)) {
          return invalid(text, issues, `must match ${column.pattern}`);
        }
        if (
          (minLength !== undefined && text.length < minLength) ||
          (maxLength !== undefined && text.length > maxLength)
        ) {
          issues.push({
            code: lengthCode,
            field: name,
            message: `${name} must be ${minLength ?? 0} to ${maxLength ?? '∞'} characters long (given ${text.length})`,
          });
        }
        return text;
      };
    }
  }
}
