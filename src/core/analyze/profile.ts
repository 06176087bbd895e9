/**
 * The profile analysis: what any dataset's columns hold, whatever they mean.
 * Per column its nulls, distinct values, numeric spread (quantiles, IQR
 * outliers, a histogram) or most common values; for the time column its
 * coverage, typical step and the gaps in it. Figures are exact: numeric values
 * are sorted whole (8 bytes each, far less than the rows the stage already
 * holds); only the distinct count of text columns stops at a cap.
 */
import type { AnalysisPlan, ColumnType, PlanColumn } from '../datasets/analysis-plan.js';
import {
  FINDING_KIND,
  type Finding,
  findingId,
  listFindings,
  SEVERITY_EDGES,
  severityFrom,
} from './findings/finding.js';
import { formatCount, formatPct } from './market/format.js';

export const PROFILE_LIMITS = {
  /** Distinct values counted per text, enum or boolean column; past it the count reads "at least". */
  distinct: 10_000,
  /** Most common values kept per text, enum or boolean column. */
  topValues: 5,
  /** Most extreme values kept per numeric column (and the far ones among them become findings). */
  extremes: 10,
  /** Largest time gaps kept (each a finding when the series is regular). */
  gaps: 10,
  /** Histogram bins per numeric column. */
  bins: 10,
  /** Values a column needs before its IQR fences mean anything. */
  outlierMinValues: 8,
  /** Steps between distinct instants a series needs before its median step means anything. */
  gapMinSteps: 4,
} as const;

/** Tukey's fences: outside Q1 − 1.5·IQR or Q3 + 1.5·IQR; "far" outside Q1 − 3·IQR or Q3 + 3·IQR. */
export const IQR_FENCE = 1.5;
export const IQR_FAR_FENCE = 3;
/** A step between consecutive instants counts as a gap when it is more than this many median steps. */
export const GAP_FACTOR = 3;
/** A series is regular when at least this share of its steps lies within ±10 % of the median step. */
export const REGULAR_SHARE = 0.5;
const REGULAR_TOLERANCE = 0.1;

export const PROFILE_RULES = {
  outliers:
    `outliers lie outside Tukey's fences, Q1 − ${IQR_FENCE}·IQR and Q3 + ${IQR_FENCE}·IQR; far outliers outside ` +
    `Q1 − ${IQR_FAR_FENCE}·IQR and Q3 + ${IQR_FAR_FENCE}·IQR (quantiles by linear interpolation, R type 7); ` +
    `a column needs ${PROFILE_LIMITS.outlierMinValues} values and an IQR above 0`,
  gaps:
    `a gap is a step between consecutive distinct instants of the time column longer than ${GAP_FACTOR} × the ` +
    `median step; gaps are findings only in a regular series (at least ${REGULAR_SHARE * 100} % of steps within ` +
    `±${REGULAR_TOLERANCE * 100} % of the median step), as events at random times have long steps by nature`,
  nulls:
    'a column whose share of null values reaches 5 % is a finding (20 % medium, 50 % high, 95 % critical)',
  distinct: `distinct values of text, enum and boolean columns are counted up to ${formatCount(PROFILE_LIMITS.distinct)}; numbers and instants exactly`,
  rows: 'row N is the N-th line of the processed file (valid rows in input order)',
} as const;

export interface TopValue {
  readonly value: string;
  readonly count: number;
}

export interface ExtremeValue {
  /** 1-based line of the processed file. */
  readonly row: number;
  readonly value: number;
  readonly side: 'low' | 'high';
  /** Distance past the 1.5·IQR fence, in IQRs: 1.5 or more is a far outlier. */
  readonly iqrsPast: number;
  /** The row's time column value, when there is one. */
  readonly at: string | null;
}

export interface OutlierProfile {
  readonly lowerFence: number;
  readonly upperFence: number;
  readonly farLowerFence: number;
  readonly farUpperFence: number;
  /** Values below the lower and above the upper 1.5·IQR fence. */
  readonly low: number;
  readonly high: number;
  /** Of those, values outside the 3·IQR fences. */
  readonly far: number;
  /** The most extreme outliers, farthest first (at most `PROFILE_LIMITS.extremes`). */
  readonly extremes: readonly ExtremeValue[];
}

