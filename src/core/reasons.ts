/**
 * Every reason sluice gives for refusing a row or a whole file. Codes are stable:
 * they appear in rejects files, manifests, metrics and alarms. README's reason-code
 * table is generated from this one list (scripts/reason-table.ts) so they cannot drift.
 */
export const ROW_REASONS = {
  missing_field: 'a required field is absent or empty',
  not_a_number:
    'a numeric field is not a finite decimal number (NaN, Infinity, 1e309, thousands separators...)',
  negative_number: 'a price or volume is below zero',
  invalid_datetime: 'datetime is not YYYY-MM-DD or YYYY-MM-DD HH:MM:SS',
  invalid_date: 'the date is not YYYY-MM-DD or is not a real calendar date (2024-02-30)',
  invalid_timestamp: 'event_time is not an ISO-8601 timestamp of a real instant',
  ohlc_inconsistent: 'prices break low <= open, close <= high',
  duplicate_row:
    'the row repeats the unique key of an earlier row in this file (market data: the same symbol and datetime)',
  missing_symbol: 'a market row has no symbol',
  source_error: 'the data source reported an error for this block (status "error"), rejected whole',
  out_of_range: 'a value lies outside the range the dataset allows',
  not_a_boolean: 'a boolean field is not true/false, yes/no or 1/0',
  invalid_value: 'an enum field is not one of the values its contract allows',
  malformed_row: 'the row does not have the shape of a record (wrong field count, not an object)',
  repeated_header: 'a copy of the header row inside the data',
  row_too_large: 'a single record is larger than the per-record limit',
  duplicate_key: 'a JSON record names the same member twice, so which value is meant is ambiguous',
  reserved_key: 'a JSON record has a member named `__proto__`, `constructor` or `prototype`',
  unexpected_column:
    'the row has a value in a column the dataset does not know, and its evolution policy is discard_row',
} as const;

export const FILE_REASONS = {
  empty_file: 'the file has no bytes, or no records after its header',
  not_regular_file: 'the input is a symbolic link or another non-regular file; it is refused, never followed',
  too_large: 'the file is larger than the configured size limit',
  decompressed_too_large: 'a gzip input inflates beyond the size limit (gzip bomb)',
  invalid_gzip: 'the file starts like gzip but does not inflate',
  invalid_utf8:
    'the text is neither UTF-8 nor Windows-1252: UTF-8 with a bad byte, or a file that mixes the two, a UTF-8 byte-order mark included (Windows-1252 is detected when the bytes cannot be UTF-8 and never were)',
  unsupported_format: 'the content is neither JSON nor CSV',
  unknown_dataset: 'no dataset contract recognizes this content (unknown CSV header or JSON shape)',
  missing_columns:
    'the CSV header is close to a dataset but lacks columns it requires (named in the message)',
  dataset_mismatch: 'the dataset forced by flag or key prefix does not fit the content',
  malformed_json: 'the JSON has a syntax error',
  truncated_json: 'the JSON ends before its last value is closed',
  nesting_too_deep: 'the JSON nests deeper than the parser allows',
  values_before_meta:
    'a Twelve Data block has more values before its "meta" than sluice will hold while waiting for the symbol',
  malformed_csv: 'the CSV cannot be tokenized (unclosed quote, field over the size limit...)',
  all_blocks_failed: 'every block of a Twelve Data response reported status "error"',
  invalid_key:
    'the object key cannot be used: it does not decode, or it could name something outside the store (the bytes are not read)',
  no_valid_rows: 'the file was read, but not one of its rows passed validation (see the rejects file)',
} as const;

export type RowReason = keyof typeof ROW_REASONS;
export type FileReason = keyof typeof FILE_REASONS;

/** A generic reason, or one a dataset contract declares in its `reasons` (bp_inconsistent...). */
export type RowReasonCode = RowReason | (string & Record<never, never>);

export interface RowIssue {
  readonly code: RowReasonCode;
  readonly message: string;
  readonly field?: string;
}
