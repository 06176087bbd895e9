/**
 * A streaming JSON scanner over string chunks. It checks the syntax of all of the
 * input (RFC 8259) but materializes only the values its handler asks for, one at a
 * time, so memory stays at one value (at most `maxRecordChars`) plus one byte per
 * level of nesting (at most `maxDepth`), however large the input.
 *
 * The handler walks the document top-down: for each value inside a container it
 * descended into, it picks a Plan. `descend` reports the container's members one by
 * one, `elements` captures each member of the container as a parsed value (the hot
 * path for a long array of records), `capture` parses the value whole, `skip` only
 * checks it. Nesting is tracked in a byte array, never by recursion.
 */
import type { ParseLimits } from '../datasets/contract.js';
import { SluiceError, UnreadableFileError } from '../errors.js';

export const Plan = { skip: 0, capture: 1, descend: 2, elements: 3 } as const;
export type Plan = (typeof Plan)[keyof typeof Plan];

export type JsonKind = 'object' | 'array' | 'string' | 'number' | 'boolean' | 'null';

/** Characters of an oversized value kept for the report. */
export const PREVIEW_CHARS = 200;

export interface JsonScanHandler {
  /**
   * A value starts directly inside a container opened with `descend` (or at the root,
   * where `key` is undefined). `key` is the member name in an object, undefined in an
   * array. `descend` and `elements` on a scalar skip it.
   */
  plan(key: string | undefined, kind: JsonKind): Plan;
  /**
   * A value planned `capture`, or a member of an `elements` container, was parsed.
   * `duplicates` is set when the value is an object that names a member twice.
   */
  value(key: string | undefined, value: unknown, duplicates?: DuplicateMembers): void;
  /** Such a value was longer than `maxRecordChars`: checked, not kept; `preview` is its start. */
  tooLarge(key: string | undefined, preview: string): void;
  /** The innermost container opened with `descend` or `elements` has closed. */
  close(): void;
}

/**
 * An object that names a member more than once: JSON.parse keeps only the last value,
 * so the names and the source text are what is left to show what the input said.
 */
export interface DuplicateMembers {
  readonly names: readonly string[];
  readonly text: string;
}

/**
 * The member names records usually have, in order, and how to build such a record.
 * An object literal with fixed keys is about twice as fast to create as assigning
 * keys one by one, and the per-record allocation is the scanner's main cost.
 */
export interface ElementShape {
  readonly keys: readonly string[];
  /** Builds the object whose members are `keys` with these values, in order. */
  build(values: readonly unknown[]): unknown;
}

// Grammar states between tokens, then states inside a token.
const VALUE = 0;
const VALUE_OR_CLOSE = 1;
const KEY_OR_CLOSE = 2;
const KEY = 3;
const COLON = 4;
const AFTER_VALUE = 5;
const DONE = 6;
const STRING = 7;
const ESCAPE = 8;
const UNICODE = 9;
const NUMBER = 10;
const LITERAL = 11;

// Number states: after '-', '0', integer digits, '.', fraction digits, 'e', exponent sign, exponent digits.
const N_MINUS = 0;
const N_ZERO = 1;
const N_INT = 2;
const N_DOT = 3;
const N_FRAC = 4;
const N_EXP = 5;
const N_EXP_SIGN = 6;
const N_EXP_DIGITS = 7;

const OBJECT = 1;
const ARRAY = 2;

const EXPECTED: Readonly<Record<number, string>> = {
  [VALUE]: 'a value',
  [VALUE_OR_CLOSE]: "a value or ']'",
  [KEY_OR_CLOSE]: "a member name in double quotes or '}'",
  [KEY]: 'a member name in double quotes',
  [COLON]: "':'",
  [DONE]: 'the end of the input after the root value',
};

// Most characters are above the space: one comparison rejects them.
const isWhitespace = (c: number): boolean => c <= 32 && (c === 32 || c === 10 || c === 13 || c === 9);
const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isHex = (c: number): boolean => isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);