export interface Histogram {
  /** Equal-width bins from min to max; the last bin includes max. */
  readonly from: number;
  readonly width: number;
  readonly counts: readonly number[];
}

export interface NumericProfile {
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  /** Sample standard deviation (n − 1); null for a single value. */
  readonly stddev: number | null;
  readonly p25: number;
  readonly p50: number;
  readonly p75: number;
  readonly iqr: number;
  /** Null when the column has too few values or no spread between its quartiles. */
  readonly outliers: OutlierProfile | null;
  readonly histogram: Histogram;
}

export interface ColumnProfile {
  readonly name: string;
  readonly type: ColumnType;
  /** Rows profiled (the same for every column). */
  readonly rows: number;
  readonly nulls: number;
  /** nulls ÷ rows, 0 without rows. */
  readonly nullRate: number;
  /** Values of another type than declared (ingest normalizes them, so normally 0); left out of the figures. */
  readonly invalid: number;
  /** Non-null values of the declared type. */
  readonly values: number;
  readonly distinct: number;
  /** True when the distinct count stopped at `PROFILE_LIMITS.distinct`: there are at least that many. */
  readonly distinctAtLeast: boolean;
  readonly numeric: NumericProfile | null;
  /** Most common values, most frequent first (text, enum, boolean columns). */
  readonly top: readonly TopValue[] | null;
  /** Earliest and latest value, as the data writes them (date and time columns). */
  readonly range: { readonly first: string; readonly last: string } | null;
}

export interface TimeGap {
  /** The instants on either side of the gap. */
  readonly start: string;
  readonly end: string;
  readonly ms: number;
  /** The gap in median steps. */
  readonly steps: number;
}

export interface TimeProfile {
  readonly column: string;
  readonly first: string;
  readonly last: string;
  readonly spanMs: number;
  /** Rows with an instant, and how many distinct instants they have. */
  readonly points: number;
  readonly instants: number;
  /** Median step between consecutive distinct instants; null below `gapMinSteps` steps. */
  readonly medianStepMs: number | null;
  /** Share of steps within ±10 % of the median step, in %. */
  readonly regularPct: number | null;
  readonly regular: boolean;
  /** Distinct instants ÷ the instants a span at the median step would have, in % (at most 100). */
  readonly coveragePct: number | null;
  readonly gapCount: number;
  /** Largest gaps first (at most `PROFILE_LIMITS.gaps`). */
  readonly largestGaps: readonly TimeGap[];
}

export interface ProfileAnalysis {
  readonly rows: number;
  /** Lines that were not objects: not profiled. */
  readonly skippedRows: number;
  readonly columns: readonly ColumnProfile[];
  readonly time: TimeProfile | null;
  readonly start: string | null;
  readonly end: string | null;
  /** Outliers, gaps and null rates, most severe first (at most 100); `findingsOmitted` more. */
  readonly findings: readonly Finding[];
  readonly findingsOmitted: number;
  readonly rules: typeof PROFILE_RULES;
}

const NUMERIC: ReadonlySet<ColumnType> = new Set(['integer', 'number']);
const CATEGORICAL: ReadonlySet<ColumnType> = new Set(['string', 'enum', 'boolean']);
export const TIME_TYPES: ReadonlySet<ColumnType> = new Set(['date', 'datetime', 'epoch_s', 'epoch_ms']);

/** A growable list of doubles: a million values cost 8 MB, not a million boxed numbers. */
class Doubles {
  #data = new Float64Array(256);
  length = 0;

