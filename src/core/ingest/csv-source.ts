/**
 * Streams decoded CSV text into batches of source items with csv-parse.
 *
 * Each incoming chunk is written to one parser and its records drained at once,
 * so the cost of async iteration is paid per chunk, never per row. Rows are
 * mapped to the header by position (no `columns`, no `cast`: both cost time and
 * the validators read strings anyway).
 */
import { type CsvError, type Options, type Parser, parse } from 'csv-parse';
import type { DatasetContract, ParseLimits, SourceItem, SourceRecord } from '../datasets/contract.js';
import { UnreadableFileError } from '../errors.js';

/** What the CSV source itself can reject, in the words of a contract's `rules`. */
export const CSV_SOURCE_RULES = [
  'each row has exactly as many fields as the header (malformed_row)',
  'a copy of the header row inside the data is rejected (repeated_header)',
] as const;

/** A record as csv-parse hands it over with `raw: true`. */
interface ParsedRecord {
  readonly record: string[];
  readonly raw: string;
}

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

function csvParser(limits: ParseLimits): Parser {
  const options: Options = {
    raw: true,
    relax_column_count: true,
    // A stray quote inside an unquoted field ("5'10\" tall") is kept as text:
    // otherwise one typo in a review would refuse the whole file.
    relax_quotes: true,
    skip_empty_lines: true,
    max_record_size: limits.maxRecordChars,
    // record_delimiter stays discovered from the first line break: listing all
    // three kinds makes csv-parse's inner loop about 45 % slower.
  };
  const parser = parse(options);
  // Failures reach readCsv through the write and end callbacks; without a
  // listener the stream would also rethrow them as an uncaught exception.
  parser.on('error', () => undefined);
  return parser;
}

const settle = (start: (done: (error?: Error | null) => void) => void): Promise<void> =>
  new Promise((resolve, reject) => start((error) => (error ? reject(error) : resolve())));

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
  const parser = csvParser(limits);
  const mapper = new RecordMapper(header);
  const drain = (): SourceItem[] => {
    const batch: SourceItem[] = [];
    for (let parsed = parser.read(); parsed !== null; parsed = parser.read()) {
      mapper.map(parsed as ParsedRecord, batch);
    }
    return batch;
  };
  // Records are drained before the callback is awaited: the parser holds the
  // callback back until its readable side has room again.
  const feed = async (chunk: string): Promise<SourceItem[]> => {
    const written = settle((done) => parser.write(chunk, done));
    // When mapping throws (a wrong header), the write's own outcome no longer matters.
    written.catch(() => undefined);
    const batch = drain();
    await written.catch((error: unknown) => {
      throw mapper.malformed(error, limits);
    });
    return batch;
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
      const batch = await feed(piece);
      if (batch.length > 0) yield batch;
    }
    if (carry.length > 0) {
      const batch = await feed(carry);
      if (batch.length > 0) yield batch;
    }
    await settle((done) => parser.end(done)).catch((error: unknown) => {
      throw mapper.malformed(error, limits);
    });
    const batch = drain();
    if (batch.length > 0) yield batch;
    if (!mapper.headerSeen) {
      throw new UnreadableFileError(
        'empty_file',
        `the CSV has no header line (expected ${show(header.join(','))})`,
      );
    }
  } finally {
    parser.destroy();
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
