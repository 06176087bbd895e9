/**
 * A dataset of no built-in kind, for the profile analysis: a reading every 15
 * minutes with a normal amount, an integer count, a category, an optional
 * note and a flag. When asked, it plants far outliers in both numeric columns
 * and gaps in the time column, each at a magnitude in the middle of a severity
 * band (SEVERITY_EDGES.value_outlier, .time_gap), and 30 % nulls in the note.
 */
import { FINDING_KIND } from '../../core/analyze/findings/finding.js';
import { IQR_FENCE } from '../../core/analyze/profile.js';
import type { AnalysisPlan } from '../../core/datasets/analysis-plan.js';
import { seededRandom } from '../prng.js';
import { PLANTED_SEVERITIES, type PlantedEvent, type Truth } from './truth.js';

export const PROFILE_HEADER = 't,amount,count,category,note,ok';

export const PLANTED_PROFILE_PLAN: AnalysisPlan = {
  kind: 'profile',
  timeColumn: 't',
  columns: [
    { name: 't', type: 'datetime' },
    { name: 'amount', type: 'number' },
    { name: 'count', type: 'integer' },
    { name: 'category', type: 'enum' },
    { name: 'note', type: 'string' },
    { name: 'ok', type: 'boolean' },
  ],
};

const STEP_MS = 15 * 60_000;
/** Gap lengths in steps, one per severity: inside [3, 6), [6, 12), [12, 48) and past 48 median steps. */
const GAP_STEPS: Readonly<Record<(typeof PLANTED_SEVERITIES)[number], number>> = {
  low: 4,
  medium: 8,
  high: 20,
  critical: 80,
};
/** IQRs past the 1.5·IQR fence, one per severity: inside [1.5, 3), [3, 6), [6, 12) and past 12. */
const OUTLIER_IQRS: Readonly<Record<(typeof PLANTED_SEVERITIES)[number], number>> = {
  low: 2.25,
  medium: 4.5,
  high: 9,
  critical: 18,
};
/** The quartiles of a normal draw lie 0.6745 σ either side of its mean. */
const Z_QUARTILE = 0.6745;

interface NumericColumn {
  readonly name: 'amount' | 'count';
  readonly mean: number;
  readonly sd: number;
  readonly round: (v: number) => number;
}

const NUMERIC: readonly NumericColumn[] = [
  { name: 'amount', mean: 100, sd: 10, round: (v) => Math.round(v * 100) / 100 },
  { name: 'count', mean: 50, sd: 5, round: Math.round },
];

export interface PlantedProfileOptions {
  readonly seed: number;
  readonly rows: number;
  /** @default true */
  readonly plant?: boolean;
}

export function plantedProfile(options: PlantedProfileOptions): {
  csv: string;
  rows: Array<Record<string, unknown>>;
  plan: AnalysisPlan;
  truth: Truth;
} {
  const random = seededRandom(options.seed);
  // Clipped at ±3.5σ, well inside the 3·IQR fences (±4.7σ): a clean column has no far outlier by construction,
  // where an unclipped draw has one in about 400,000 values (more once integer rounding narrows the IQR).
  const normal = () =>
    Math.max(-3.5, Math.min(3.5, Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())));
  const plant = options.plant !== false;
  const n = options.rows;
  const events: PlantedEvent[] = [];
  // Two gaps and two outliers per column of each severity, at rows spread over the file.
  const gapsBefore = new Map<number, (typeof PLANTED_SEVERITIES)[number]>();
  const outliers = new Map<
    string,
    { column: NumericColumn; level: (typeof PLANTED_SEVERITIES)[number]; high: boolean }
  >();
  if (plant) {
    const slots = PLANTED_SEVERITIES.length * 2;
    PLANTED_SEVERITIES.forEach((level, i) => {
      for (const k of [0, 1]) gapsBefore.set(Math.floor(((i * 2 + k + 0.5) * n) / slots), level);
      for (const column of NUMERIC) {
        for (const k of [0, 1]) {
          const row = 1 + Math.floor(random() * (n - 2));
          outliers.set(`${column.name}:${row}`, { column, level, high: k === 0 || column.name === 'amount' });
        }
      }
    });
  }
  const rows: Array<Record<string, unknown>> = [];
  const lines = [PROFILE_HEADER];
  let ms = Date.UTC(2024, 0, 1);
  for (let i = 0; i < n; i++) {
    const gap = gapsBefore.get(i);
    if (i > 0) {
      ms += gap === undefined ? STEP_MS : GAP_STEPS[gap] * STEP_MS;
      if (gap !== undefined) {
        events.push({
          kind: FINDING_KIND.timeGap,
          subject: 't',
          at: rows[i - 1]?.t as string,
          severity: gap,
          what: `${GAP_STEPS[gap]} steps without a row`,
        });
      }
    }
    const t = new Date(ms).toISOString();
    const row: Record<string, unknown> = { t };
    for (const column of NUMERIC) {
      const key = `${column.name}:${i}`;
      const planted = outliers.get(key);
      if (planted === undefined) {
        row[column.name] = column.round(column.mean + column.sd * normal());
        continue;
      }
      const iqr = 2 * Z_QUARTILE * column.sd;
      const past = (IQR_FENCE + OUTLIER_IQRS[planted.level]) * iqr;
      const quartile = Z_QUARTILE * column.sd;
      row[column.name] = column.round(
        planted.high ? column.mean + quartile + past : column.mean - quartile - past,
      );
      events.push({
        kind: FINDING_KIND.valueOutlier,
        subject: column.name,
        at: t,
        severity: planted.level,
        what: `${column.name} ${String(row[column.name])}, about ${OUTLIER_IQRS[planted.level]} IQRs past the fence`,
      });
    }
    row.category = ['north', 'south', 'east', 'west'][Math.floor(random() * 4)];
    row.note = plant && i % 10 < 3 ? null : ['fine', 'checked', 'late'][Math.floor(random() * 3)];
    row.ok = random() < 0.9;
    rows.push(row);
    lines.push([t, row.amount, row.count, row.category, row.note ?? '', row.ok].join(','));
  }
  if (plant && rows.length > 0) {
    events.push({
      kind: FINDING_KIND.nullRate,
      subject: 'note',
      at: rows[rows.length - 1]?.t as string,
      severity: 'medium',
      what: 'note null on 30 % of rows',
    });
  }
  return {
    csv: `${lines.join('\n')}\n`,
    rows,
    plan: PLANTED_PROFILE_PLAN,
    truth: {
      dataset: 'planted-profile',
      seed: options.seed,
      size: n,
      kinds: [FINDING_KIND.valueOutlier, FINDING_KIND.timeGap, FINDING_KIND.nullRate],
      events,
    },
  };
}
