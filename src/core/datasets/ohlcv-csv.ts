/**
 * `ohlcv-csv`: market bars as CSV under the same rules as Twelve Data. Columns are
 * matched by name, so the downloads people have read as they are: Yahoo Finance
 * (`Date,Open,High,Low,Close,Adj Close,Volume`), stooq (`Date,Open,High,Low,Close,Volume`),
 * Alpha Vantage (`timestamp,open,high,low,close,volume`, newest first) and Twelve
 * Data's `format=CSV` (`datetime;open;high;low;close;volume`). A file without a
 * symbol column takes its symbol from `--symbol` or from its file name (`AAPL.csv`).
 */
import { CSV_SOURCE_RULES, csvFormat } from '../ingest/csv-source.js';
import type { DatasetContract } from './contract.js';
import { fieldOf } from './fields.js';
import { symbolFromKey } from './file-symbol.js';
import { createOhlcvValidator, OHLCV_RULES, type OhlcvRow, serializeOhlcv } from './ohlcv.rules.js';

const format = csvFormat({
  columns: [
    { name: 'symbol', aliases: ['ticker'], required: false },
    { name: 'datetime', aliases: ['date', 'timestamp', 'time'] },
    { name: 'open' },
    { name: 'high' },
    { name: 'low' },
    { name: 'close' },
    // Forex, crypto and metals have no volume.
    { name: 'volume', required: false },
  ],
  // `Adj Close` and the like are not part of a bar: dropped, named in no row.
  extra: 'discard_value',
});

export const ohlcvCsv: DatasetContract<OhlcvRow> = {
  id: 'ohlcv-csv',
  title: 'OHLCV prices (CSV)',
  rules: [
    ...OHLCV_RULES,
    'columns matched by name in any order (date/timestamp for datetime, ticker for symbol), unknown ones such as Adj Close dropped; a header without datetime, open, high, low or close is refused (missing_columns)',
    'datetime also as an instant with a zone (pandas, ISO Z: kept in UTC), epoch seconds or ms, or 5/20/2024 and 20.05.2024 when only one reading is a date (invalid_datetime)',
    'a file without a symbol column takes the symbol from --symbol or its file name (AAPL.csv, daily_IBM.csv), else each row lacks one (missing_symbol)',
    ...CSV_SOURCE_RULES,
  ],
  ...format,
  read: (text, limits, context) => {
    const symbol = context?.symbol ?? symbolFromKey(context?.key);
    return format.read(text, limits, symbol === undefined ? context : { ...context, defaults: { symbol } });
  },
  createValidator: () => createOhlcvValidator((record) => fieldOf(record, 'symbol'), true),
  groupField: 'symbol',
  serialize: serializeOhlcv,
};