function kindOf(c: number): JsonKind | undefined {
  if (c === 123) return 'object';
  if (c === 91) return 'array';
  if (c === 34) return 'string';
  if (c === 45 || isDigit(c)) return 'number';
  if (c === 116 || c === 102) return 'boolean';
  if (c === 110) return 'null';
  return undefined;
}

function describe(c: number): string {
  if (c < 32 || c === 127) return `control character U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
  return `character ${JSON.stringify(String.fromCharCode(c))}`;
}

/** Index of the quote closing a string without escapes or control characters, or -1. */
function plainStringEnd(s: string, j: number): number {
  const n = s.length;
  for (; j < n; j++) {
    const c = s.charCodeAt(j);
    if (c === 34) return j;
    if (c < 32 || c === 92) return -1;
  }
  return -1;
}

/** Index just after a JSON number starting at `j`, or -1 if invalid or it may go on past the chunk. */
function numberEnd(s: string, j: number): number {
  let c = s.charCodeAt(j);
  if (c === 45) c = s.charCodeAt(++j);
  if (c === 48) c = s.charCodeAt(++j);
  else if (c >= 49 && c <= 57) {
    do c = s.charCodeAt(++j);
    while (c >= 48 && c <= 57);
  } else return -1;
  if (c === 46) {
    c = s.charCodeAt(++j);
    if (!(c >= 48 && c <= 57)) return -1;
    do c = s.charCodeAt(++j);
    while (c >= 48 && c <= 57);
  }
  if (c === 101 || c === 69) {
    c = s.charCodeAt(++j);
    if (c === 43 || c === 45) c = s.charCodeAt(++j);
    if (!(c >= 48 && c <= 57)) return -1;
    do c = s.charCodeAt(++j);
    while (c >= 48 && c <= 57);
  }
  return j < s.length ? j : -1;
}

/** An object with these members, as JSON.parse builds it (last duplicate wins, `__proto__` an own key). */
function plainObject(keys: readonly string[], values: readonly unknown[], count: number): object {
  const out: Record<string, unknown> = {};
  for (let k = 0; k < count; k++) {
    const key = keys[k] as string;
    if (key === '__proto__') {
      Object.defineProperty(out, key, {
        value: values[k],
        writable: true,
        enumerable: true,
        configurable: true,
      });
    } else {
      out[key] = values[k];
    }
  }
  return out;
}

export class JsonScanner {
  private readonly handler: JsonScanHandler;
  private readonly maxDepth: number;
  private readonly maxRecordChars: number;
  private readonly shapeKeys: readonly string[];
  private readonly build: ((values: readonly unknown[]) => unknown) | undefined;

  private state = VALUE;
  private numberState = N_MINUS;
  private literal = '';
  private literalAt = 0;
  private hexLeft = 0;
  private stringIsKey = false;

  /** Container types of the open levels: OBJECT or ARRAY. Grows on demand up to maxDepth. */
  private types = new Uint8Array(64);
  private depth = 0;
  /** How many of the outermost open levels were opened with descend/elements, and which. */
  private descended = 0;
  private readonly modes: number[] = [];

  /** The member name for the value about to start, when its object was descended. */
  private key: string | undefined;
  private keyCollecting = false;
  private keyStart = 0;
  private keyPieces: string[] = [];
  private keyLength = 0;
  private keyEscaped = false;

  /** A captured or skipped value in progress: it ends when depth is back to regionDepth. */
  private inRegion = false;
  private regionDepth = 0;
  private capturing = false;
  private regionKey: string | undefined;
  private regionStart = 0;
  private pieces: string[] = [];
  private piecesLength = 0;
  private preview: string | undefined;
  /** Member names read directly inside a captured object, to tell duplicates from JSON.parse's result. */
  private regionMembers = 0;

  private readonly fastKeys: string[] = [];
  private readonly fastValues: unknown[] = [];
  private fastValue: unknown;

  private chunk = '';
  /** Where the current chunk starts, for error positions. */
  private offset = 0;
  private line = 1;
  private lineStart = 0;

  constructor(handler: JsonScanHandler, limits: ParseLimits, shape?: ElementShape) {
    this.handler = handler;
    this.maxDepth = limits.maxDepth;
    this.maxRecordChars = limits.maxRecordChars;
    this.shapeKeys = shape?.keys ?? [];
    this.build = shape?.build;
    for (const key of this.shapeKeys) {
      if (plainStringEnd(`${key}"`, 0) !== key.length) {
        throw new SluiceError(
          'INGEST.INVALID_SHAPE',
          `a shape's member names are matched as written: ${JSON.stringify(key)} needs escaping`,
        );
      }
    }
  }

  /** Scans the next piece of text; handler calls happen before it returns. */
  write(chunk: string): void {
    this.chunk = chunk;
    this.regionStart = 0;
    this.keyStart = 0;
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      switch (this.state) {
        case STRING:
          i = this.inString(chunk, i);
          break;
        case ESCAPE:
          i = this.inEscape(chunk, i);
          break;
        case UNICODE:
          if (!isHex(chunk.charCodeAt(i))) this.fail(i, 'a hexadecimal digit of a \\u escape');
          if (--this.hexLeft === 0) this.state = STRING;
          i++;
          break;
        case NUMBER:
          i = this.inNumber(chunk, i);
          break;
        case LITERAL:
          if (chunk.charCodeAt(i) !== this.literal.charCodeAt(this.literalAt)) {
            this.fail(i, `'${this.literal}'`);
          }
          i = ++this.literalAt === this.literal.length ? this.valueDone(i + 1) : i + 1;
          break;
        default:
          i = this.between(chunk, i);
      }
    }
    this.keepOpenText(chunk);
    this.countLines(chunk);
  }

  /** Declares the input complete: throws unless exactly one whole JSON value was seen. */
  end(): void {
    this.chunk = '';
    this.regionStart = 0;
    const n = this.numberState;
    if (this.state === NUMBER && (n === N_ZERO || n === N_INT || n === N_FRAC || n === N_EXP_DIGITS)) {
      this.valueDone(0);
    }
    if (this.state === DONE) return;
    const { line, column } = this.position(0);
    const where =
      this.state === STRING || this.state === ESCAPE || this.state === UNICODE
        ? ' inside a string'
        : this.depth > 0
          ? ` with ${this.depth} open ${this.depth === 1 ? 'container' : 'containers'}`
          : '';
    const what =
      this.offset === 0 || (this.depth === 0 && this.state === VALUE) ? 'before any value' : 'early';
    throw new UnreadableFileError(
      'truncated_json',
      `The JSON ends ${what}${where} at line ${line}, column ${column}: the input is cut short.`,
    );
  }

  private between(s: string, i: number): number {
    const c = s.charCodeAt(i);
    if (isWhitespace(c)) return i + 1;
    switch (this.state) {
      case VALUE:
        return this.startValue(s, i, c);
      case VALUE_OR_CLOSE:
        return c === 93 ? this.closeContainer(i) : this.startValue(s, i, c);
      case KEY_OR_CLOSE:
        if (c === 125) return this.closeContainer(i);
        return this.startKey(i, c);
      case KEY:
        return this.startKey(i, c);
      case COLON:
        if (c !== 58) this.fail(i, EXPECTED[COLON] as string);
        this.state = VALUE;
        return i + 1;
      case AFTER_VALUE: {
        const top = this.types[this.depth - 1];
        if (c === 44) {
          this.state = top === OBJECT ? KEY : VALUE;
          return i + 1;
        }
        if (c === 93 && top === ARRAY) return this.closeContainer(i);
        if (c === 125 && top === OBJECT) return this.closeContainer(i);
        return this.fail(i, top === OBJECT ? "',' or '}'" : "',' or ']'");
      }
      default:
        return this.fail(i, EXPECTED[DONE] as string);
    }
  }

  private startKey(i: number, c: number): number {
    if (c !== 34) this.fail(i, EXPECTED[this.state] as string);
    this.state = STRING;
    this.stringIsKey = true;
    if (!this.inRegion) {
      this.keyCollecting = true;
      this.keyStart = i + 1;
      this.keyPieces = [];
      this.keyLength = 0;
      this.keyEscaped = false;
    }
    return i + 1;
  }

  private startValue(s: string, i: number, c: number): number {
    const kind = kindOf(c);
    if (kind === undefined) return this.fail(i, EXPECTED[this.state] as string);
    if (!this.inRegion) {
      const inObject = this.depth > 0 && this.types[this.depth - 1] === OBJECT;
      const key = inObject ? this.key : undefined;
      let plan: Plan;
      if (this.descended > 0 && this.modes[this.descended] === Plan.elements) {
        if (c === 123 && !inObject && this.depth < this.maxDepth) {
          const next = this.fastElements(s, i);
          if (next !== i) return next;
        }
        plan = Plan.capture;
      } else {
        plan = this.handler.plan(key, kind);
      }
      if (plan === Plan.descend || plan === Plan.elements) {
        if (kind === 'object' || kind === 'array') {
          this.open(i, kind === 'object' ? OBJECT : ARRAY);
          this.descended = this.depth;
          this.modes[this.depth] = plan;
          return i + 1;
        }
        plan = Plan.skip;
      }
      this.inRegion = true;
      this.regionDepth = this.depth;
      this.capturing = plan === Plan.capture;
      this.regionKey = key;
      this.regionStart = i;
      this.pieces = [];
      this.piecesLength = 0;
      this.preview = undefined;
      this.regionMembers = 0;
    }
    switch (kind) {
      case 'object':
      case 'array':
        this.open(i, kind === 'object' ? OBJECT : ARRAY);
        return i + 1;
      case 'string':
        this.state = STRING;
        this.stringIsKey = false;
        return i + 1;
      case 'number':
        this.state = NUMBER;
        this.numberState = c === 45 ? N_MINUS : c === 48 ? N_ZERO : N_INT;
        return i + 1;
      default:
        this.state = LITERAL;
        this.literal = c === 116 ? 'true' : c === 102 ? 'false' : 'null';
        this.literalAt = 1;
        return i + 1;
    }
  }

  private open(i: number, type: number): void {
    if (this.depth >= this.maxDepth) {
      const { line, column } = this.position(i);
      throw new UnreadableFileError(
        'nesting_too_deep',
        `The JSON nests deeper than ${this.maxDepth} levels at line ${line}, column ${column}.`,
      );
    }
    if (this.depth === this.types.length) {
      const grown = new Uint8Array(Math.min(this.types.length * 2, this.maxDepth));
      grown.set(this.types);
      this.types = grown;
    }
    this.types[this.depth++] = type;
    this.state = type === OBJECT ? KEY_OR_CLOSE : VALUE_OR_CLOSE;
  }

  /** Called only where the grammar state already proved the bracket closes the innermost level. */
  private closeContainer(i: number): number {
    this.depth--;
    if (this.depth < this.descended) {
      this.descended = this.depth;
      this.handler.close();
    }
    return this.valueDone(i + 1);
  }

  /** A value ended just before `end`; returns where scanning resumes. */
  private valueDone(end: number): number {
    if (this.inRegion && this.depth === this.regionDepth) this.endRegion(end);
    this.state = this.depth === 0 ? DONE : AFTER_VALUE;
    return end;
  }

  private endRegion(end: number): void {
    this.inRegion = false;
    if (!this.capturing) return;
    const tail = this.chunk.slice(this.regionStart, end);
    const length = this.piecesLength + tail.length;
    if (this.preview !== undefined || length > this.maxRecordChars) {
      const start = this.preview ?? this.pieces.join('');
      const preview = (start + tail.slice(0, PREVIEW_CHARS)).slice(0, PREVIEW_CHARS);
      this.pieces = [];
      this.handler.tooLarge(this.regionKey, preview);
      return;
    }
    const text = this.pieces.length === 0 ? tail : this.pieces.join('') + tail;
    this.pieces = [];
    const value: unknown = JSON.parse(text);
    // Fewer own keys than member names read means JSON.parse dropped a repeated member.
    const duplicated =
      this.regionMembers > 0 && Object.keys(value as object).length < this.regionMembers
        ? { names: repeatedNames(text, this.maxDepth, this.maxRecordChars), text }
        : undefined;
    this.handler.value(this.regionKey, value, duplicated);
  }

  private inString(s: string, i: number): number {
    const n = s.length;
    for (let j = i; j < n; j++) {
      const c = s.charCodeAt(j);
      if (c === 34) {
        if (!this.stringIsKey) return this.valueDone(j + 1);
        if (this.keyCollecting) this.endKey(s, j);
        else if (this.capturing && this.inRegion && this.depth === this.regionDepth + 1) this.regionMembers++;
        this.state = COLON;
        return j + 1;
      }
      if (c === 92) {
        this.state = ESCAPE;
        if (this.keyCollecting) this.keyEscaped = true;
        return j + 1;
      }
      if (c < 32) this.fail(j, 'a closing quote (control characters must be escaped inside strings)');
    }
    return n;
  }

  private inEscape(s: string, i: number): number {
    const c = s.charCodeAt(i);
    if (c === 117) {
      this.state = UNICODE;
      this.hexLeft = 4;
    } else if (
      c === 34 ||
      c === 92 ||
      c === 47 ||
      c === 98 ||
      c === 102 ||
      c === 110 ||
      c === 114 ||
      c === 116
    ) {
      this.state = STRING;
    } else {
      this.fail(i, 'an escape: one of \\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX');
    }
    return i + 1;
  }

  private endKey(s: string, j: number): void {
    this.keyCollecting = false;
    const raw = this.keyPieces.join('') + s.slice(this.keyStart, j);
    if (this.keyLength + j - this.keyStart > this.maxRecordChars) {
      // Such a name cannot be one the handler looks for; its start still tells it apart.
      this.key = raw.slice(0, PREVIEW_CHARS);
    } else {
      this.key = this.keyEscaped ? (JSON.parse(`"${raw}"`) as string) : raw;
    }
  }

  private inNumber(s: string, i: number): number {
    const n = s.length;
    let state = this.numberState;
    let j = i;
    for (; j < n; j++) {
      const c = s.charCodeAt(j);
      const digit = isDigit(c);
      switch (state) {
        case N_MINUS:
          if (!digit) this.fail(j, 'a digit');
          state = c === 48 ? N_ZERO : N_INT;
          continue;
        case N_DOT:
          if (!digit) this.fail(j, 'a digit after the decimal point');
          state = N_FRAC;
          continue;
        case N_EXP:
          if (c === 43 || c === 45) state = N_EXP_SIGN;
          else if (digit) state = N_EXP_DIGITS;
          else this.fail(j, 'a sign or digit of the exponent');
          continue;
        case N_EXP_SIGN:
          if (!digit) this.fail(j, 'a digit of the exponent');
          state = N_EXP_DIGITS;
          continue;
        case N_INT:
          if (digit) continue;
          break;
        case N_FRAC:
        case N_EXP_DIGITS:
          if (digit) continue;
          if (state === N_FRAC && (c === 101 || c === 69)) {
            state = N_EXP;
            continue;
          }
          return this.valueDone(j);
      }
      // N_ZERO and N_INT may go on with a fraction or an exponent.
      if (c === 46) state = N_DOT;
      else if (c === 101 || c === 69) state = N_EXP;
      else return this.valueDone(j);
    }
    this.numberState = state;
    return n;
  }

  /**
   * The hot path: parses a run of flat objects (string, number, true, false, null
   * members, no escapes) that lie whole in this chunk, without per-character state.
   * Anything else is left to the general state machine, which starts over from the
   * element the fast path could not finish.
   */
  private fastElements(s: string, i: number): number {
    // A read past the end of the chunk deoptimizes this loop, once for every place that
    // reads. An element starting after the chunk's last '}' cannot end in it, and the
    // text after a '}' that is the last one is left to the general path, so none does.
    const last = s.lastIndexOf('}');
    let at = i;
    for (;;) {
      const end = at < last ? this.fastObject(s, at) : -1;
      if (end < 0) {
        this.state = VALUE;
        return at;
      }
      this.handler.value(undefined, this.fastValue);
      this.state = AFTER_VALUE;
      if (end > last) return end;
      let c = s.charCodeAt(end);
      let j = end;
      while (isWhitespace(c)) c = s.charCodeAt(++j);
      if (c !== 44) return j;
      this.state = VALUE;
      c = s.charCodeAt(++j);
      while (isWhitespace(c)) c = s.charCodeAt(++j);
      if (c !== 123) return j;
      at = j;
    }
  }

  private fastObject(s: string, i: number): number {
    const keys = this.fastKeys;
    const values = this.fastValues;
    const shape = this.shapeKeys;
    let matches = true;
    let count = 0;
    let j = i + 1;
    let c = s.charCodeAt(j);
    while (isWhitespace(c)) c = s.charCodeAt(++j);
    if (c !== 125) {
      for (;;) {
        if (c !== 34) return -1;
        const k0 = j + 1;
        // While the names follow the shape they are neither scanned nor sliced out: a shape
        // name holds no quote, backslash or control character, so the input's name is that
        // name exactly when its characters follow the opening quote and a quote follows them.
        const expected = matches ? shape[count] : undefined;
        if (
          expected !== undefined &&
          s.charCodeAt(k0 + expected.length) === 34 &&
          s.startsWith(expected, k0)
        ) {
          j = k0 + expected.length;
        } else {
          j = plainStringEnd(s, k0);
          if (j < 0) return -1;
          if (matches) {
            matches = false;
            for (let k = 0; k < count; k++) keys[k] = shape[k] as string;
          }
          keys[count] = s.slice(k0, j);
        }
        c = s.charCodeAt(++j);
        while (isWhitespace(c)) c = s.charCodeAt(++j);
        if (c !== 58) return -1;
        c = s.charCodeAt(++j);
        while (isWhitespace(c)) c = s.charCodeAt(++j);
        if (c === 34) {
          const v0 = j + 1;
          j = plainStringEnd(s, v0);
          if (j < 0) return -1;
          values[count] = s.slice(v0, j);
          j++;
        } else if (c === 45 || (c >= 48 && c <= 57)) {
          const e = numberEnd(s, j);
          if (e < 0) return -1;
          values[count] = Number(s.slice(j, e));
          j = e;
        } else if (c === 116 && s.startsWith('true', j)) {
          values[count] = true;
          j += 4;
        } else if (c === 102 && s.startsWith('false', j)) {
          values[count] = false;
          j += 5;
        } else if (c === 110 && s.startsWith('null', j)) {
          values[count] = null;
          j += 4;
        } else {
          return -1;
        }
        count++;
        c = s.charCodeAt(j);
        while (isWhitespace(c)) c = s.charCodeAt(++j);
        if (c === 44) {
          c = s.charCodeAt(++j);
          while (isWhitespace(c)) c = s.charCodeAt(++j);
          continue;
        }
        if (c !== 125) return -1;
        break;
      }
    }
    const end = j + 1;
    if (end - i > this.maxRecordChars) return -1;
    // The general path reports repeated names; while the names follow the shape there are none.
    if (!matches && hasRepeat(keys, count)) return -1;
    if (matches && count === shape.length && this.build !== undefined) {
      this.fastValue = this.build(values);
    } else {
      if (matches) for (let k = 0; k < count; k++) keys[k] = shape[k] as string;
      this.fastValue = plainObject(keys, values, count);
    }
    return end;
  }

  /** Keeps the part of an unfinished value or member name that lies in this chunk. */
  private keepOpenText(s: string): void {
    if (this.inRegion && this.capturing) {
      const tail = s.slice(this.regionStart);
      if (this.preview !== undefined) {
        if (this.preview.length < PREVIEW_CHARS) this.preview = (this.preview + tail).slice(0, PREVIEW_CHARS);
      } else {
        this.pieces.push(tail);
        this.piecesLength += tail.length;
        if (this.piecesLength > this.maxRecordChars) {
          this.preview = this.pieces.join('').slice(0, PREVIEW_CHARS);
          this.pieces = [];
        }
      }
    }
    if (this.keyCollecting) {
      const tail = s.slice(this.keyStart);
      this.keyLength += tail.length;
      this.keyPieces.push(tail);
      if (this.keyLength > this.maxRecordChars)
        this.keyPieces = [this.keyPieces.join('').slice(0, PREVIEW_CHARS)];
    }
  }

  private countLines(s: string): void {
    let nl = s.indexOf('\n');
    while (nl >= 0) {
      this.line++;
      this.lineStart = this.offset + nl + 1;
      nl = s.indexOf('\n', nl + 1);
    }
    this.offset += s.length;
  }

  /** 1-based line and column (in UTF-16 code units) of index `i` of the current chunk. */
  private position(i: number): { line: number; column: number } {
    let line = this.line;
    let lineStart = this.lineStart;
    let nl = this.chunk.indexOf('\n');
    while (nl >= 0 && nl < i) {
      line++;
      lineStart = this.offset + nl + 1;
      nl = this.chunk.indexOf('\n', nl + 1);
    }
    return { line, column: this.offset + i - lineStart + 1 };
  }

  private fail(i: number, expected: string): never {
    const { line, column } = this.position(i);
    throw new UnreadableFileError(
      'malformed_json',
      `Unexpected ${describe(this.chunk.charCodeAt(i))} at line ${line}, column ${column}: expected ${expected}.`,
    );
  }
}

