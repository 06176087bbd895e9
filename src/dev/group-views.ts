/**
 * The dashboard's chart data for one group of a run (a symbol, a brand, a
 * user), built from the processed rows. Indicators come from the market
 * analytics (`src/core/analyze/market/`), so the chart draws what the report
 * describes. Times are UTC epoch seconds, ascending and unique, as
 * lightweight-charts requires.
 */
import type { SymbolAnalysis } from '../core/analyze/market/index.js';
import { bollinger, sma } from '../core/analyze/market/indicators.js';
import { datetimeSeconds, toSeries } from '../core/analyze/market/series.js';
import type { ProfileAnalysis } from '../core/analyze/profile.js';
import { priceSegment, type SalesRow } from '../core/analyze/sales.js';
import { BANDED_MEASURES, COMFORT_BANDS, MEASURES, type VitalsRow } from '../core/analyze/vitals.js';
import type { OhlcvRow } from '../core/datasets/ohlcv.rules.js';
import { readJsonLines } from '../core/jsonl-lines.js';
import type { ObjectStore } from '../core/ports.js';
import type { GroupView } from './api-contract.js';

export const SMA_PERIOD = 20;
export const BOLLINGER = { period: 20, stdDev: 2 } as const;

type Point = { time: number; value: number };
type MarketView = Extract<GroupView, { kind: 'market' }>;
type SalesView = Extract<GroupView, { kind: 'sales' }>;
type VitalsView = Extract<GroupView, { kind: 'vitals' }>;
type ProfileView = Extract<GroupView, { kind: 'profile' }>;

/** The processed rows whose `field` equals `group`, streamed so only one group is held. */
export async function rowsOfGroup<T>(
  store: ObjectStore,
  processedKey: string,
  field: string,
  group: string,
): Promise<T[]> {
  const rows: T[] = [];
  for await (const batch of readJsonLines(await store.getStream(processedKey))) {
    for (const row of batch) {
      if ((row as Record<string, unknown>)[field] === group) rows.push(row as T);
    }
  }
  return rows;
}

function points(time: Float64Array, values: Float64Array): Point[] {
  const out: Point[] = [];
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as number;
    // NaN while the indicator warms up: no point rather than a gap marker.
    if (Number.isFinite(value)) out.push({ time: time[i] as number, value });
  }
  return out;
}

export function marketView(symbol: string, rows: readonly OhlcvRow[], analysis?: SymbolAnalysis): MarketView {
  const series = toSeries(rows).find((s) => s.symbol === symbol);
  const time = series?.time ?? new Float64Array(0);
  const close = series?.close ?? new Float64Array(0);
  const band = bollinger(close, BOLLINGER.period, BOLLINGER.stdDev);
  const bars: MarketView['bars'] = [];
  for (let i = 0; i < time.length; i++) {
    bars.push({
      time: time[i] as number,
      open: series?.open[i] as number,
      high: series?.high[i] as number,
      low: series?.low[i] as number,
      close: close[i] as number,
      volume: series?.volume[i] as number,
    });
  }
  return {
    kind: 'market',
    symbol,
    bars,
    sma: { period: SMA_PERIOD, points: points(time, sma(close, SMA_PERIOD)) },
    bollinger: {
      period: BOLLINGER.period,
      stdDev: BOLLINGER.stdDev,
      upper: points(time, band.upper),
      middle: points(time, band.middle),
      lower: points(time, band.lower),
    },
    anomalies: (analysis?.anomalies ?? [])
      .map((a) => ({ time: datetimeSeconds(a.datetime), kind: a.kind, text: a.explanation }))
      .sort((a, b) => a.time - b.time),
  };
}

const cents = (value: number): number => Math.round(value * 100) / 100;

