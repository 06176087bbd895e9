/**
 * Streams JSON records of a user-described dataset: one object, an array of
 * objects, or JSON lines (one object per line). Which of the three a file is
 * shows in its first line: a line that is a whole object, or an object's line
 * too long to hold, starts JSON lines (a one-line single object reads the same
 * either way); anything else is one JSON value, scanned with the streaming
 * scanner so an array of any length never sits in memory whole.
 */
import type { ParseLimits, SourceItem, SourceRecord } from '../datasets/contract.js';
import { reservedMember } from '../datasets/twelvedata-ohlcv.js';
import { UnreadableFileError } from '../errors.js';
import { type DuplicateMembers, type JsonKind, JsonScanner, Plan } from '../ingest/json-scanner.js';
import type { RowIssue } from '../reasons.js';
import { repeatedTopLevelNames, topLevelMemberCount } from './top-members.js';

const SLICE_CHARS = 1_048_576;
/** What a reject keeps of a record too long to read. */
const PREVIEW_CHARS = 200;

class Records {
  readonly batch: SourceItem[] = [];
  private count = 0;

  constructor(private readonly maxRecordChars: number) {}

  element(raw: unknown, line?: number, duplicates?: DuplicateMembers): void {
    if (duplicates !== undefined) {
      const names = duplicates.names.map((n) => JSON.stringify(n)).join(', ');
      this.reject(duplicates.text, line, {
        code: 'duplicate_key',
        message: `the record names ${names} more than once, so which value is meant is ambiguous; raw is its source text`,
      });
    } else if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      const kind = raw === null ? 'null' : Array.isArray(raw) ? 'an array' : typeof raw;
      this.reject(raw, line, { code: 'malformed_row', message: `a record must be an object, got ${kind}` });
    } else if (reservedMember(raw) !== undefined) {
      this.reject(raw, line, {
        code: 'reserved_key',
        message: `the record has a member named ${JSON.stringify(reservedMember(raw))}, which sluice never reads as data`,
      });
    } else {
      const record: SourceRecord =
        line === undefined
          ? { kind: 'record', index: ++this.count, raw }
          : { kind: 'record', index: ++this.count, line, raw };
      this.batch.push(record);
    }
  }

  tooLarge(preview: string, line?: number): void {
    this.reject(preview, line, {
      code: 'row_too_large',
      message: `the record is longer than ${this.maxRecordChars} characters; raw keeps its first ${preview.length}`,
    });
  }

  reject(raw: unknown, line: number | undefined, issue: RowIssue): void {
    this.batch.push(
      line === undefined
        ? { kind: 'rejected', index: ++this.count, raw, issues: [issue] }
        : { kind: 'rejected', index: ++this.count, line, raw, issues: [issue] },
    );
  }

  take(): SourceItem[] {
    return this.batch.splice(0, this.batch.length);
  }
}

/** The scanner's handler for one value: an array's elements, or the root object itself. */
function valueHandler(records: Records) {
  let depth = 0;
  return {
    plan(_key: string | undefined, kind: JsonKind): Plan {
      if (depth > 0) return Plan.skip;
      depth++;
      if (kind === 'array') return Plan.elements;
      if (kind === 'object') return Plan.capture;
      throw new UnreadableFileError(
        'unknown_dataset',
        `the JSON is a ${kind}, not an object or an array of objects`,
      );
    },
    value(_key: string | undefined, value: unknown, duplicates?: DuplicateMembers) {
      records.element(value, undefined, duplicates);
    },
    tooLarge(_key: string | undefined, preview: string) {
      records.tooLarge(preview);
    },
    close() {},
  };
}

/** Colons in the text, counted natively up to `most`. */
function colonsIn(text: string, most: number): number {
  let n = 0;
  for (let at = text.indexOf(':'); at !== -1 && n < most; at = text.indexOf(':', at + 1)) n++;
  return n;
}

/** The names a line's object gives twice, which JSON.parse quietly reduced to the last. */
function duplicatesIn(body: string, value: unknown): DuplicateMembers | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const members = Object.keys(value).length;
  // Each member written has a colon: with no colon to spare, none was written twice.
  if (colonsIn(body, members + 1) === members || topLevelMemberCount(body) === members) return undefined;
  return { names: repeatedTopLevelNames(body), text: body };
}

