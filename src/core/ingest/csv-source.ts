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

/** Whether the first non-blank line of a file's start names exactly these columns. */
export function sniffCsvHeader(prefix: string, header: readonly string[]): boolean {
  const start = prefix.trimStart();
  const end = start.search(/[\r\n]/);
  const names = (end === -1 ? start : start.slice(0, end)).split(',');
  // Quoted names are unquoted so that sniffing agrees with what csv-parse reads.
  return (
    names.length === header.length &&
    names.every(
      (name, i) => normalizeName(name.trim().replace(/^"(.*)"$/, '$1')) === normalizeName(header[i] ?? ''),
    )
  );
}

/** Turns parsed records into source items: header check, line numbers, field mapping. */
class RecordMapper {
  private readonly names: readonly string[];
  /** The line on which the text after the last record begins. */
  private line = 1;
  private index = 0;
  headerSeen = false;

  constructor(private readonly header: readonly string[]) {
    this.names = header.map(normalizeName);
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
      if (!this.isHeader(record)) {
        throw new UnreadableFileError(
          'dataset_mismatch',
          `expected the CSV header ${show(this.header.join(','))}, found ${show(text)} on line ${line}`,
        );
      }
      this.headerSeen = true;
      return;
    }
    const index = ++this.index;
    if (record.length !== this.header.length) {
      const message = `expected ${this.header.length} fields, got ${record.length}`;
      out.push({ kind: 'rejected', index, line, raw: text, issues: [{ code: 'malformed_row', message }] });
    } else if (this.isHeader(record)) {
      const message = 'the header row is repeated inside the data';
      out.push({ kind: 'rejected', index, line, raw: text, issues: [{ code: 'repeated_header', message }] });
    } else {
      // No prototype: a column named `__proto__` stays an ordinary field.
      const fields: Record<string, string> = Object.create(null);
      for (let i = 0; i < record.length; i++) fields[this.header[i] as string] = record[i] as string;
      const item: SourceRecord = { kind: 'record', index, line, raw: text, fields };
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
 * Streams CSV text whose first record must be `header` into batches of items:
 * one SourceRecord per data row, or a SourceReject for a row of the wrong width
 * and for a repeated header. Throws UnreadableFileError when the text is not a
 * CSV of this header (dataset_mismatch), cannot be tokenized (malformed_csv), or
 * has no header at all (empty_file).
 */
export async function* readCsv(
  text: AsyncIterable<string>,
  header: readonly string[],
  limits: ParseLimits,
): AsyncIterable<SourceItem[]> {
  const mapper = new RecordMapper(header);
  let batch: SourceItem[] = [];
  const records = new CsvRecords(limits, (parsed) => mapper.map(parsed, batch));
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
        `the CSV has no header line (expected ${show(header.join(','))})`,
      );
    }
  } finally {
    records.destroy();
  }
}

/** The half of a CSV dataset contract that only depends on its header. */
export function csvFormat(
  header: readonly string[],
): Pick<DatasetContract, 'format' | 'header' | 'sniff' | 'read'> {
  return {
    format: 'csv',
    header,
    sniff: (prefix) => sniffCsvHeader(prefix, header),
    read: (text, limits) => readCsv(text, header, limits),
  };
}