  push(value: number): void {
    if (this.length === this.#data.length) {
      const grown = new Float64Array(this.#data.length * 2);
      grown.set(this.#data);
      this.#data = grown;
    }
    this.#data[this.length++] = value;
  }

  view(): Float64Array {
    return this.#data.subarray(0, this.length);
  }
}

class ColumnTally {
  nulls = 0;
  invalid = 0;
  valid = 0;
  readonly values = new Doubles();
  /** Rows (0-based) of `values`, for numeric columns. */
  readonly rows = new Doubles();
  readonly counts = new Map<string, number>();
  distinctAtLeast = false;
  first: { ms: number; text: string } | null = null;
  last: { ms: number; text: string } | null = null;

  constructor(readonly column: PlanColumn) {}

  add(value: unknown, row: number): void {
    if (value === null || value === undefined) {
      this.nulls++;
      return;
    }
    const { type } = this.column;
    if (NUMERIC.has(type)) {
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        this.invalid++;
        return;
      }
      this.values.push(value);
      this.rows.push(row);
    } else if (CATEGORICAL.has(type)) {
      if (type === 'boolean' ? typeof value !== 'boolean' : typeof value !== 'string') {
        this.invalid++;
        return;
      }
      this.count(String(value));
    } else {
      const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
      if (!Number.isFinite(ms)) {
        this.invalid++;
        return;
      }
      this.values.push(ms);
      if (this.first === null || ms < this.first.ms) this.first = { ms, text: value as string };
      if (this.last === null || ms > this.last.ms) this.last = { ms, text: value as string };
    }
    this.valid++;
  }

  count(key: string): void {
    const seen = this.counts.get(key);
    if (seen !== undefined) this.counts.set(key, seen + 1);
    else if (this.counts.size < PROFILE_LIMITS.distinct) this.counts.set(key, 1);
    else this.distinctAtLeast = true;
  }
}

/** Quantile of sorted values by linear interpolation between closest ranks (R type 7, numpy's default). */
export function quantileOf(sorted: ArrayLike<number>, q: number): number {
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const lower = sorted[below] as number;
  const upper = sorted[Math.min(below + 1, sorted.length - 1)] as number;
  return lower + (upper - lower) * (position - below);
}

const distinctSorted = (sorted: Float64Array): number => {
  let n = 0;
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) n++;
  return n;
};

function histogramOf(sorted: Float64Array, min: number, max: number): Histogram {
  const bins = max > min ? PROFILE_LIMITS.bins : 1;
  const width = max > min ? (max - min) / bins : 0;
  const counts = new Array<number>(bins).fill(0);
  for (const v of sorted) {
    const bin = width === 0 ? 0 : Math.min(bins - 1, Math.floor((v - min) / width));
    counts[bin] = (counts[bin] as number) + 1;
  }
  return { from: min, width, counts };
}

function numericProfile(tally: ColumnTally, timeAt: (row: number) => string | null): NumericProfile | null {
  const values = tally.values.view();
  const n = values.length;
  if (n === 0) return null;
  // Welford's update: a stable mean and variance even for large values with a small spread.
  let mean = 0;
  let m2 = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    const delta = v - mean;
    mean += delta / (i + 1);
    m2 += delta * (v - mean);
  }
  const sorted = Float64Array.from(values).sort();
  const min = sorted[0] as number;
  const max = sorted[n - 1] as number;
  const p25 = quantileOf(sorted, 0.25);
  const p50 = quantileOf(sorted, 0.5);
  const p75 = quantileOf(sorted, 0.75);
  const iqr = p75 - p25;
  return {
    min,
    max,
    // The running mean may drift a hair outside [min, max] when every value is the same.
    mean: Math.min(max, Math.max(min, mean)),
    stddev: n > 1 ? Math.sqrt(m2 / (n - 1)) : null,
    p25,
    p50,
    p75,
    iqr,
    outliers:
      n >= PROFILE_LIMITS.outlierMinValues && iqr > 0 ? outliersOf(tally, p25, p75, iqr, timeAt) : null,
    histogram: histogramOf(sorted, min, max),
  };
}

function outliersOf(
  tally: ColumnTally,
  p25: number,
  p75: number,
  iqr: number,
  timeAt: (row: number) => string | null,
): OutlierProfile {
  const values = tally.values.view();
  const rows = tally.rows.view();
  const lowerFence = p25 - IQR_FENCE * iqr;
  const upperFence = p75 + IQR_FENCE * iqr;
  const farLowerFence = p25 - IQR_FAR_FENCE * iqr;
  const farUpperFence = p75 + IQR_FAR_FENCE * iqr;
  let low = 0;
  let high = 0;
  let far = 0;
  const outside: Array<{ i: number; past: number; side: 'low' | 'high' }> = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (v >= lowerFence && v <= upperFence) continue;
    const side = v < lowerFence ? 'low' : 'high';
    if (side === 'low') low++;
    else high++;
    if (v < farLowerFence || v > farUpperFence) far++;
    outside.push({ i, side, past: side === 'low' ? lowerFence - v : v - upperFence });
  }
  // Farthest first; the earlier row first among equals, so the list is the same on every run.
  outside.sort((a, b) => b.past - a.past || a.i - b.i);
  const extremes = outside.slice(0, PROFILE_LIMITS.extremes).map(({ i, past, side }) => {
    const row = rows[i] as number;
    return { row: row + 1, value: values[i] as number, side, iqrsPast: past / iqr, at: timeAt(row) };
  });
  return { lowerFence, upperFence, farLowerFence, farUpperFence, low, high, far, extremes };
}

