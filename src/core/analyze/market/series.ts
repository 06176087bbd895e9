/**
 * Market rows regrouped into one columnar series per symbol, oldest bar first.
 * Twelve Data sends newest first and CSVs come in any order, so order is
 * restored here once and every indicator can assume ascending time.
 */
import type { OhlcvRow } from '../../datasets/ohlcv.rules.js';
import { type Allocate, freshArray } from './scratch.js';

export interface SymbolSeries {
  readonly symbol: string;
  /** The interval the source stated for the symbol's first row, e.g. `1day`. */
  readonly interval: string | null;
  /** Σ close × volume over all bars: the symbol's weight in the market (0 without volume). */
  readonly tradedValue: number;
  /**
   * Whether every bar has a volume and some volume is above zero. Forex, crypto
   * and metals have none (Yahoo Finance writes 0 for them): their `volume` column
   * is zeros, so volume spikes and split confirmation never fire.
   */
  readonly hasVolume: boolean;
  readonly datetime: readonly string[];
  /** Seconds since 1970 read as UTC (exchange local time; only differences matter). */
  readonly time: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
}

/** One symbol's rows as they arrived, before they are put in time order. */
export interface SymbolRows {
  readonly symbol: string;
  readonly interval: string | null;
  readonly tradedValue: number;
  /** The symbol's rows are `rows[indices[k]]`, in arrival order. */
  readonly rows: readonly OhlcvRow[];
  readonly indices: Uint32Array;
}

export interface GroupedRows {
  /** In code-point order of the symbol. */
  readonly groups: readonly SymbolRows[];
  /** Rows left out because a number was missing, non-finite or implausible (see `PLAUSIBLE_BAR`). */
  readonly skippedRows: number;
  /** Rows of the longest group: the size every per-symbol buffer needs. */
  readonly maxRows: number;
}

/**
 * Bounds that keep every derived figure finite: a ratio of two prices inside
 * them, squared and summed over millions of bars, cannot overflow a double.
 * Validated rows are far inside them; the check guards callers that pass raw data.
 */
export const PLAUSIBLE_BAR = { minPositivePrice: 1e-8, maxPrice: 1e9, maxVolume: 1e15 } as const;

const isPrice = (p: unknown): p is number =>
  typeof p === 'number' && (p === 0 || (p >= PLAUSIBLE_BAR.minPositivePrice && p <= PLAUSIBLE_BAR.maxPrice));

function isPlausibleBar(row: OhlcvRow): boolean {
  const v = row.volume ?? 0;
  return (
    typeof row.symbol === 'string' &&
    typeof row.datetime === 'string' &&
    isPrice(row.open) &&
    isPrice(row.high) &&
    isPrice(row.low) &&
    isPrice(row.close) &&
    typeof v === 'number' &&
    v >= 0 &&
    v <= PLAUSIBLE_BAR.maxVolume
  );
}

const DIGIT_0 = 48;

function digits(s: string, from: number, count: number): number {
  let n = 0;
  for (let i = from; i < from + count; i++) {
    const d = s.charCodeAt(i) - DIGIT_0;
    if (d < 0 || d > 9) return Number.NaN;
    n = n * 10 + d;
  }
  return n;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/**
 * Seconds of a `YYYY-MM-DD` or `YYYY-MM-DD[T ]HH:MM:SS` datetime, read as UTC.
 * Hand-parsed because `Date.parse` dominates the cost at a million bars.
 */
export function datetimeSeconds(datetime: string): number {
  const days = daysFromCivil(digits(datetime, 0, 4), digits(datetime, 5, 2), digits(datetime, 8, 2));
  if (datetime.length < 19) return days * 86400;
  return (
    days * 86400 + digits(datetime, 11, 2) * 3600 + digits(datetime, 14, 2) * 60 + digits(datetime, 17, 2)
  );
}

interface GroupTally {
  readonly symbol: string;
  readonly interval: string | null;
  count: number;
  tradedValue: number;
}

/**
 * Groups plausible rows by symbol as index ranges into the rows (a counting
 * sort into one typed array): a million small per-symbol arrays would keep the
 * garbage collector busy while the columns are built one symbol at a time.
 */
export function groupBySymbol(input: Iterable<OhlcvRow>): GroupedRows {
  const rows = Array.isArray(input) ? (input as readonly OhlcvRow[]) : Array.from(input);
  const idOf = new Int32Array(rows.length);
  const ids = new Map<string, number>();
  const tallies: GroupTally[] = [];
  let skippedRows = 0;
  // Rows of one symbol usually arrive together: remember the last one to skip the map lookup.
  let lastSymbol: string | undefined;
  let lastId = -1;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as OhlcvRow;
    if (!isPlausibleBar(row)) {
      idOf[i] = -1;
      skippedRows++;
      continue;
    }
    if (row.symbol !== lastSymbol) {
      let id = ids.get(row.symbol);
      if (id === undefined) {
        id = tallies.length;
        ids.set(row.symbol, id);
        tallies.push({ symbol: row.symbol, interval: row.interval ?? null, count: 0, tradedValue: 0 });
      }
      lastSymbol = row.symbol;
      lastId = id;
    }
    idOf[i] = lastId;
    const tally = tallies[lastId] as GroupTally;
    tally.count++;
    tally.tradedValue += row.close * (row.volume ?? 0);
  }
  const starts = new Uint32Array(tallies.length);
  let offset = 0;
  for (let id = 0; id < tallies.length; id++) {
    starts[id] = offset;
    offset += (tallies[id] as GroupTally).count;
  }
  const indices = new Uint32Array(offset);
  const next = starts.slice();
  for (let i = 0; i < rows.length; i++) {
    const id = idOf[i] as number;
    if (id < 0) continue;
    const at = next[id] as number;
    indices[at] = i;
    next[id] = at + 1;
  }
  const groups = tallies
    .map((t, id): SymbolRows => {
      const start = starts[id] as number;
      const { symbol, interval, tradedValue } = t;
      return { symbol, interval, tradedValue, rows, indices: indices.subarray(start, start + t.count) };
    })
    .sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
  let maxRows = 0;
  for (const t of tallies) maxRows = Math.max(maxRows, t.count);
  return { groups, skippedRows, maxRows };
}

