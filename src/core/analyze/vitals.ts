/**
 * Health vitals analytics: per user the range of every measure, runs of
 * consecutive readings outside clinical comfort bands, and readings close to
 * the dataset's validation limits (which may mean a sensor at its edge).
 */
import type { HealthVital } from '../datasets/rows.js';
import { FINDING_KIND, type Finding, findingId, listFindings, type Severity } from './findings/finding.js';

export type VitalsRow = HealthVital;

export const MEASURES = ['heart_rate', 'spo2', 'steps', 'temp_c', 'systolic_bp', 'diastolic_bp'] as const;
export type Measure = (typeof MEASURES)[number];

/** Measures with a comfort band; steps have none. */
export const BANDED_MEASURES = ['heart_rate', 'spo2', 'temp_c', 'systolic_bp', 'diastolic_bp'] as const;
export type BandedMeasure = (typeof BANDED_MEASURES)[number];

interface ComfortBand {
  readonly rule: string;
  readonly outside: (value: number) => boolean;
}

/** Common adult resting thresholds: tachycardia/bradycardia, low saturation, fever, stage-2 hypertension. */
export const COMFORT_BANDS: Readonly<Record<BandedMeasure, ComfortBand>> = {
  heart_rate: { rule: 'heart rate below 60 or above 100 bpm', outside: (v) => v < 60 || v > 100 },
  spo2: { rule: 'SpO2 below 95 %', outside: (v) => v < 95 },
  temp_c: { rule: 'temperature 38 °C or more', outside: (v) => v >= 38 },
  systolic_bp: { rule: 'systolic pressure 140 mmHg or more', outside: (v) => v >= 140 },
  diastolic_bp: { rule: 'diastolic pressure 90 mmHg or more', outside: (v) => v >= 90 },
};

/**
 * How far outside its comfort band a reading is: the value from which each
 * severity starts, on the side where the measure is abnormal. A reading past
 * the comfort band but short of `low` is `info`. Loosely after clinical
 * grading (tachycardia, hypoxaemia, fever, hypertension stages and crisis).
 */
export const VITAL_SEVERITY: Readonly<
  Record<
    BandedMeasure,
    ReadonlyArray<{
      readonly side: 'high' | 'low';
      readonly low: number;
      readonly medium: number;
      readonly high: number;
      readonly critical: number;
    }>
  >
> = {
  heart_rate: [
    { side: 'high', low: 110, medium: 120, high: 140, critical: 160 },
    { side: 'low', low: 55, medium: 50, high: 45, critical: 40 },
  ],
  spo2: [{ side: 'low', low: 93, medium: 92, high: 90, critical: 85 }],
  temp_c: [{ side: 'high', low: 38.5, medium: 39, high: 39.5, critical: 40.5 }],
  systolic_bp: [{ side: 'high', low: 150, medium: 160, high: 170, critical: 180 }],
  diastolic_bp: [{ side: 'high', low: 95, medium: 100, high: 110, critical: 120 }],
};

export const VITAL_SEVERITY_RULE =
  'a reading outside its comfort band is info, and low, medium, high or critical from these values: ' +
  'heart rate ≥ 110/120/140/160 or ≤ 55/50/45/40 bpm; SpO2 ≤ 93/92/90/85 %; temperature ≥ 38.5/39/39.5/40.5 °C; ' +
  'systolic ≥ 150/160/170/180 and diastolic ≥ 95/100/110/120 mmHg; one finding per user and measure, at its worst reading';

const SEVERITY_ORDER: readonly Severity[] = ['critical', 'high', 'medium', 'low'];

/** Severity of one reading; null inside the comfort band. */
export function vitalSeverity(measure: BandedMeasure, value: number): Severity | null {
  if (!COMFORT_BANDS[measure].outside(value)) return null;
  for (const level of SEVERITY_ORDER) {
    for (const ladder of VITAL_SEVERITY[measure]) {
      const edge = ladder[level as Exclude<Severity, 'info'>];
      if (ladder.side === 'high' ? value >= edge : value <= edge) return level;
    }
  }
  return 'info';
}

const RANK: Readonly<Record<Severity, number>> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

/** The `health-vitals` contract's validation limits: no valid reading lies outside them. */
export const VALIDATION_LIMITS: Readonly<Record<Measure, { readonly min: number; readonly max: number }>> = {
  heart_rate: { min: 50, max: 180 },
  spo2: { min: 90, max: 100 },
  steps: { min: 0, max: 50_000 },
  temp_c: { min: 35, max: 40 },
  systolic_bp: { min: 90, max: 180 },
  diastolic_bp: { min: 60, max: 120 },
};

