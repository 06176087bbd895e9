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
import type { DatasetContract, ParseLimits, SourceItem, SourceRecord } from '../datasets/contract.js';
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
import { CsvRecords, type ParsedRecord } from './csv-records.js';

/** What the CSV source itself can reject, in the words of a contract's `rules`. */
export const CSV_SOURCE_RULES = [
  'each row has exactly as many fields as the header (malformed_row)',
  'a copy of the header row inside the data is rejected (repeated_header)',
] as const;

const LF = 10;
const CR = 13;
const isBreak = (code: number): boolean => code === LF || code === CR;

/** Line breaks as an editor counts them: `\r\n`, `\n` or a lone `\r`. */
function countBreaks(text: string): number {
  // indexOf scans natively, several times faster than a charCodeAt loop.
  let breaks = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) breaks++;
  for (let i = text.indexOf('\r'); i !== -1; i = text.indexOf('\r', i + 1)) {
    if (text.charCodeAt(i + 1) !== LF) breaks++;
  }
  return breaks;
}

/**
 * csv-parse's raw text starts with one character for each blank line it skipped
 * before the record, and ends with the first character of the record's line break
 * (a `\r\n` break leaves `\r`). Returns where the record's own text begins.
 */
function leadingBreaks(raw: string): number {
  let n = 0;
  while (n < raw.length && isBreak(raw.charCodeAt(n))) n++;
  return n;
}

/** The raw text without the line break that ended it. */
function trailingBreakStart(raw: string, from: number): number {
  let end = raw.length;
  if (end > from && raw.charCodeAt(end - 1) === LF) end--;
  if (end > from && raw.charCodeAt(end - 1) === CR) end--;
  return end;
}

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

/** Turns parsed records into source items: header check, line numbers, field mapping. */
class RecordMapper {
  private readonly header: readonly string[];
  /** The file's own header names, normalized, to recognize a repeated header row. */
  private names: readonly string[] = [];
  /** The contract column each position feeds (undefined: a column the contract does not know). */
  private positions: readonly (string | undefined)[] = [];
  private extraNames: readonly string[] = [];
  /** The line on which the text after the last record begins. */
  private line = 1;
  private index = 0;
  headerSeen = false;

  constructor(private readonly layout: CsvLayout) {
    this.header = layout.columns.map((c) => c.name);
  }

  map(parsed: ParsedRecord, out: SourceItem[]): void {
    const { record, raw } = parsed;
    const lead = leadingBreaks(raw);
    const line = this.line + lead;
    this.line += countBreaks(raw);
    const text = raw.slice(lead, trailingBreakStart(raw, lead));
    if (!this.headerSeen) {
      // White space before the header is no header yet (a file of blank lines is empty, not foreign).
      if (text.trim() === '') return;
      const resolution = resolveHeader(record, this.layout);
      const problem = headerProblem(resolution, this.layout);
      if (problem !== undefined) {
        throw new UnreadableFileError(
          'dataset_mismatch',
          `expected the CSV header ${show(this.header.join(','))}, found ${show(text)} on line ${line}: ${problem}`,
        );
      }
      this.names = record.map(normalizeName);
      this.positions = resolution.positions;
      this.extraNames = record.map((name, i) => (resolution.positions[i] === undefined ? name.trim() : ''));
      this.headerSeen = true;
      return;
    }
    const index = ++this.index;
    if (record.length !== this.names.length) {
      const message = `expected ${this.names.length} fields, got ${record.length}`;
      out.push({ kind: 'rejected', index, line, raw: text, issues: [{ code: 'malformed_row', message }] });
    } else if (this.isHeader(record)) {
      const message = 'the header row is repeated inside the data';
      out.push({ kind: 'rejected', index, line, raw: text, issues: [{ code: 'repeated_header', message }] });
    } else {
      // No prototype: a column named `__proto__` stays an ordinary field.
      const fields: Record<string, string> = Object.create(null);
      let extra: Record<string, string> | undefined;
      let unexpected: string | undefined;
      for (let i = 0; i < record.length; i++) {
        const name = this.positions[i];
        if (name !== undefined) fields[name] = record[i] as string;
        else if (this.layout.extra === 'evolve') {
          extra ??= Object.create(null) as Record<string, string>;
          extra[this.extraNames[i] as string] = record[i] as string;
        } else if (this.layout.extra === 'discard_row' && (record[i] as string).trim() !== '') {
          unexpected ??= this.extraNames[i];
        }
      }
      if (this.layout.defaults) {
        for (const [name, value] of Object.entries(this.layout.defaults)) fields[name] ??= value;
      }
      if (unexpected !== undefined) {
        const message = `column ${JSON.stringify(unexpected)} is not in the contract (evolution policy discard_row)`;
        out.push({
          kind: 'rejected',
          index,
          line,
          raw: text,
          issues: [{ code: 'unexpected_column', field: unexpected, message }],
        });
        return;
      }
      const item: SourceRecord = {
        kind: 'record',
        index,
        line,
        raw: text,
        fields,
        ...(extra ? { extra } : {}),
      };
      out.push(item);
    }
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
export async function* readCsv(
  text: AsyncIterable<string>,
  header: readonly string[] | CsvLayout,
  limits: ParseLimits,
): AsyncIterable<SourceItem[]> {
  const layout = layoutOf(header);
  const mapper = new RecordMapper(layout);
  let batch: SourceItem[] = [];
  // The delimiter is the header's: known once the first text arrives.
  const records = new CsvRecords(
    limits,
    (parsed) => mapper.map(parsed, batch),
    (start) => layout.delimiter ?? delimiterOf(firstLineOf(start)),
  );
  // A mapping failure (a wrong header) is the file's answer as it stands; anything else is csv-parse's.
  const tokenizing = (error: unknown): never => {
    throw error instanceof UnreadableFileError ? error : mapper.malformed(error, limits);
  };
  const feed = async (chunk: string): Promise<SourceItem[]> => {
    await records.write(chunk).catch(tokenizing);
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
): Pick<DatasetContract, 'format' | 'header' | 'layout' | 'sniff' | 'read'> {
  const layout = layoutOf(header);
  return {
    format: 'csv',
    header: layout.columns.map((c) => c.name),
    layout,
    sniff: (prefix) => sniffCsvHeader(prefix, layout),
    read: (text, limits, context) => {
      const defaults = { ...layout.defaults, ...context?.defaults };
      return readCsv(text, Object.keys(defaults).length > 0 ? { ...layout, defaults } : layout, limits);
    },
  };
}