function hasRepeat(keys: readonly string[], count: number): boolean {
  // Quadratic only while it is cheaper than a Set: a record with 100,000 names must stay linear.
  if (count > 16) return new Set(keys.slice(0, count)).size < count;
  for (let a = 1; a < count; a++) {
    for (let b = 0; b < a; b++) if (keys[a] === keys[b]) return true;
  }
  return false;
}

const SKIP_ALL: JsonScanHandler = {
  plan: () => Plan.skip,
  value: () => undefined,
  tooLarge: () => undefined,
  close: () => undefined,
};

/**
 * Checks that `text` is one JSON document no deeper than `limits.maxDepth`, building
 * nothing: JSON.parse of 6 MB of `[[[[…` builds three million arrays and holds the
 * event loop for seconds. Throws the scanner's UnreadableFileError otherwise.
 */
export function checkJsonSyntax(text: string, limits: ParseLimits): void {
  const scanner = new JsonScanner(SKIP_ALL, limits);
  scanner.write(text);
  scanner.end();
}

/** The member names an object's JSON text repeats, each once, in order of first repeat. */
function repeatedNames(text: string, maxDepth: number, maxRecordChars: number): string[] {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  let atRoot = true;
  const scanner = new JsonScanner(
    {
      plan(key) {
        if (atRoot) {
          atRoot = false;
          return Plan.descend;
        }
        if (key !== undefined) {
          if (seen.has(key)) repeated.add(key);
          seen.add(key);
        }
        return Plan.skip;
      },
      value: () => undefined,
      tooLarge: () => undefined,
      close: () => undefined,
    },
    { maxDepth, maxRecordChars },
  );
  scanner.write(text);
  scanner.end();
  return [...repeated];
}