export const NEAR_LIMIT_FRACTION = 0.05;
export const MIN_STREAK = 3;

export const STREAK_RULE =
  `a streak is at least ${MIN_STREAK} consecutive readings of one user, in event_time order, outside the comfort band ` +
  'of a measure; the longest per user and measure is reported';
export const NEAR_LIMIT_RULE =
  `a reading is near a limit when it lies within ${NEAR_LIMIT_FRACTION * 100} % of the validation range from its ` +
  'minimum or maximum (e.g. heart rate 50..180: at most 56.5 or at least 173.5)';

/** Size of the cross-user streak ranking. */
export const VITALS_LIMITS = { longestStreaks: 10 } as const;

export interface MeasureStats {
  readonly min: number;
  readonly mean: number;
  readonly max: number;
}

export interface Streak {
  readonly length: number;
  readonly start: string;
  readonly end: string;
}

export interface NearLimitCounts {
  readonly low: number;
  readonly high: number;
}

export interface UserVitals {
  readonly userId: string;
  readonly readings: number;
  /** First and last event_time. */
  readonly start: string;
  readonly end: string;
  readonly spanHours: number | null;
  readonly measures: Readonly<Record<Measure, MeasureStats>>;
  /** Readings outside the comfort band. */
  readonly outOfBand: Readonly<Record<BandedMeasure, number>>;
  /** Longest streak per measure; null when none reached `MIN_STREAK`. */
  readonly longestStreaks: Readonly<Record<BandedMeasure, Streak | null>>;
  readonly nearLimits: Readonly<Record<Measure, NearLimitCounts>>;
  /** The most abnormal reading per measure outside its comfort band; null when none was. */
  readonly worst: Readonly<Record<BandedMeasure, WorstReading | null>>;
}

export interface WorstReading {
  readonly value: number;
  readonly at: string;
  readonly severity: Severity;
}

export interface RankedStreak extends Streak {
  readonly userId: string;
  readonly measure: BandedMeasure;
}

export interface VitalsAnalysis {
  readonly readings: number;
  readonly users: number;
  readonly start: string | null;
  readonly end: string | null;
  /** Over all readings; null without readings. */
  readonly measures: Readonly<Record<Measure, MeasureStats | null>>;
  readonly outOfBand: Readonly<
    Record<BandedMeasure, { readonly readings: number; readonly sharePct: number | null }>
  >;
  /** Users with at least one streak, per measure. */
  readonly usersWithStreaks: Readonly<Record<BandedMeasure, number>>;
  /** Users with a streak in any measure. */
  readonly usersWithAnyStreak: number;
  /** The longest streaks over all users and measures, longest first. */
  readonly longestStreaks: readonly RankedStreak[];
  readonly nearLimits: Readonly<Record<Measure, NearLimitCounts>>;
  /** Every user, in user_id order. */
  readonly perUser: readonly UserVitals[];
  /** Abnormal vitals, one per user and measure, most severe first (at most 100); `findingsOmitted` more. */
  readonly findings: readonly Finding[];
  readonly findingsOmitted: number;
  readonly rules: {
    readonly comfortBands: Readonly<Record<BandedMeasure, string>>;
    readonly streak: string;
    readonly nearLimits: string;
    readonly severity: string;
  };
}

const perMeasure = <T>(make: (m: Measure) => T) =>
  Object.fromEntries(MEASURES.map((m) => [m, make(m)])) as Record<Measure, T>;
const perBanded = <T>(make: (m: BandedMeasure) => T) =>
  Object.fromEntries(BANDED_MEASURES.map((m) => [m, make(m)])) as Record<BandedMeasure, T>;

class Range {
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  sum = 0;
  count = 0;

  add(v: number): void {
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
    this.sum += v;
    this.count++;
  }

  merge(other: Range): void {
    this.min = Math.min(this.min, other.min);
    this.max = Math.max(this.max, other.max);
    this.sum += other.sum;
    this.count += other.count;
  }

  stats(): MeasureStats | null {
    return this.count === 0 ? null : { min: this.min, mean: this.sum / this.count, max: this.max };
  }
}

