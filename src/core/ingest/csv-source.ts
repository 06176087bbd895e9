/**
 * Streams decoded CSV text into batches of source items (csv-records.ts
 * tokenizes: plain lines itself, the rest with csv-parse).
 *
 * Each incoming chunk is tokenized at once and its records mapped, so the cost
 * of async iteration is paid per chunk, never per row. Rows are mapped to the
 * header by position (no `columns`, no `cast`: both cost time and the
 * validators read strings anyway).
 */
import type { CsvError } from 'csv-parse';
import type {
  DatasetContract,
  ParseLimits,
  PlainPath,
  PlainRowWriter,
  ReadContext,
  ReadItem,
  SourceItem,
  SourceRecord,
} from '../datasets/contract.js';
import { UnreadableFileError } from '../errors.js';
import {
  type CsvLayout,
  delimiterOf,
  exactLayout,
  firstLineOf,
  type HeaderResolution,
  headerFits,
  headerNamesOf,
  resolveHeader,
} from './csv-header.js';
import { CsvRecords, leadingBreaks } from './csv-records.js';

const COMMA = 44;

/** What the CSV source itself can reject, in the words of a contract's `rules`. */
export const CSV_SOURCE_RULES = [
  'each row has exactly as many fields as the header (malformed_row)',
  'a copy of the header row inside the data is rejected (repeated_header)',
] as const;

const normalizeName = (name: string): string => name.trim().toLowerCase();

const show = (text: string): string => JSON.stringify(text.length > 200 ? `${text.slice(0, 197)}...` : text);

const layoutOf = (header: readonly string[] | CsvLayout): CsvLayout =>
  'columns' in header ? header : exactLayout(header as readonly string[]);

/** Whether the first non-blank line of a file's start names the layout's required columns, in any order. */
export function sniffCsvHeader(prefix: string, header: readonly string[] | CsvLayout): boolean {
  return headerFits(resolveHeader(headerNamesOf(firstLineOf(prefix)), layoutOf(header)));
}

const list = (names: readonly string[]): string => names.map((n) => JSON.stringify(n)).join(', ');

/** Why a file's header cannot be read under a layout, or undefined when it can. */
function headerProblem(resolution: HeaderResolution, layout: CsvLayout): string | undefined {
  const problems: string[] = [];
  if (resolution.missing.length > 0) problems.push(`missing required column(s) ${list(resolution.missing)}`);
  if (resolution.repeated.length > 0) problems.push(`column(s) ${list(resolution.repeated)} named twice`);
  if (layout.extra === 'freeze' && resolution.extras.length > 0) {
    problems.push(`column(s) ${list(resolution.extras)} not in the contract (evolution policy freeze)`);
  }
  if (resolution.matched === 0 && problems.length === 0) problems.push('no column of the contract');
  return problems.length > 0 ? problems.join('; ') : undefined;
}

/** Turns parsed records into source items: header check, line numbers, field positions. */
class RecordMapper {
  private readonly header: readonly string[];
  /** The file's own header names, normalized, to recognize a repeated header row. */
  private names: readonly string[] = [];
  /** Contract column name → its position in a record's cells; one map for the whole file. */
  private columns: ReadonlyMap<string, number> = new Map();
  /** Values for contract columns the file lacks, appended to every record's cells. */
  private defaults: readonly string[] = [];
  /** Positions of columns the contract does not know, with their names as the file gives them. */
  private extras: ReadonlyArray<readonly [number, string]> = [];
  /** The line on which the text after the last record begins. */
  private line = 1;
  private index = 0;
  headerSeen = false;
  /** The validator's plain-row path, once the header is the contract's columns in declared order. */
  private writer: PlainRowWriter | undefined;

  constructor(
    private readonly layout: CsvLayout,
    private readonly plain?: PlainPath,
  ) {
    this.header = layout.columns.map((c) => c.name);
  }

  /** Offers a plain line to the plain-row path; true when it took the row. */
  takePlain(bytes: Uint8Array, start: number, end: number, lead: number): boolean {
    const writer = this.writer;
    if (writer === undefined || this.startsAsHeader(bytes, start, end)) return false;
    if (!writer.take(bytes, start, end)) return false;
    this.index++;
    this.line += lead + 1;
    return true;
  }

  /** Puts the rows the plain path took since the last call into `out`, in their place. */
  flushTaken(out: ReadItem[]): void {
    const taken = this.writer?.drain();
    if (taken !== undefined) out.push(taken);
  }

