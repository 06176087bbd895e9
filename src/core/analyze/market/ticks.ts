/**
 * Trades and quotes (`market-ticks`) become OHLCV bars, so every market
 * analytic runs on ticks unchanged. A tick is one price at one instant; a bar
 * is the ticks of one symbol that fall in the same `barMs`-long window.
 */

import type { OhlcvRow } from '../../datasets/ohlcv.rules.js';
import { ConfigError } from '../../errors.js';

export interface TickRow {
  readonly symbol: string;
  /** ISO-8601 instant, UTC, as ingest normalizes it: `2009-02-13T23:31:30.000Z`. */
  readonly datetime: string;
  readonly price: number;
  /** Traded size; null (or absent) for quotes and feeds without one. */
  readonly volume?: number | null;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The bar lengths `chooseBarMs` picks from, shortest first. */
export const BAR_CHOICES_MS = [MINUTE, 5 * MINUTE, HOUR, DAY] as const;

/** Bars a symbol should have for the longest indicator window (SMA 50) to produce a value. */
export const TARGET_BARS = 50;

export const TICK_BAR_RULE =
  'ticks become bars per symbol: a bar holds the ticks whose instant falls in the same window of the bar length ' +
  '(windows aligned to 1970-01-01T00:00Z, so minutes and hours start on the clock and days at UTC midnight); ' +
  'open = first tick by time, close = last (ties keep file order), high/low = highest/lowest price, ' +
  'volume = sum of tick volumes, absent when any tick of the bar has none. Without a stated bar length, the ' +
  `longest of 1 day, 1 hour, 5 minutes that gives the median symbol at least ${TARGET_BARS} bars, else 1 minute`;

const INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** Milliseconds since 1970 of an ISO-8601 datetime (no zone is read as UTC), or NaN. */
export function instantMs(datetime: string): number {
  const m = INSTANT.exec(datetime);
  if (m === null) return Number.NaN;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const [hh, mm, ss] = [Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)];
  const ms = m[7] === undefined ? 0 : Math.floor(Number(`0.${m[7]}`) * 1000);
  if (month < 1 || month > 12 || day < 1 || hh > 23 || mm > 59 || ss > 59) return Number.NaN;
  const utc = Date.UTC(year, month - 1, day, hh, mm, ss, ms);
  // Date.UTC rolls 2023-02-30 over into March: a date it had to move is not a real one.
  if (new Date(utc).getUTCDate() !== day) return Number.NaN;
  const zone = m[8];
  if (zone === undefined || zone === 'Z') return utc;
  const sign = zone[0] === '-' ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return utc - sign * (Number(digits.slice(0, 2)) * HOUR + Number(digits.slice(2)) * MINUTE);
}

/** The interval name Twelve Data would give bars of this length (annualization reads it), if any. */
export function barInterval(barMs: number): string | undefined {
  if (barMs === DAY) return '1day';
  if (barMs === 7 * DAY) return '1week';
  if (barMs < DAY && barMs % HOUR === 0) return `${barMs / HOUR}h`;
  if (barMs < DAY && barMs % MINUTE === 0) return `${barMs / MINUTE}min`;
  return undefined;
}

/** The bar's datetime as OHLCV rows write it: `YYYY-MM-DD` for whole-day bars, else `YYYY-MM-DDTHH:MM:SS`. */
function barDatetime(startMs: number, barMs: number): string {
  const iso = new Date(startMs).toISOString();
  return barMs % DAY === 0 ? iso.slice(0, 10) : iso.slice(0, 19);
}

function checkBarMs(barMs: number): void {
  if (!Number.isSafeInteger(barMs) || barMs < SECOND || barMs % SECOND !== 0) {
    // Bar datetimes have whole seconds: a shorter or fractional bar would give two bars one datetime.
    throw new ConfigError(
      `bar length must be a whole number of seconds in ms, at least 1000 (given ${barMs})`,
    );
  }
}

interface TimedTicks {
  readonly symbol: string;
  readonly ticks: TickRow[];
  readonly ms: number[];
}

/**
 * Usable ticks grouped by symbol (code-point order), each group in time order,
 * equal instants in arrival order. Ticks without a readable instant or a finite,
 * non-negative price are left out: ingest has already rejected them with a reason.
 */