const isReading = (row: VitalsRow): boolean =>
  typeof row.user_id === 'string' &&
  typeof row.event_time === 'string' &&
  MEASURES.every((m) => typeof row[m] === 'number' && Number.isFinite(row[m]));

const nearLimit = (measure: Measure, v: number): 'low' | 'high' | null => {
  const { min, max } = VALIDATION_LIMITS[measure];
  const margin = (max - min) * NEAR_LIMIT_FRACTION;
  if (v <= min + margin) return 'low';
  return v >= max - margin ? 'high' : null;
};

const hoursBetween = (from: string, to: string): number | null => {
  const ms = Date.parse(to) - Date.parse(from);
  return Number.isFinite(ms) ? ms / 3_600_000 : null;
};

interface UserResult {
  readonly vitals: UserVitals;
  readonly ranges: Record<Measure, Range>;
}

/** Everything about one user; `rows` are that user's readings in time order. */
function analyzeUser(userId: string, rows: readonly VitalsRow[]): UserResult {
  const ranges = perMeasure(() => new Range());
  const outOfBand = perBanded(() => 0);
  const near = perMeasure(() => ({ low: 0, high: 0 }));
  const longest = perBanded((): Streak | null => null);
  const worst = perBanded((): WorstReading | null => null);
  const runStart = perBanded(() => -1);
  const closeRun = (m: BandedMeasure, endIndex: number) => {
    const from = runStart[m];
    if (from < 0) return;
    const length = endIndex - from + 1;
    if (length >= MIN_STREAK && length > (longest[m]?.length ?? 0)) {
      longest[m] = {
        length,
        start: (rows[from] as VitalsRow).event_time,
        end: (rows[endIndex] as VitalsRow).event_time,
      };
    }
    runStart[m] = -1;
  };
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as VitalsRow;
    for (const m of MEASURES) {
      const v = row[m];
      ranges[m].add(v);
      const edge = nearLimit(m, v);
      if (edge !== null) near[m][edge]++;
    }
    for (const m of BANDED_MEASURES) {
      const severity = vitalSeverity(m, row[m]);
      if (severity !== null) {
        const w = worst[m];
        const further =
          w === null ||
          RANK[severity] > RANK[w.severity] ||
          (RANK[severity] === RANK[w.severity] &&
            Math.abs(row[m] - BAND_EDGE[m]) > Math.abs(w.value - BAND_EDGE[m]));
        if (further) worst[m] = { value: row[m], at: row.event_time, severity };
        outOfBand[m]++;
        if (runStart[m] < 0) runStart[m] = i;
      } else {
        closeRun(m, i - 1);
      }
    }
  }
  for (const m of BANDED_MEASURES) closeRun(m, rows.length - 1);
  const first = (rows[0] as VitalsRow).event_time;
  const last = (rows[rows.length - 1] as VitalsRow).event_time;
  return {
    ranges,
    vitals: {
      userId,
      readings: rows.length,
      start: first,
      end: last,
      spanHours: hoursBetween(first, last),
      measures: perMeasure((m) => ranges[m].stats() as MeasureStats),
      outOfBand,
      longestStreaks: longest,
      nearLimits: near,
      worst,
    },
  };
}

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function analyzeVitals(rows: Iterable<VitalsRow>): VitalsAnalysis {
  const byUser = new Map<string, VitalsRow[]>();
  let last: { id: string; rows: VitalsRow[] } | undefined;
  for (const row of rows) {
    if (!isReading(row)) continue;
    if (last === undefined || last.id !== row.user_id) {
      let userRows = byUser.get(row.user_id);
      if (userRows === undefined) {
        userRows = [];
        byUser.set(row.user_id, userRows);
      }
      last = { id: row.user_id, rows: userRows };
    }
    last.rows.push(row);
  }

  const overall = perMeasure(() => new Range());
  const outOfBandTotal = perBanded(() => 0);
  const usersWithStreaks = perBanded(() => 0);
  const nearTotal = perMeasure(() => ({ low: 0, high: 0 }));
  const ranked: RankedStreak[] = [];
  const perUser: UserVitals[] = [];
  let usersWithAnyStreak = 0;
  let readings = 0;
  let start: string | null = null;
  let end: string | null = null;

  for (const userId of [...byUser.keys()].sort(compareText)) {
    const userRows = byUser.get(userId) as VitalsRow[];
    // event_time is normalized UTC ISO with fixed precision, so text order is time order.
    if (!userRows.every((r, i) => i === 0 || (userRows[i - 1] as VitalsRow).event_time <= r.event_time)) {
      userRows.sort((a, b) => compareText(a.event_time, b.event_time));
    }
    const { vitals, ranges } = analyzeUser(userId, userRows);
    perUser.push(vitals);
    readings += vitals.readings;
    if (start === null || vitals.start < start) start = vitals.start;
    if (end === null || vitals.end > end) end = vitals.end;
    for (const m of MEASURES) {
      overall[m].merge(ranges[m]);
      nearTotal[m].low += vitals.nearLimits[m].low;
      nearTotal[m].high += vitals.nearLimits[m].high;
    }
    let anyStreak = false;
    for (const m of BANDED_MEASURES) {
      outOfBandTotal[m] += vitals.outOfBand[m];
      const streak = vitals.longestStreaks[m];
      if (streak !== null) {
        usersWithStreaks[m]++;
        anyStreak = true;
        ranked.push({ userId, measure: m, ...streak });
      }
    }
    if (anyStreak) usersWithAnyStreak++;
  }

  const found = listFindings(perUser.flatMap(userFindings));
  return {
    readings,
    users: perUser.length,
    start,
    end,
    measures: perMeasure((m) => overall[m].stats()),
    outOfBand: perBanded((m) => ({
      readings: outOfBandTotal[m],
      sharePct: readings > 0 ? (outOfBandTotal[m] / readings) * 100 : null,
    })),
    usersWithStreaks,
    usersWithAnyStreak,
    longestStreaks: ranked
      .sort(
        (a, b) => b.length - a.length || compareText(a.userId, b.userId) || compareText(a.measure, b.measure),
      )
      .slice(0, VITALS_LIMITS.longestStreaks),
    nearLimits: nearTotal,
    perUser,
    rules: {
      comfortBands: perBanded((m) => COMFORT_BANDS[m].rule),
      streak: STREAK_RULE,
      nearLimits: NEAR_LIMIT_RULE,
      severity: VITAL_SEVERITY_RULE,
    },
    findings: found.findings,
    findingsOmitted: found.omitted,
  };
}