function topValues(counts: ReadonlyMap<string, number>): TopValue[] {
  return [...counts]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, PROFILE_LIMITS.topValues)
    .map(([value, count]) => ({ value, count }));
}

function columnProfile(
  tally: ColumnTally,
  rows: number,
  timeAt: (row: number) => string | null,
): ColumnProfile {
  const { name, type } = tally.column;
  const numeric = NUMERIC.has(type) ? numericProfile(tally, timeAt) : null;
  const categorical = CATEGORICAL.has(type);
  return {
    name,
    type,
    rows,
    nulls: tally.nulls,
    nullRate: rows === 0 ? 0 : tally.nulls / rows,
    invalid: tally.invalid,
    values: tally.valid,
    distinct: categorical ? tally.counts.size : distinctSorted(Float64Array.from(tally.values.view()).sort()),
    distinctAtLeast: tally.distinctAtLeast,
    numeric,
    top: categorical ? topValues(tally.counts) : null,
    range:
      tally.first !== null && tally.last !== null ? { first: tally.first.text, last: tally.last.text } : null,
  };
}

const iso = (ms: number, type: ColumnType): string => {
  const text = new Date(ms).toISOString();
  return type === 'date' ? text.slice(0, 10) : text;
};

function timeProfile(tally: ColumnTally): TimeProfile | null {
  if (tally.first === null || tally.last === null) return null;
  const sorted = Float64Array.from(tally.values.view()).sort();
  const instants: number[] = [];
  for (let i = 0; i < sorted.length; i++)
    if (i === 0 || sorted[i] !== sorted[i - 1]) instants.push(sorted[i] as number);
  const steps = new Float64Array(Math.max(0, instants.length - 1));
  for (let i = 1; i < instants.length; i++)
    steps[i - 1] = (instants[i] as number) - (instants[i - 1] as number);
  const spanMs = tally.last.ms - tally.first.ms;
  const base = {
    column: tally.column.name,
    first: tally.first.text,
    last: tally.last.text,
    spanMs,
    points: sorted.length,
    instants: instants.length,
  };
  if (steps.length < PROFILE_LIMITS.gapMinSteps) {
    return {
      ...base,
      medianStepMs: null,
      regularPct: null,
      regular: false,
      coveragePct: null,
      gapCount: 0,
      largestGaps: [],
    };
  }
  const medianStepMs = quantileOf(Float64Array.from(steps).sort(), 0.5);
  let regularSteps = 0;
  const gaps: Array<{ i: number; ms: number }> = [];
  for (let i = 0; i < steps.length; i++) {
    const ms = steps[i] as number;
    if (Math.abs(ms - medianStepMs) <= REGULAR_TOLERANCE * medianStepMs) regularSteps++;
    if (ms > GAP_FACTOR * medianStepMs) gaps.push({ i, ms });
  }
  gaps.sort((a, b) => b.ms - a.ms || a.i - b.i);
  const type = tally.column.type;
  const regularPct = (regularSteps / steps.length) * 100;
  return {
    ...base,
    medianStepMs,
    regularPct,
    regular: regularPct >= REGULAR_SHARE * 100,
    coveragePct: Math.min(100, (instants.length / (Math.floor(spanMs / medianStepMs) + 1)) * 100),
    gapCount: gaps.length,
    largestGaps: gaps.slice(0, PROFILE_LIMITS.gaps).map(({ i, ms }) => ({
      start: iso(instants[i] as number, type),
      end: iso(instants[i + 1] as number, type),
      ms,
      steps: ms / medianStepMs,
    })),
  };
}

