/** `ohlcv-csv`: market bars as CSV, one symbol per row, under the same rules as Twelve Data. */
import { CSV_SOURCE_RULES, csvFormat } from '../ingest/csv-source.js';
import type { DatasetContract } from './contract.js';
import { fieldOf } from './fields.js';
import { createOhlcvValidator, OHLCV_RULES, type OhlcvRow, serializeOhlcv } from './ohlcv.rules.js';

const HEADER = ['symbol', 'datetime', 'open', 'high', 'low', 'close', 'volume'] as const;

export const ohlcvCsv: DatasetContract<OhlcvRow> = {
  id: 'ohlcv-csv',
  title: 'OHLCV prices (CSV)',
  rules: [...OHLCV_RULES, ...CSV_SOURCE_RULES],
  ...csvFormat(HEADER),
  createValidator: () => createOhlcvValidator((record) => fieldOf(record, 'symbol')),
  groupField: 'symbol',
  serialize: serializeOhlcv,
};