/**
 * Positions of `time` in ascending order, in an array from `allocate`; the
 * usual cases, ascending or exactly reversed, skip the sort.
 */
function chronologicalOrder(
  time: Float64Array,
  datetime: (k: number) => string,
  allocate: Allocate,
): Float64Array {
  const n = time.length;
  let ascending = true;
  let descending = true;
  for (let k = 1; k < n && (ascending || descending); k++) {
    const a = time[k - 1] as number;
    const b = time[k] as number;
    if (!(a < b)) ascending = false;
    if (!(a > b)) descending = false;
  }
  const order = allocate(n);
  for (let k = 0; k < n; k++) order[k] = ascending || !descending ? k : n - 1 - k;
  if (ascending || descending) return order;
  // Unparseable datetimes (NaN) fall back to text order, which matches time order for this format.
  return order.sort((a, b) => {
    const d = (time[a] as number) - (time[b] as number);
    if (d < 0 || d > 0) return d;
    const x = datetime(a);
    const y = datetime(b);
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

/**
 * One symbol's bars as columns in time order. With `allocate` from a
 * `Scratch`, the columns are views that the next symbol will overwrite.
 */
export function loadSeries(group: SymbolRows, allocate: Allocate = freshArray): SymbolSeries {
  const { rows, indices } = group;
  const n = indices.length;
  const rowAt = (k: number) => rows[indices[k] as number] as OhlcvRow;
  const arrivalTime = allocate(n);
  for (let k = 0; k < n; k++) arrivalTime[k] = datetimeSeconds(rowAt(k).datetime);
  const order = chronologicalOrder(arrivalTime, (k) => rowAt(k).datetime, allocate);
  const time = allocate(n);
  const open = allocate(n);
  const high = allocate(n);
  const low = allocate(n);
  const close = allocate(n);
  const volume = allocate(n);
  const datetime = new Array<string>(n);
  let hasVolume = true;
  let tradedAny = false;
  for (let k = 0; k < n; k++) {
    const from = order[k] as number;
    const row = rowAt(from);
    time[k] = arrivalTime[from] as number;
    open[k] = row.open;
    high[k] = row.high;
    low[k] = row.low;
    close[k] = row.close;
    if (row.volume === undefined) hasVolume = false;
    else if (row.volume > 0) tradedAny = true;
    volume[k] = row.volume ?? 0;
    datetime[k] = row.datetime;
  }
  return {
    symbol: group.symbol,
    interval: group.interval,
    tradedValue: group.tradedValue,
    hasVolume: hasVolume && tradedAny,
    datetime,
    time,
    open,
    high,
    low,
    close,
    volume,
  };
}

/** Every symbol's series in fresh arrays: for tests and small inputs; `analyzeMarket` streams through a `Scratch`. */
export function toSeries(rows: Iterable<OhlcvRow>): SymbolSeries[] {
  return groupBySymbol(rows).groups.map((g) => loadSeries(g));
}