/** The column that orders rows in time: the plan's, when it names a date or time column, else the first one. */
export function timeColumnOf(plan: AnalysisPlan): PlanColumn | null {
  const named = plan.columns.find((c) => c.name === plan.timeColumn && TIME_TYPES.has(c.type));
  return named ?? plan.columns.find((c) => TIME_TYPES.has(c.type)) ?? null;
}

const isRecord = (row: unknown): row is Record<string, unknown> =>
  typeof row === 'object' && row !== null && !Array.isArray(row);

export function analyzeProfile(rows: Iterable<unknown>, plan: AnalysisPlan): ProfileAnalysis {
  const tallies = plan.columns.map((c) => new ColumnTally(c));
  const timeColumn = timeColumnOf(plan);
  const timeByRow: Array<string | null> = [];
  let line = 0;
  let profiled = 0;
  let skippedRows = 0;
  for (const row of rows) {
    const index = line++;
    if (!isRecord(row)) {
      skippedRows++;
      timeByRow.push(null);
      continue;
    }
    profiled++;
    for (const tally of tallies)
      tally.add(Object.hasOwn(row, tally.column.name) ? row[tally.column.name] : null, index);
    const t = timeColumn === null ? null : row[timeColumn.name];
    timeByRow.push(typeof t === 'string' ? t : null);
  }
  const timeAt = (row: number) => timeByRow[row] ?? null;
  const columns = tallies.map((t) => columnProfile(t, profiled, timeAt));
  const timeTally = timeColumn === null ? undefined : tallies.find((t) => t.column === timeColumn);
  const time = timeTally === undefined ? null : timeProfile(timeTally);
  const found = listFindings([
    ...columns.flatMap((c) => outlierFindings(c, time?.column ?? null)),
    ...(time === null ? [] : gapFindings(time)),
    ...columns.flatMap((c) => nullRateFinding(c, time?.last ?? 'all rows')),
  ]);
  const omitted = columns.reduce(
    (n, c) => n + Math.max(0, (c.numeric?.outliers?.far ?? 0) - farListed(c)),
    time?.regular ? Math.max(0, time.gapCount - time.largestGaps.length) : 0,
  );
  return {
    rows: profiled,
    skippedRows,
    columns,
    time,
    start: time?.first ?? null,
    end: time?.last ?? null,
    findings: found.findings,
    findingsOmitted: found.omitted + omitted,
    rules: PROFILE_RULES,
  };
}

/** Past the 3·IQR fence is this far past the 1.5·IQR one. */
const FAR_IQRS_PAST = IQR_FAR_FENCE - IQR_FENCE;
const isFar = (e: ExtremeValue): boolean => e.iqrsPast > FAR_IQRS_PAST;

const farListed = (c: ColumnProfile): number => c.numeric?.outliers?.extremes.filter(isFar).length ?? 0;

/** A column's figure as the facts hand it over: whole numbers as they are, others to 4 significant digits. */
export const significant = (value: number): number =>
  Number.isInteger(value) ? value : Number(value.toPrecision(4));

const significant4 = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 4 });

/** `significant(value)` with thousands separators, so prose quotes exactly the figure the facts hold. */
export function formatValue(value: number): string {
  if (value !== 0 && (Math.abs(value) >= 1e15 || Math.abs(value) < 1e-6)) return value.toExponential(3);
  return Number.isInteger(value) ? formatCount(value) : significant4.format(value);
}

/**
 * An ISO UTC instant as `2024-01-10 21:30 UTC` (seconds only when there are some); a date or any other
 * text as it is. The grounding check reads the date and the hour and minute either way.
 */
export function readableInstant(text: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::(\d{2}(?:\.\d+)?))?Z$/.exec(text);
  if (m === null) return text;
  const seconds = m[3] === undefined || Number(m[3]) === 0 ? '' : `:${m[3].replace(/\.?0+$/, '')}`;
  return `${m[1]} ${m[2]}${seconds} UTC`;
}

/** `900000` as `15 min`: the unit that keeps the figure short. */
export function formatDuration(ms: number): string {
  const units: Array<[number, string]> = [
    [86_400_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'min'],
    [1000, 's'],
  ];
  for (const [size, unit] of units) {
    if (ms >= size) return `${Number((ms / size).toPrecision(3))} ${unit}`;
  }
  return `${Number(ms.toPrecision(3))} ms`;
}

