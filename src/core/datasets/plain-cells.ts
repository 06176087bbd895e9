/**
 * Reading the cells of a plain CSV row from its bytes, and writing its JSON line
 * as bytes: the parts a row's byte-level reader (a PlainRowWriter) is built from.
 *
 * Only ASCII text reaches here, so one byte is one character and a cell's bytes
 * are its text. Each reader accepts the one shape that is common and whose JSON
 * is the cell itself (a plain decimal, `YYYY-MM-DD`, a canonical instant, text
 * with nothing to escape); anything else is "not plain", and the row goes to the
 * contract's string path, which decides it with its own messages.
 */
import type { TakenRows } from './contract.js';
import { daysFromCivil, isRealDate } from './fields.js';

export const COMMA = 44;
const QUOTE = 34;
const BACKSLASH = 92;
const DASH = 45;
const DOT = 46;
const ZERO = 48;
const NINE = 57;
const LOWER_A = 97;
const LOWER_Z = 122;

const POWERS_OF_TEN = Array.from({ length: 16 }, (_, i) => 10 ** i);

/** Where the cell starting at `from` ends: the next comma, or `end`. */
export function cellEnd(bytes: Uint8Array, from: number, end: number): number {
  let i = from;
  while (i < end && bytes[i] !== COMMA) i++;
  return i;
}

/**
 * Whether the cell is text whose JSON is `"` + its bytes + `"`, as trimming and
 * quoteJson would make it: no space at either end, no control character, quote
 * or backslash.
 */
export function isPlainText(bytes: Uint8Array, from: number, to: number): boolean {
  if (to <= from || (bytes[from] as number) <= 32 || (bytes[to - 1] as number) <= 32) return false;
  for (let i = from; i < to; i++) {
    const c = bytes[i] as number;
    if (c < 32 || c === QUOTE || c === BACKSLASH) return false;
  }
  return true;
}

/** Whether the bytes spell `text` (ASCII), compared without making a string of them. */
export function spells(bytes: Uint8Array, from: number, to: number, text: Uint8Array): boolean {
  if (text.length !== to - from) return false;
  for (let i = 0; i < text.length; i++) if (bytes[from + i] !== text[i]) return false;
  return true;
}

/** Whether the bytes, upper-cased, spell `upper`: how null tokens (`N/A`, `null`) are matched. */
export function spellsUpper(bytes: Uint8Array, from: number, to: number, upper: Uint8Array): boolean {
  if (upper.length !== to - from) return false;
  for (let i = 0; i < upper.length; i++) {
    const c = bytes[from + i] as number;
    if ((c >= LOWER_A && c <= LOWER_Z ? c - 32 : c) !== upper[i]) return false;
  }
  return true;
}

const digit = (bytes: Uint8Array, at: number): number => {
  const d = (bytes[at] as number) - ZERO;
  return d >= 0 && d <= 9 ? d : Number.NaN;
};
const twoDigits = (bytes: Uint8Array, at: number): number => digit(bytes, at) * 10 + digit(bytes, at + 1);

/** Seconds since 1970 of a `YYYY-MM-DD` cell that is a real date; NaN for any other cell. */
export function plainDateSeconds(bytes: Uint8Array, from: number, to: number): number {
  if (to - from !== 10 || bytes[from + 4] !== DASH || bytes[from + 7] !== DASH) return Number.NaN;
  const year = twoDigits(bytes, from) * 100 + twoDigits(bytes, from + 2);
  const month = twoDigits(bytes, from + 5);
  const day = twoDigits(bytes, from + 8);
  return isRealDate(year, month, day) ? daysFromCivil(year, month, day) * 86_400 : Number.NaN;
}

/**
 * Seconds of a `HH:MM:SS` at `at` (a real time of day), NaN otherwise; the
 * wall clock of a `YYYY-MM-DD HH:MM:SS` market bar.
 */
export function plainTimeSeconds(bytes: Uint8Array, at: number): number {
  if (bytes[at + 2] !== 58 || bytes[at + 5] !== 58) return Number.NaN;
  const hh = twoDigits(bytes, at);
  const mm = twoDigits(bytes, at + 3);
  const ss = twoDigits(bytes, at + 6);
  return hh <= 23 && mm <= 59 && ss <= 59 ? hh * 3600 + mm * 60 + ss : Number.NaN;
}

/** isCanonicalInstant (values.ts) on bytes: `YYYY-MM-DDTHH:MM:SS.sssZ`, a real date and time. */
export function isCanonicalInstantCell(bytes: Uint8Array, from: number, to: number): boolean {
  if (to - from !== 24) return false;
  const b = from;
  if (
    bytes[b + 4] !== DASH ||
    bytes[b + 7] !== DASH ||
    bytes[b + 10] !== 84 ||
    bytes[b + 13] !== 58 ||
    bytes[b + 16] !== 58 ||
    bytes[b + 19] !== DOT ||
    bytes[b + 23] !== 90
  ) {
    return false;
  }
  return (
    twoDigits(bytes, b + 11) <= 23 &&
    twoDigits(bytes, b + 14) <= 59 &&
    twoDigits(bytes, b + 17) <= 59 &&
    twoDigits(bytes, b + 20) * 10 + digit(bytes, b + 22) >= 0 &&
    isRealDate(
      twoDigits(bytes, b) * 100 + twoDigits(bytes, b + 2),
      twoDigits(bytes, b + 5),
      twoDigits(bytes, b + 8),
    )
  );
}

/**
 * A plain decimal cell read on its bytes: `-?D+(.D+)?` with at most 15 digits and
 * no leading zero, whose JSON (Number#toString of the value) is the cell with the
 * fraction's trailing zeros cut. `read` returns false for any other cell, and for
 * the two whose JSON is not a cut of the cell: a negative zero and a value below 1e-6.
 */
