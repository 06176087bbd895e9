/**
 * What a dataset contract is: how to recognize a file, stream its records out of
 * decoded text, validate and normalize each record, and group rows for counting.
 * Adding a dataset means adding one file that exports a DatasetContract and one
 * line in registry.ts.
 */
import type { CsvLayout } from '../ingest/csv-header.js';
import type { RowIssue } from '../reasons.js';

/** The datasets sluice ships; a project's contract files add their own ids. */
export const DATASET_IDS = [
  'twelvedata-ohlcv',
  'ohlcv-csv',
  'smartphone-sales',
  'health-vitals',
  'market-ticks',
] as const;
/** A dataset's id: a built-in one or one a contract file declares (lowercase, digits, dashes). */
export type DatasetId = string;

/** A record as the source produced it, before validation. */
export interface SourceRecord {
  readonly kind: 'record';
  /** 1-based position of the record among the file's records (header excluded). */
  readonly index: number;
  /** 1-based source line where the record starts, when the format has lines (CSV). */
  readonly line?: number;
  /** The record as it came: CSV the raw line text, JSON the parsed element. */
  readonly raw: unknown;
  /** Fields by name, when the source already split them. */
  readonly fields?: Readonly<Record<string, string>>;
  /**
   * CSV fields by position: a field is `cells[columns.get(name)]`. Every record
   * of a file shares one `columns`, so a reader resolves positions once per file.
   */
  readonly cells?: readonly string[];
  readonly columns?: ReadonlyMap<string, number>;
  /** Group the source knows the record belongs to (Twelve Data: the block's symbol). */
  readonly group?: string;
  /** Extra context the source knows (Twelve Data: the block's interval). */
  readonly context?: Readonly<Record<string, string>>;
  /** Columns the contract does not know, kept by the `evolve` policy; they join the normalized row. */
  readonly extra?: Readonly<Record<string, string>>;
}

/** What the caller knows about a file besides its text. */
export interface ReadContext {
  /** The object key, e.g. `inputs/AAPL.csv`: a one-symbol file may be named after its symbol. */
  readonly key?: string;
  /** The symbol of a file without a symbol column (`--symbol`), before the file name's. */
  readonly symbol?: string;
  /** Values for columns the file lacks, by contract column name. */
  readonly defaults?: Readonly<Record<string, string>>;
  /** When the store received the file (ISO-8601): the time of records that carry none, if their contract says so. */
  readonly receivedAt?: string;
}

/** Something the source itself refused (a Twelve Data error block, a CSV row with extra fields). */
export interface SourceReject {
  readonly kind: 'rejected';
  readonly index: number;
  readonly line?: number;
  readonly raw: unknown;
  readonly group?: string;
  readonly issues: readonly RowIssue[];
}

/**
 * Rows a PlainRowWriter validated and wrote as JSON lines itself, in file order
 * between the items around them; `groups` holds one entry per row.
 */
export interface TakenRows {
  readonly kind: 'taken';
  /** The rows' JSON lines, each ending in `\n`, as UTF-8. */
  readonly bytes: Uint8Array;
  readonly groups: readonly (string | undefined)[];
}

export type SourceItem = SourceRecord | SourceReject;

/**
 * A record the reader had judged as it met it (PlainPath.judge): validated, its
 * unique key claimed, and written as its processed or its reject line.
 */
export interface JudgedRecord {
  readonly kind: 'judged';
  readonly valid: boolean;
  /** The processed JSON line, or the reject line. */
  readonly line: string;
  readonly group: string | undefined;
  readonly issues?: readonly RowIssue[];
}

/** What a read with a plain path yields: the rows that path took, the records it judged, the source's rejects. */
export type ReadItem = SourceItem | TakenRows | JudgedRecord;

/**
 * What a read needs to take plain rows on their bytes. Every other record is
 * judged the moment it is met, so unique keys are claimed in file order across
 * both paths ("the first row wins" whichever path read it).
 */
export interface PlainPath {
  /** The validator's plain-row writer, asked for once the header is the contract's columns in declared order. */
  plainRows(): PlainRowWriter | undefined;
  judge(record: SourceRecord): JudgedRecord;
}

/**
 * A validator's byte-level path for the plain rows of a CSV file whose header is
 * the contract's columns in declared order: it checks a row on its bytes and
 * writes the JSON line the validator and serializer would have produced. A row
 * it is not sure of (any shape but the common one, any broken rule) it declines,
 * writing and claiming nothing, and the row takes the string path, which decides
 * it with its messages. It shares the validator's state (the unique keys seen),
 * so the two paths judge duplicates as one.
 */
export interface PlainRowWriter {
  /** Takes the row in `bytes[start, end)`: ASCII, no quote, no line break. False: declined. */
  take(bytes: Uint8Array, start: number, end: number): boolean;
  /** The rows taken since the last drain, or undefined when there are none. */
  drain(): TakenRows | undefined;
}

export interface ParseLimits {
  /** Largest single record (CSV row, JSON element) in characters. @default 1_048_576 */
  readonly maxRecordChars: number;
  /** Deepest JSON nesting accepted. @default 64 */
  readonly maxDepth: number;
}

export const DEFAULT_PARSE_LIMITS: ParseLimits = { maxRecordChars: 1_048_576, maxDepth: 64 };

export type Validation<Row> =
  | {
      readonly ok: true;
      readonly row: Row;
      /**
       * The row's values in the contract's column order, when the validator
       * has them at hand (a declared contract); read them before the next
       * `validate`, which reuses the array.
       */
      readonly values?: readonly unknown[];
    }
  | { readonly ok: false; readonly issues: readonly RowIssue[] };

/** Validates records of one file; may keep state across records (duplicate detection). */
export interface RecordValidator<Row> {
  validate(record: SourceRecord): Validation<Row>;
  /** A byte-level path for plain CSV rows, when this validator has one. */
  plainRows?(): PlainRowWriter | undefined;
}

export interface DatasetContract<Row = unknown> {
  readonly id: DatasetId;
  readonly format: 'json' | 'csv';
  readonly title: string;
  /** The rules in words, one per reason the contract can give (README's dataset table). */
  readonly rules: readonly string[];
  /** CSV contracts: the column names, as the README and messages show them. */
  readonly header?: readonly string[];
  /** CSV contracts: the columns matched by name and alias, and the policy for unknown ones. */
  readonly layout?: CsvLayout;
  /** Whether the decoded start of a file (BOM removed, at most 64 KiB) looks like this dataset. */
  sniff(prefix: string): boolean;
  /**
   * Streams decoded text into batches of source items, never holding the whole
   * file. Throws UnreadableFileError when the file as a whole cannot be read.
   */
  read(text: AsyncIterable<string>, limits: ParseLimits, context?: ReadContext): AsyncIterable<SourceItem[]>;
  /**
   * CSV: `read`, with the rows `plain`'s writer takes on their bytes yielded as
   * TakenRows and every other record as `plain.judge` judged it, in file order.
   */
  readTaking?(
    text: AsyncIterable<string>,
    limits: ParseLimits,
    context: ReadContext | undefined,
    plain: PlainPath,
  ): AsyncIterable<ReadItem[]>;
  /** A fresh validator for one file. */
  createValidator(context?: ReadContext): RecordValidator<Row>;
  /** The field that names a row's group for the manifest's counts (symbol, brand, user_id). */
  readonly groupField?: string;
  /**
   * One normalized row as a JSON line, given the record it came from; must equal
   * JSON.stringify(row). @default JSON.stringify
   */
  serialize?(row: Row, record: SourceRecord, values?: readonly unknown[]): string;
}