/** Each far outlier of a column (the most extreme few) is a finding; the milder ones one info finding. */
function outlierFindings(c: ColumnProfile, timeColumn: string | null): Finding[] {
  const o = c.numeric?.outliers;
  if (o === null || o === undefined || o.low + o.high === 0) return [];
  const edges = SEVERITY_EDGES.value_outlier;
  const where = (e: ExtremeValue) => e.at ?? `row ${e.row}`;
  const findings: Finding[] = o.extremes.filter(isFar).map((e) => ({
    id: findingId(FINDING_KIND.valueOutlier, `${c.name}\u0000${e.row}`, where(e)),
    kind: FINDING_KIND.valueOutlier,
    severity: severityFrom(edges, e.iqrsPast),
    subject: c.name,
    at: where(e),
    title:
      `${c.name} ${formatValue(e.value)} on row ${formatCount(e.row)}${e.at !== null && timeColumn !== null ? ` (${timeColumn} ${readableInstant(e.at)})` : ''}: ` +
      `${e.iqrsPast.toFixed(1)} IQRs ${e.side === 'high' ? 'above the upper' : 'below the lower'} fence ` +
      `${formatValue(e.side === 'high' ? o.upperFence : o.lowerFence)}`,
    evidence: {
      measure: e.iqrsPast,
      threshold: edges.low,
      figures: {
        value: e.value,
        row: e.row,
        fence: e.side === 'high' ? o.upperFence : o.lowerFence,
        iqr: c.numeric?.iqr ?? 0,
      },
      rows: [`row ${e.row}`],
    },
    count: 1,
  }));
  const mild = o.low + o.high - o.far;
  if (mild > 0) {
    const [worst] = o.extremes;
    findings.push({
      id: findingId(FINDING_KIND.valueOutlier, c.name, 'info'),
      kind: FINDING_KIND.valueOutlier,
      severity: 'info',
      subject: c.name,
      at: worst === undefined ? 'all rows' : where(worst),
      title: `${c.name}: ${formatCount(o.low + o.high)} of ${formatCount(c.values)} values outside the ${IQR_FENCE}·IQR fences (${formatCount(o.far)} far)`,
      evidence: {
        measure: mild,
        threshold: 1,
        figures: { low: o.low, high: o.high, far: o.far, values: c.values },
        rows: o.extremes.slice(0, 5).map((e) => `row ${e.row}`),
      },
      count: mild,
    });
  }
  return findings;
}

function gapFindings(t: TimeProfile): Finding[] {
  if (!t.regular || t.medianStepMs === null) return [];
  const step = t.medianStepMs;
  return t.largestGaps.map((g) => ({
    id: findingId(FINDING_KIND.timeGap, t.column, g.start),
    kind: FINDING_KIND.timeGap,
    severity: severityFrom(SEVERITY_EDGES.time_gap, g.steps),
    subject: t.column,
    at: g.start,
    title: `no ${t.column} between ${readableInstant(g.start)} and ${readableInstant(g.end)}: ${formatDuration(g.ms)}, ${g.steps.toFixed(1)} × the median step of ${formatDuration(step)}`,
    evidence: {
      measure: g.steps,
      threshold: SEVERITY_EDGES.time_gap.low,
      figures: { gapMs: g.ms, medianStepMs: step, steps: g.steps },
      rows: [`${g.start} → ${g.end}`],
    },
    count: 1,
  }));
}

/** `at` is the end of the data's period: a column's null rate is about all of it. */
function nullRateFinding(c: ColumnProfile, at: string): Finding[] {
  const pct = c.nullRate * 100;
  if (c.nulls === 0 || pct < SEVERITY_EDGES.null_rate.low) return [];
  return [
    {
      id: findingId(FINDING_KIND.nullRate, c.name, 'column'),
      kind: FINDING_KIND.nullRate,
      severity: severityFrom(SEVERITY_EDGES.null_rate, pct),
      subject: c.name,
      at,
      title: `${c.name} is null on ${formatCount(c.nulls)} of ${formatCount(c.rows)} rows (${formatPct(pct)})`,
      evidence: {
        measure: pct,
        threshold: SEVERITY_EDGES.null_rate.low,
        figures: { nulls: c.nulls, rows: c.rows, pct },
        rows: [c.name],
      },
      count: c.nulls,
    },
  ];
}