  map(record: string[], text: string, lead: number, breaks: number, out: ReadItem[]): void {
    this.flushTaken(out);
    const line = this.line + lead;
    this.line += breaks;
    if (!this.headerSeen) {
      // White space before the header is no header yet (a file of blank lines is empty, not foreign).
      if (text.trim() === '') return;
      this.readHeader(record, text, line);
      return;
    }
    const index = ++this.index;
    if (record.length !== this.names.length) {
      const message = `expected ${this.names.length} fields, got ${record.length}`;
      out.push({ kind: 'rejected', index, line, raw: text, issues: [{ code: 'malformed_row', message }] });
      return;
    }
    if (this.isHeader(record)) {
      const message = 'the header row is repeated inside the data';
      out.push({ kind: 'rejected', index, line, raw: text, issues: [{ code: 'repeated_header', message }] });
      return;
    }
    let extra: Record<string, string> | undefined;
    if (this.extras.length > 0) {
      if (this.layout.extra === 'evolve') {
        // No prototype: an unknown column named `__proto__` stays an ordinary member.
        extra = Object.create(null) as Record<string, string>;
        for (const [at, name] of this.extras) extra[name] = record[at] as string;
      } else if (this.layout.extra === 'discard_row') {
        const unexpected = this.extras.find(([at]) => (record[at] as string).trim() !== '')?.[1];
        if (unexpected !== undefined) {
          const message = `column ${JSON.stringify(unexpected)} is not in the contract (evolution policy discard_row)`;
          const issues = [{ code: 'unexpected_column', field: unexpected, message }] as const;
          out.push({ kind: 'rejected', index, line, raw: text, issues });
          return;
        }
      }
    }
    for (const value of this.defaults) record.push(value);
    const columns = this.columns;
    const item: SourceRecord =
      extra === undefined
        ? { kind: 'record', index, line, raw: text, cells: record, columns }
        : { kind: 'record', index, line, raw: text, cells: record, columns, extra };
    out.push(this.plain === undefined ? item : this.plain.judge(item));
  }

  private readHeader(record: readonly string[], text: string, line: number): void {
    const resolution = resolveHeader(record, this.layout);
    const problem = headerProblem(resolution, this.layout);
    if (problem !== undefined) {
      throw new UnreadableFileError(
        'dataset_mismatch',
        `expected the CSV header ${show(this.header.join(','))}, found ${show(text)} on line ${line}: ${problem}`,
      );
    }
    this.names = record.map(normalizeName);
    const columns = new Map<string, number>();
    const extras: Array<readonly [number, string]> = [];
    resolution.positions.forEach((name, at) => {
      if (name === undefined) extras.push([at, (record[at] as string).trim()]);
      else columns.set(name, at);
    });
    const defaults: string[] = [];
    for (const [name, value] of Object.entries(this.layout.defaults ?? {})) {
      if (columns.has(name)) continue;
      columns.set(name, record.length + defaults.length);
      defaults.push(value);
    }
    this.columns = columns;
    this.defaults = defaults;
    this.extras = extras;
    this.headerSeen = true;
    const inOrder =
      record.length === this.header.length &&
      this.header.every((name, at) => resolution.positions[at] === name);
    this.writer = inOrder ? this.plain?.plainRows() : undefined;
  }

  /**
   * Whether the row's first cell is the header's first name: a repeated header may
   * hold only text an all-text contract would take, so such rows take the string path.
   */
  private startsAsHeader(bytes: Uint8Array, start: number, end: number): boolean {
    const name = this.names[0] as string;
    const stop = start + name.length;
    if (stop > end || (stop < end && bytes[stop] !== COMMA)) return false;
    for (let i = 0; i < name.length; i++) {
      const c = bytes[start + i] as number;
      if ((c >= 65 && c <= 90 ? c + 32 : c) !== name.charCodeAt(i)) return false;
    }
    return true;
  }

  private isHeader(record: readonly string[]): boolean {
    if (record.length !== this.names.length) return false;
    for (let i = 0; i < record.length; i++) {
      const name = this.names[i] as string;
      const value = (record[i] as string).trim();
      // Comparing lengths first spares every data row a lower-cased copy.
      if (value.length !== name.length || value.toLowerCase() !== name) return false;
    }
    return true;
  }

  /** The file-level error for a csv-parse failure, naming the line its record starts on. */
  malformed(error: unknown, limits: ParseLimits): UnreadableFileError {
    const csvError = error as Partial<CsvError> & { raw?: unknown };
    const line = this.line + (typeof csvError.raw === 'string' ? leadingBreaks(csvError.raw) : 0);
    const where = `the record starting on line ${line}`;
    const why =
      csvError.code === 'CSV_QUOTE_NOT_CLOSED'
        ? `a quoted field in ${where} is never closed`
        : csvError.code === 'CSV_MAX_RECORD_SIZE'
          ? `${where} is longer than the limit of ${limits.maxRecordChars} characters`
          : `${where} cannot be parsed: ${csvError.message ?? String(error)}`;
    return new UnreadableFileError('malformed_csv', `malformed CSV: ${why}`, { cause: error });
  }
}