function timedBySymbol(input: Iterable<TickRow>): TimedTicks[] {
  const groups = new Map<string, { ticks: TickRow[]; ms: number[]; sorted: boolean }>();
  for (const tick of input) {
    const ms = typeof tick.datetime === 'string' ? instantMs(tick.datetime) : Number.NaN;
    if (!Number.isFinite(ms) || !(Number.isFinite(tick.price) && tick.price >= 0)) continue;
    if (typeof tick.symbol !== 'string') continue;
    let group = groups.get(tick.symbol);
    if (group === undefined) {
      group = { ticks: [], ms: [], sorted: true };
      groups.set(tick.symbol, group);
    }
    const previous = group.ms[group.ms.length - 1];
    if (previous !== undefined && ms < previous) group.sorted = false;
    group.ticks.push(tick);
    group.ms.push(ms);
  }
  const out: TimedTicks[] = [];
  for (const [symbol, group] of groups) {
    if (group.sorted) {
      out.push({ symbol, ticks: group.ticks, ms: group.ms });
      continue;
    }
    // Array.prototype.sort is stable, so ticks at one instant keep their file order.
    const order = group.ms.map((_, i) => i).sort((a, b) => (group.ms[a] as number) - (group.ms[b] as number));
    out.push({
      symbol,
      ticks: order.map((i) => group.ticks[i] as TickRow),
      ms: order.map((i) => group.ms[i] as number),
    });
  }
  return out.sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
}

const hasVolume = (tick: TickRow): tick is TickRow & { volume: number } =>
  typeof tick.volume === 'number' && Number.isFinite(tick.volume) && tick.volume >= 0;

/** OHLCV bars of `barMs` from ticks, grouped by symbol (code-point order), oldest bar first. */
export function ticksToBars(ticks: Iterable<TickRow>, barMs: number): OhlcvRow[] {
  checkBarMs(barMs);
  const interval = barInterval(barMs);
  const bars: OhlcvRow[] = [];
  for (const { symbol, ticks: series, ms } of timedBySymbol(ticks)) {
    let i = 0;
    while (i < series.length) {
      const start = Math.floor((ms[i] as number) / barMs) * barMs;
      const end = start + barMs;
      const first = series[i] as TickRow;
      let high = first.price;
      let low = first.price;
      let close = first.price;
      let volume: number | undefined = 0;
      for (; i < series.length && (ms[i] as number) < end; i++) {
        const tick = series[i] as TickRow;
        if (tick.price > high) high = tick.price;
        if (tick.price < low) low = tick.price;
        close = tick.price;
        volume = volume !== undefined && hasVolume(tick) ? volume + tick.volume : undefined;
      }
      bars.push({
        symbol,
        datetime: barDatetime(start, barMs),
        open: first.price,
        high,
        low,
        close,
        ...(volume === undefined ? {} : { volume }),
        ...(interval === undefined ? {} : { interval }),
      });
    }
  }
  return bars;
}

/**
 * The bar length for ticks whose contract states none: the longest of
 * `BAR_CHOICES_MS` that gives the median symbol at least `TARGET_BARS` bars, so
 * trend, RSI and MACD have enough bars without splitting a day into noise.
 * Sparse ticks that reach the target at no length get 1-minute bars.
 */
export function chooseBarMs(ticks: Iterable<TickRow>): number {
  const groups = timedBySymbol(ticks);
  for (let c = BAR_CHOICES_MS.length - 1; c > 0; c--) {
    const barMs = BAR_CHOICES_MS[c] as number;
    const counts = groups.map(({ ms }) => {
      let bars = 0;
      let last = Number.NaN;
      for (const t of ms) {
        const bucket = Math.floor(t / barMs);
        if (bucket !== last) bars++;
        last = bucket;
      }
      return bars;
    });
    counts.sort((a, b) => a - b);
    const median = counts[Math.floor((counts.length - 1) / 2)] ?? 0;
    if (median >= TARGET_BARS) return barMs;
  }
  return BAR_CHOICES_MS[0];
}

/**
 * The rows a market analysis reads under a contract's plan: its rows as they are,
 * or, for ticks (`tickBarMs` set; 0 means choose), their bars. `chosenMs` is a
 * length already chosen for the whole file, so one symbol's ticks are cut alike.
 */
export function marketRowsOf(
  rows: readonly unknown[],
  tickBarMs: number | undefined,
  chosenMs?: number,
): unknown[] {
  if (tickBarMs === undefined) return rows as unknown[];
  const ticks = rows as TickRow[];
  return ticksToBars(ticks, tickBarMs || chosenMs || chooseBarMs(ticks));
}
