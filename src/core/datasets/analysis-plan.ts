/**
 * What analysis a dataset's contract feeds, and what the analytics need to know
 * about its columns. Contracts (built-in or a user's file) produce one; the
 * analyze stage picks the analytics from it instead of from the dataset id.
 */
export const ANALYSIS_KINDS = ['market', 'sales', 'vitals', 'profile'] as const;
export type AnalysisKind = (typeof ANALYSIS_KINDS)[number];

/** Column types a contract can declare, as they are after normalization at ingest. */
export const COLUMN_TYPES = [
  'string',
  'integer',
  'number',
  'boolean',
  'date',
  'datetime',
  'epoch_s',
  'epoch_ms',
  'enum',
] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];

export interface PlanColumn {
  readonly name: string;
  /**
   * Declared type. In processed rows, `date` is `YYYY-MM-DD`, `datetime`, `epoch_s`
   * and `epoch_ms` are ISO-8601 UTC instants, `integer`/`number` are JSON numbers,
   * `boolean` a JSON boolean, `string`/`enum` strings; any may be null when optional.
   */
  readonly type: ColumnType;
}

export interface AnalysisPlan {
  readonly kind: AnalysisKind;
  /** The dataset's columns in declaration order (profile reads them). */
  readonly columns: readonly PlanColumn[];
  /** The column that orders rows in time, if the contract names one (profile: coverage and gaps). */
  readonly timeColumn?: string;
  /** `market` fed by ticks (market-ticks): rows are `{symbol, datetime, price, volume?}` and become bars of this many ms. */
  readonly tickBarMs?: number;
}