/** The comfort band's edge on the side each measure is abnormal (heart rate: the nearer one). */
const BAND_EDGE: Readonly<Record<BandedMeasure, number>> = {
  heart_rate: 80,
  spo2: 95,
  temp_c: 38,
  systolic_bp: 140,
  diastolic_bp: 90,
};

export const MEASURE_NAMES: Readonly<Record<Measure, string>> = {
  heart_rate: 'heart rate',
  spo2: 'SpO2',
  steps: 'steps',
  temp_c: 'temperature',
  systolic_bp: 'systolic pressure',
  diastolic_bp: 'diastolic pressure',
};

export const MEASURE_UNITS: Readonly<Record<Measure, string>> = {
  heart_rate: ' bpm',
  spo2: '%',
  steps: '',
  temp_c: ' °C',
  systolic_bp: ' mmHg',
  diastolic_bp: ' mmHg',
};

/** `2024-03-02T09:00:00.000Z` as `2024-03-02 09:00 UTC`; anything else as it is. */
const readableTime = (iso: string): string => {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?Z$/.exec(iso);
  return m ? `${m[1]} ${m[2]} UTC` : iso;
};

function userFindings(user: UserVitals): Finding[] {
  const findings: Finding[] = [];
  for (const m of BANDED_MEASURES) {
    const w = user.worst[m];
    if (w === null) continue;
    const outside = user.outOfBand[m];
    const streak = user.longestStreaks[m]?.length ?? 0;
    findings.push({
      id: findingId(
        FINDING_KIND.abnormalVital,
        `${user.userId}\u0000${m}`,
        w.severity === 'info' ? 'info' : w.at,
      ),
      kind: FINDING_KIND.abnormalVital,
      severity: w.severity,
      subject: user.userId,
      at: w.at,
      title:
        `${MEASURE_NAMES[m]} ${w.value}${MEASURE_UNITS[m]} at ${readableTime(w.at)}` +
        ` (${outside} of ${user.readings} readings outside the band${streak >= MIN_STREAK ? `, longest streak ${streak}` : ''})`,
      evidence: {
        measure: w.value,
        threshold: BAND_EDGE[m],
        figures: { value: w.value, readingsOutside: outside, readings: user.readings, longestStreak: streak },
        rows: [`${user.userId} ${w.at} ${m}`],
      },
      count: outside,
    });
  }
  return findings;
}