const isHighSurrogate = (code: number): boolean => code >= 0xd800 && code <= 0xdbff;

/**
 * Streams CSV text whose first record is a header naming the layout's columns
 * (a plain list: exactly those, in any order) into batches of items: one
 * SourceRecord per data row, or a SourceReject for a row of the wrong width, a
 * repeated header, or a value in an unknown column under `discard_row`. Throws
 * UnreadableFileError when the header does not fit the layout (dataset_mismatch),
 * the text cannot be tokenized (malformed_csv), or has no header at all (empty_file).
 */
export function readCsv(
  text: AsyncIterable<string>,
  header: readonly string[] | CsvLayout,
  limits: ParseLimits,
): AsyncIterable<SourceItem[]>;
/** The same, with plain rows taken on their bytes and every other record judged as met (PlainPath). */
export function readCsv(
  text: AsyncIterable<string>,
  header: readonly string[] | CsvLayout,
  limits: ParseLimits,
  plain: PlainPath | undefined,
): AsyncIterable<ReadItem[]>;
export async function* readCsv(
  text: AsyncIterable<string>,
  header: readonly string[] | CsvLayout,
  limits: ParseLimits,
  plain?: PlainPath,
): AsyncIterable<ReadItem[]> {
  const layout = layoutOf(header);
  const mapper = new RecordMapper(layout, plain);
  let batch: ReadItem[] = [];
  // The delimiter is the header's: known once the first text arrives.
  const records = new CsvRecords(
    limits,
    (record, text, lead, breaks) => mapper.map(record, text, lead, breaks, batch),
    (start) => layout.delimiter ?? delimiterOf(firstLineOf(start)),
    plain === undefined ? undefined : (bytes, start, end, lead) => mapper.takePlain(bytes, start, end, lead),
  );
  // A mapping failure (a wrong header) is the file's answer as it stands; anything else is csv-parse's.
  const tokenizing = (error: unknown): never => {
    throw error instanceof UnreadableFileError ? error : mapper.malformed(error, limits);
  };
  const feed = async (chunk: string): Promise<ReadItem[]> => {
    await records.write(chunk).catch(tokenizing);
    mapper.flushTaken(batch);
    const done = batch;
    batch = [];
    return done;
  };
  try {
    // Strings become UTF-8 bytes inside the parser: a surrogate pair split across
    // chunks must be joined first or it would turn into two replacement characters.
    let carry = '';
    for await (const chunk of text) {
      let piece = carry + chunk;
      carry = '';
      if (piece.length > 0 && isHighSurrogate(piece.charCodeAt(piece.length - 1))) {
        carry = piece.slice(-1);
        piece = piece.slice(0, -1);
      }
      if (piece.length === 0) continue;
      const items = await feed(piece);
      if (items.length > 0) yield items;
    }
    if (carry.length > 0) {
      const items = await feed(carry);
      if (items.length > 0) yield items;
    }
    await records.end().catch(tokenizing);
    mapper.flushTaken(batch);
    if (batch.length > 0) yield batch;
    if (!mapper.headerSeen) {
      throw new UnreadableFileError(
        'empty_file',
        `the CSV has no header line (expected ${show(layout.columns.map((c) => c.name).join(','))})`,
      );
    }
  } finally {
    records.destroy();
  }
}

/** The half of a CSV dataset contract that only depends on its columns. */
export function csvFormat(
  header: readonly string[] | CsvLayout,
): Pick<DatasetContract, 'format' | 'header' | 'layout' | 'sniff' | 'read' | 'readTaking'> {
  const layout = layoutOf(header);
  const withDefaults = (context: ReadContext | undefined): CsvLayout => {
    const defaults = { ...layout.defaults, ...context?.defaults };
    return Object.keys(defaults).length > 0 ? { ...layout, defaults } : layout;
  };
  return {
    format: 'csv',
    header: layout.columns.map((c) => c.name),
    layout,
    sniff: (prefix) => sniffCsvHeader(prefix, layout),
    read: (text, limits, context) => readCsv(text, withDefaults(context), limits),
    readTaking: (text, limits, context, plain) => readCsv(text, withDefaults(context), limits, plain),
  };
}