/** Reads whole lines of JSON-lines text; returns the number of the line after them. */
function jsonLines(records: Records, text: string, firstLine: number, limits: ParseLimits): number {
  let line = firstLine;
  let from = 0;
  while (from < text.length) {
    let end = text.indexOf('\n', from);
    if (end < 0) end = text.length;
    // The line as written counts, as for a line too long to hold (LineReader).
    if (end - from > limits.maxRecordChars) {
      records.tooLarge(text.slice(from, from + PREVIEW_CHARS).trim(), line);
      line++;
      from = end + 1;
      continue;
    }
    const body = text.slice(from, end).trim();
    if (body !== '') {
      try {
        const value: unknown = JSON.parse(body);
        records.element(value, line, duplicatesIn(body, value));
      } catch (error) {
        records.reject(body, line, {
          code: 'malformed_row',
          message: `line ${line} is not JSON: ${(error as Error).message}`,
        });
      }
    }
    line++;
    from = end + 1;
  }
  return line;
}

/**
 * JSON lines written in pieces: whole lines are read at once, the rest is held
 * for the next piece, but never more than a record may hold. A line past the
 * limit is rejected from its start and skipped to its end, so one endless line
 * costs no more memory than a record.
 */
class LineReader {
  private held = '';
  /** The number of the line `held` starts. */
  private line = 1;
  private skipping = false;

  constructor(
    private readonly records: Records,
    private readonly limits: ParseLimits,
  ) {}

  write(piece: string): void {
    let text = piece;
    if (this.skipping) {
      const lf = text.indexOf('\n');
      if (lf < 0) return;
      this.skipping = false;
      this.line++;
      text = text.slice(lf + 1);
    }
    const all = this.held + text;
    const cut = all.lastIndexOf('\n');
    this.held = all.slice(cut + 1);
    this.line = jsonLines(this.records, all.slice(0, cut + 1), this.line, this.limits);
    if (this.held.length > this.limits.maxRecordChars) {
      this.records.tooLarge(this.held.slice(0, PREVIEW_CHARS).trim(), this.line);
      this.held = '';
      this.skipping = true;
    }
  }

  /** Reads what is held, and `rest` after it, as the file's last lines. */
  end(rest = ''): void {
    if (this.skipping) return;
    jsonLines(this.records, this.held + rest, this.line, this.limits);
    this.held = '';
  }
}

const isWholeObject = (line: string): boolean => {
  const t = line.trim();
  if (!t.startsWith('{') || !t.endsWith('}')) return false;
  try {
    JSON.parse(t);
    return true;
  } catch {
    return false;
  }
};

export async function* readJsonRecords(
  text: AsyncIterable<string>,
  limits: ParseLimits,
): AsyncIterable<SourceItem[]> {
  const records = new Records(limits.maxRecordChars);
  let mode: 'lines' | 'value' | undefined;
  let pending = '';
  let scanner: JsonScanner | undefined;
  const lines = new LineReader(records, limits);
  for await (const chunk of text) {
    if (mode === undefined) {
      pending += chunk;
      const trimmed = pending.trimStart();
      const newline = trimmed.indexOf('\n');
      if (newline < 0 && pending.length < limits.maxRecordChars) continue;
      // An object whose first line runs past the limit reads as JSON lines: its line is rejected
      // row_too_large and skipped, and the lines after it read, as when the line arrives whole.
      // A lone object that large is one row_too_large either way.
      const tooLongObject = newline < 0 && trimmed.startsWith('{');
      mode =
        tooLongObject || isWholeObject(newline < 0 ? trimmed : trimmed.slice(0, newline)) ? 'lines' : 'value';
      if (mode === 'value') scanner = new JsonScanner(valueHandler(records), limits);
      const start = pending;
      pending = '';
      if (mode === 'value')
        for (let at = 0; at < start.length; at += SLICE_CHARS)
          scanner?.write(start.slice(at, at + SLICE_CHARS));
      else lines.write(start);
    } else if (mode === 'value') {
      for (let at = 0; at < chunk.length; at += SLICE_CHARS)
        scanner?.write(chunk.length <= SLICE_CHARS ? chunk : chunk.slice(at, at + SLICE_CHARS));
    } else lines.write(chunk);
    const batch = records.take();
    if (batch.length > 0) yield batch;
  }
  if (mode === undefined) {
    if (pending.trim() === '') throw new UnreadableFileError('empty_file', 'the JSON file has no records');
    mode = isWholeObject(pending) ? 'lines' : 'value';
    if (mode === 'value') {
      scanner = new JsonScanner(valueHandler(records), limits);
      scanner.write(pending);
      pending = '';
    }
  }
  if (mode === 'value') scanner?.end();
  else lines.end(pending);
  const last = records.take();
  if (last.length > 0) yield last;
}
