/**
 * The OHLCV rules shared by `twelvedata-ohlcv` and `ohlcv-csv`: both produce the
 * same normalized market row, so analytics never care where a bar came from.
 */
import type { RecordValidator, SourceRecord, Validation } from './contract.js';
import { DuplicateIndex } from './duplicate-index.js';
import {
  fieldPicker,
  type Issues,
  isBlank,
  type MarketDatetime,
  numberText,
  readMarketDatetime,
  readNonNegative,
} from './fields.js';
import { plainWriters } from './plain-writers.js';

export interface OhlcvRow {
  readonly symbol: string;
  /** `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SS`, exchange local time. */
  readonly datetime: string;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  /** Absent for instruments without one (forex, crypto, metals, pre/post-market bars). */
  readonly volume?: number;
  /** Bar interval when the source states it (Twelve Data `meta.interval`), e.g. `1day`. */
  readonly interval?: string;
}

export const OHLCV_FIELDS = ['datetime', 'open', 'high', 'low', 'close', 'volume'] as const;

export const OHLCV_RULES = [
  'datetime, open, high, low, close required (missing_field); symbol required (missing_symbol); volume optional (forex, crypto and metals have none)',
  'datetime is YYYY-MM-DD or YYYY-MM-DD HH:MM:SS (invalid_datetime) and a real date (invalid_date)',
  'prices and volume are numbers or numeric strings, finite (not_a_number), >= 0 (negative_number)',
  'low <= open, close <= high (ohlc_inconsistent)',
  'each (symbol, datetime) at most once per file (duplicate_row)',
] as const;

/** JSON of each symbol, kept for the file's next rows of it: printing it is the one escape a row needs. */
const symbolJson = new Map<string, string>();
const SYMBOLS_KEPT = 10_000;

function jsonString(text: string): string {
  let json = symbolJson.get(text);
  if (json === undefined) {
    if (symbolJson.size >= SYMBOLS_KEPT) symbolJson.clear();
    json = JSON.stringify(text);
    symbolJson.set(text, json);
  }
  return json;
}

const PRICE_FIELDS = ['open', 'high', 'low', 'close', 'volume'] as const;
const pickPrices = fieldPicker(PRICE_FIELDS);
const prices: unknown[] = [];

/**
 * JSON.stringify(row), written out, with each number's text cut from the source
 * (numberText): printing five doubles a row is most of what serializing costs.
 * `datetime` was validated to digits, dashes, colons and `T`, so it needs no escaping.
 */
export function serializeOhlcv(row: OhlcvRow, record: SourceRecord): string {
  pickPrices(record, prices);
  const interval = row.interval === undefined ? '' : `,"interval":${JSON.stringify(row.interval)}`;
  return `{"symbol":${jsonString(row.symbol)},"datetime":"${row.datetime}","open":${numberText(prices[0], row.open)},"high":${numberText(prices[1], row.high)},"low":${numberText(prices[2], row.low)},"close":${numberText(prices[3], row.close)}${row.volume === undefined ? '' : `,"volume":${numberText(prices[4], row.volume)}`}${interval}}`;
}

function inconsistency(open: number, high: number, low: number, close: number): string {
  const broken: string[] = [];
  if (low > open) broken.push(`low ${low} > open ${open}`);
  if (low > close) broken.push(`low ${low} > close ${close}`);
  if (open > high) broken.push(`open ${open} > high ${high}`);
  if (close > high) broken.push(`close ${close} > high ${high}`);
  return broken.join('; ');
}

/**
 * Validates OHLCV records; `symbolOf` says where a record's symbol comes from.
 * `looseDatetime` also reads instants, epochs and unambiguous spreadsheet dates
 * (CSV downloads); an API's own output is held to its documented shapes.
 */
export function createOhlcvValidator(
  symbolOf: (record: SourceRecord) => unknown,
  looseDatetime = false,
): RecordValidator<OhlcvRow> {
  const seen = new DuplicateIndex();
  const pick = fieldPicker(OHLCV_FIELDS);
  const values: unknown[] = [];
  return {
    // Asked for only by a CSV read whose header is the preset's columns in order.
    plainRows: () => {
      const writers = plainWriters();
      return writers === undefined ? undefined : new writers.OhlcvPlainRows(seen);
    },
    validate(record: SourceRecord): Validation<OhlcvRow> {
      const issues: Issues = [];
      const symbolValue = symbolOf(record);
      const symbol =
        typeof symbolValue === 'string' && symbolValue.trim() !== '' ? symbolValue.trim() : undefined;
      if (symbol === undefined) {
        issues.push({ code: 'missing_symbol', field: 'symbol', message: 'the row has no symbol' });
      }
      pick(record, values);
      const when = readMarketDatetime(values[0], 'datetime', issues, looseDatetime);
      const open = readNonNegative(values[1], 'open', issues);
      const high = readNonNegative(values[2], 'high', issues);
      const low = readNonNegative(values[3], 'low', issues);
      const close = readNonNegative(values[4], 'close', issues);
      const volumeValue = values[5];
      const volume = isBlank(volumeValue) ? undefined : readNonNegative(volumeValue, 'volume', issues);
      if (
        open !== undefined &&
        high !== undefined &&
        low !== undefined &&
        close !== undefined &&
        (low > open || low > close || open > high || close > high)
      ) {
        issues.push({
          code: 'ohlc_inconsistent',
          field: 'low,open,close,high',
          message: inconsistency(open, high, low, close),
        });
      }
      // Only rows that are otherwise valid claim their (symbol, datetime): a broken
      // row must not make its corrected twin later in the file look like a duplicate.
      if (issues.length === 0 && !seen.add(symbol as string, (when as MarketDatetime).seconds)) {
        issues.push({
          code: 'duplicate_row',
          field: 'datetime',
          message: `${symbol} ${when?.iso} already appeared earlier in this file`,
        });
      }
      if (issues.length > 0) return { ok: false, issues };
      const row: OhlcvRow = {
        symbol: symbol as string,
        datetime: (when as MarketDatetime).iso,
        open: open as number,
        high: high as number,
        low: low as number,
        close: close as number,
        ...(volume === undefined ? {} : { volume }),
        interval: record.context?.interval,
      };
      return { ok: true, row };
    },
  };
}