function totalsBy(rows: readonly SalesRow[], keyOf: (row: SalesRow) => string): SalesView['byModel'] {
  const totals = new Map<string, { orders: number; revenue: number }>();
  for (const row of rows) {
    const key = keyOf(row);
    const t = totals.get(key) ?? { orders: 0, revenue: 0 };
    t.orders++;
    t.revenue += row.price;
    totals.set(key, t);
  }
  return [...totals]
    .map(([key, t]) => ({ key, orders: t.orders, revenue: cents(t.revenue) }))
    .sort((a, b) => b.revenue - a.revenue || (a.key < b.key ? -1 : 1));
}

export function salesView(brand: string, rows: readonly SalesRow[]): SalesView {
  const days = new Map<number, { orders: number; revenue: number }>();
  for (const row of rows) {
    const time = datetimeSeconds(row.date);
    const day = days.get(time) ?? { orders: 0, revenue: 0 };
    day.orders++;
    day.revenue += row.price;
    days.set(time, day);
  }
  return {
    kind: 'sales',
    brand,
    daily: [...days]
      .sort(([a], [b]) => a - b)
      .map(([time, d]) => ({ time, orders: d.orders, revenue: cents(d.revenue) })),
    byModel: totalsBy(rows, (r) => r.model),
    byRegion: totalsBy(rows, (r) => r.region),
    bySegment: totalsBy(rows, (r) => priceSegment(r.price)),
  };
}

export function vitalsView(userId: string, rows: readonly VitalsRow[]): VitalsView {
  const sorted = rows
    .map((row) => ({ row, time: Math.floor(Date.parse(row.event_time) / 1000) }))
    .filter((r) => Number.isFinite(r.time))
    .sort((a, b) => a.time - b.time);
  const series: Record<string, Point[]> = {};
  for (const measure of MEASURES) {
    const line: Point[] = [];
    for (const { row, time } of sorted) {
      const point = { time, value: row[measure] };
      // Two readings in one second: the chart takes one point per time, so the later one stands.
      if (line.length > 0 && (line[line.length - 1] as Point).time === time) line[line.length - 1] = point;
      else line.push(point);
    }
    series[measure] = line;
  }
  const bands: VitalsView['bands'] = {};
  for (const measure of BANDED_MEASURES) {
    const band = COMFORT_BANDS[measure];
    bands[measure] = { rule: band.rule, outside: rows.filter((r) => band.outside(r[measure])).length };
  }
  return { kind: 'vitals', userId, series, bands };
}

/** The profile's column table and the figures of one column; undefined when the profile has no such column. */
export function profileView(profile: ProfileAnalysis, column: string): ProfileView | undefined {
  const asked = profile.columns.find((c) => c.name === column);
  if (asked === undefined) return undefined;
  const t = profile.time;
  return {
    kind: 'profile',
    column,
    rows: profile.rows,
    columns: profile.columns.map((c) => ({
      name: c.name,
      type: c.type,
      nulls: c.nulls,
      nullRate: c.nullRate,
      distinct: c.distinct,
      distinctAtLeast: c.distinctAtLeast,
      min: c.numeric?.min ?? null,
      median: c.numeric?.p50 ?? null,
      max: c.numeric?.max ?? null,
      mean: c.numeric?.mean ?? null,
      outliers: c.numeric?.outliers
        ? { outside: c.numeric.outliers.low + c.numeric.outliers.high, far: c.numeric.outliers.far }
        : null,
      top: c.top?.[0] ?? null,
      first: c.range?.first ?? null,
      last: c.range?.last ?? null,
    })),
    quantiles: asked.numeric
      ? {
          p25: asked.numeric.p25,
          p50: asked.numeric.p50,
          p75: asked.numeric.p75,
          stddev: asked.numeric.stddev,
        }
      : null,
    topValues: [...(asked.top ?? [])],
    extremes: (asked.numeric?.outliers?.extremes ?? []).map((e) => ({
      row: e.row,
      value: e.value,
      iqrsPast: e.iqrsPast,
      at: e.at,
    })),
    time:
      t === null
        ? null
        : {
            column: t.column,
            first: t.first,
            last: t.last,
            medianStepMs: t.medianStepMs,
            coveragePct: t.coveragePct,
            gapCount: t.gapCount,
            regular: t.regular,
          },
  };
}
