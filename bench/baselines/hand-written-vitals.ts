/**
 * The hand-written `health-vitals` validator the contract file replaced, kept as the
 * baseline the compiled contract is measured against (bench/contract.bench.ts).
 */

import type {
  DatasetContract,
  RecordValidator,
  SourceRecord,
  Validation,
} from '../../src/core/datasets/contract.js';
import {
  fieldOf,
  type Issues,
  readInRange,
  readText,
  readTimestamp,
} from '../../src/core/datasets/fields.js';
import type { HealthVital } from '../../src/core/datasets/rows.js';
import { CSV_SOURCE_RULES, csvFormat } from '../../src/core/ingest/csv-source.js';

const HEADER = [
  'event_time',
  'user_id',
  'heart_rate',
  'spo2',
  'steps',
  'temp_c',
  'systolic_bp',
  'diastolic_bp',
] as const;

/** Inclusive bounds of each measurement. */
const RANGES = {
  heart_rate: [50, 180],
  spo2: [90, 100],
  steps: [0, 50_000],
  temp_c: [35, 40],
  systolic_bp: [90, 180],
  diastolic_bp: [60, 120],
} as const;

type Measure = keyof typeof RANGES;

const readMeasure = (record: SourceRecord, field: Measure, issues: Issues): number | undefined =>
  readInRange(fieldOf(record, field), field, RANGES[field][0], RANGES[field][1], issues);

function validate(record: SourceRecord): Validation<HealthVital> {
  const issues: Issues = [];
  const event_time = readTimestamp(fieldOf(record, 'event_time'), 'event_time', issues);
  const user_id = readText(fieldOf(record, 'user_id'), 'user_id', issues);
  const heart_rate = readMeasure(record, 'heart_rate', issues);
  const spo2 = readMeasure(record, 'spo2', issues);
  const steps = readMeasure(record, 'steps', issues);
  const temp_c = readMeasure(record, 'temp_c', issues);
  const systolic_bp = readMeasure(record, 'systolic_bp', issues);
  const diastolic_bp = readMeasure(record, 'diastolic_bp', issues);
  if (systolic_bp !== undefined && diastolic_bp !== undefined && diastolic_bp > systolic_bp) {
    issues.push({
      code: 'bp_inconsistent',
      field: 'systolic_bp,diastolic_bp',
      message: `diastolic_bp ${diastolic_bp} is above systolic_bp ${systolic_bp}`,
    });
  }
  if (issues.length > 0) return { ok: false, issues };
  return {
    ok: true,
    row: {
      event_time: event_time as string,
      user_id: user_id as string,
      heart_rate: heart_rate as number,
      spo2: spo2 as number,
      steps: steps as number,
      temp_c: temp_c as number,
      systolic_bp: systolic_bp as number,
      diastolic_bp: diastolic_bp as number,
    },
  };
}

export const healthVitals: DatasetContract<HealthVital> = {
  id: 'health-vitals',
  title: 'Health vitals (CSV)',
  rules: [
    'every field is required (missing_field); measurements are decimal numbers (not_a_number)',
    'event_time is an ISO-8601 instant with a zone (a space for the T, as pandas writes it, too), normalized to UTC (invalid_timestamp)',
    'heart_rate 50..180, spo2 90..100, steps 0..50000, temp_c 35..40, systolic_bp 90..180, diastolic_bp 60..120, bounds included (out_of_range)',
    'diastolic_bp <= systolic_bp (bp_inconsistent)',
    'columns matched by name in any order, unknown ones dropped; a header without one of the eight is refused (dataset_mismatch, missing_columns)',
    ...CSV_SOURCE_RULES,
  ],
  ...csvFormat({ columns: HEADER.map((name) => ({ name })), extra: 'discard_value' }),
  createValidator: (): RecordValidator<HealthVital> => ({ validate }),
  groupField: 'user_id',
};