export class PlainNumber {
  /** The value of the cell last read. */
  value = 0;
  /** Where the JSON of the cell last read ends (it starts where the cell does). */
  jsonEnd = 0;
  /** Whether the value last read has no fraction. */
  whole = true;

  read(bytes: Uint8Array, from: number, to: number): boolean {
    let i = from;
    const negative = bytes[i] === DASH;
    if (negative) i++;
    const intStart = i;
    let mantissa = 0;
    while (i < to) {
      const c = bytes[i] as number;
      if (c < ZERO || c > NINE) break;
      mantissa = mantissa * 10 + (c - ZERO);
      i++;
    }
    const intDigits = i - intStart;
    // `007` and `.5` are numbers too, but their JSON is not a cut of the cell.
    if (intDigits === 0 || (intDigits > 1 && bytes[intStart] === ZERO)) return false;
    let fraction = 0;
    let jsonEnd = i;
    if (i < to) {
      if (bytes[i] !== DOT) return false;
      i++;
      while (i < to) {
        const c = bytes[i] as number;
        if (c < ZERO || c > NINE) return false;
        mantissa = mantissa * 10 + (c - ZERO);
        fraction++;
        i++;
        if (c !== ZERO) jsonEnd = i;
      }
      if (fraction === 0) return false;
    }
    if (intDigits + fraction > 15) return false;
    const value = fraction === 0 ? mantissa : mantissa / (POWERS_OF_TEN[fraction] as number);
    if (value === 0 ? negative : intDigits === 1 && bytes[intStart] === ZERO && value < 1e-6) return false;
    this.value = negative ? -value : value;
    this.jsonEnd = jsonEnd;
    this.whole = jsonEnd === intStart + intDigits;
    return true;
  }
}

/**
 * Strings of the cells that name a row's group or key (symbol, user_id), made
 * once per distinct value: a file repeats a few hundred of them a million times.
 */
export class CellStrings {
  private readonly byHash = new Map<number, { readonly bytes: Uint8Array; readonly text: string }>();

  of(bytes: Uint8Array, from: number, to: number): string {
    let hash = to - from;
    for (let i = from; i < to; i++) hash = (hash * 31 + (bytes[i] as number)) | 0;
    const known = this.byHash.get(hash);
    if (known !== undefined && spells(bytes, from, to, known.bytes)) return known.text;
    const copy = new Uint8Array(bytes.subarray(from, to));
    const text = textOf(copy, 0, copy.length);
    // A file of unique ids would grow this without bound: past a limit, start again.
    if (this.byHash.size >= 65_536) this.byHash.clear();
    this.byHash.set(hash, { bytes: copy, text });
    return text;
  }
}

/** The largest block of JSON lines handed over at once. */
const BLOCK_BYTES = 64 * 1024;

/**
 * JSON lines written as bytes, with a mark to take a row back when a later cell
 * turns out not to be plain, and the group of each row kept.
 */
export class JsonLineBytes {
  private bytes: Uint8Array = Buffer.allocUnsafe(BLOCK_BYTES + 4096);
  length = 0;
  private groups: (string | undefined)[] = [];

  /** Room for a row of `rowBytes` bytes at most; false when it cannot be held (then the row is not plain). */
  reserve(rowBytes: number): boolean {
    if (this.length + rowBytes <= this.bytes.length) return true;
    if (rowBytes > BLOCK_BYTES) return false;
    const grown = Buffer.allocUnsafe(this.length + rowBytes + 4096);
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
    return true;
  }

  put(text: Uint8Array): void {
    // A loop: TypedArray#set costs more than it saves on a key's few bytes.
    const out = this.bytes;
    let at = this.length;
    for (let i = 0; i < text.length; i++) out[at++] = text[i] as number;
    this.length = at;
  }

  byte(c: number): void {
    this.bytes[this.length++] = c;
  }

  copy(source: Uint8Array, from: number, to: number): void {
    const out = this.bytes;
    let at = this.length;
    for (let i = from; i < to; i++) out[at++] = source[i] as number;
    this.length = at;
  }

  quoted(source: Uint8Array, from: number, to: number): void {
    this.bytes[this.length++] = QUOTE;
    this.copy(source, from, to);
    this.bytes[this.length++] = QUOTE;
  }

  /** Counts the row just written, with its group. */
  endRow(group: string | undefined): void {
    this.groups.push(group);
  }

  /** The rows written since the last drain, or undefined when there are none. */
  drain(): TakenRows | undefined {
    if (this.groups.length === 0) return undefined;
    // A full block keeps this buffer (the sink writes it as it is) and the next rows get a
    // fresh one; a few rows between declined ones are copied out instead.
    const full = this.length >= BLOCK_BYTES / 2;
    // (Buffer#slice would be a view: the copy is made by the Uint8Array constructor.)
    const part = this.bytes.subarray(0, this.length);
    const bytes = full ? part : new Uint8Array(part);
    const block: TakenRows = { kind: 'taken', bytes, groups: this.groups };
    if (full) this.bytes = Buffer.allocUnsafe(this.bytes.length);
    this.length = 0;
    this.groups = [];
    return block;
  }
}

const encoder = new TextEncoder();

/** UTF-8 bytes of fixed JSON pieces (keys, enum values): a column name need not be ASCII. */
export const utf8 = (text: string): Uint8Array => encoder.encode(text);

/** The text of ASCII bytes (a view, not a copy, is decoded). */
export const textOf = (bytes: Uint8Array, from: number, to: number): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset + from, to - from).toString('latin1');
