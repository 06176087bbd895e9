/**
 * Wearable vitals a reader believes: users P-001..., a reading every 15
 * minutes, each measure a calm draw around a healthy adult's resting value,
 * and, when asked, one abnormal reading planted for some users and measures
 * at a value in the middle of its severity band (VITAL_SEVERITY).
 */
import { FINDING_KIND } from '../../core/analyze/findings/finding.js';
import type { BandedMeasure, VitalsRow } from '../../core/analyze/vitals.js';
import { seededRandom } from '../prng.js';
import { PLANTED_SEVERITIES, type PlantedEvent, type Truth } from './truth.js';

export const VITALS_HEADER = 'event_time,user_id,heart_rate,spo2,steps,temp_c,systolic_bp,diastolic_bp';

/**
 * Planted values per level, inside the contract's validation limits (a value
 * past them would be rejected at ingest, not analyzed): so no critical SpO2
 * or temperature can be planted.
 */
const PLANTED: Readonly<Record<BandedMeasure, Partial<Record<(typeof PLANTED_SEVERITIES)[number], number>>>> =
  {
    heart_rate: { low: 115, medium: 130, high: 150, critical: 172 },
    spo2: { low: 93, medium: 92, high: 90 },
    temp_c: { low: 38.7, medium: 39.2, high: 39.8 },
    systolic_bp: { low: 155, medium: 165, high: 175, critical: 180 },
    diastolic_bp: { low: 97, medium: 105, high: 114, critical: 120 },
  };
const MEASURES = Object.keys(PLANTED) as BandedMeasure[];

export interface PlantedVitalsOptions {
  readonly seed: number;
  readonly users: number;
  readonly readingsPerUser: number;
  /** @default true */
  readonly plant?: boolean;
}

export function plantedVitals(options: PlantedVitalsOptions): {
  csv: string;
  rows: VitalsRow[];
  truth: Truth;
} {
  const random = seededRandom(options.seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const start = Date.UTC(2024, 2, 1);
  const lines = [VITALS_HEADER];
  const rows: VitalsRow[] = [];
  const events: PlantedEvent[] = [];
  let cycle = 0;
  for (let u = 0; u < options.users; u++) {
    const user = `P-${String(u + 1).padStart(3, '0')}`;
    const plan = new Map<number, [BandedMeasure, number]>();
    // Two users in three get one abnormal reading, of a measure and level taken in turn.
    if (options.plant !== false && u % 3 !== 2) {
      for (let tries = 0; tries < 4; tries++) {
        const measure = MEASURES[cycle % MEASURES.length] as BandedMeasure;
        const level = PLANTED_SEVERITIES[
          Math.floor(cycle / MEASURES.length) % 4
        ] as (typeof PLANTED_SEVERITIES)[number];
        cycle++;
        const value = PLANTED[measure][level];
        if (value === undefined) continue;
        const at = 5 + Math.floor(random() * (options.readingsPerUser - 10));
        plan.set(at, [measure, value]);
        events.push({
          kind: FINDING_KIND.abnormalVital,
          subject: user,
          at: new Date(start + at * 900_000 + u * 1000).toISOString(),
          severity: level,
          what: `${measure} ${value}`,
        });
        break;
      }
    }
    const restingHr = 70 + 8 * random();
    for (let i = 0; i < options.readingsPerUser; i++) {
      const values: Record<BandedMeasure, number> = {
        heart_rate: Math.round(restingHr + 3.5 * normal()),
        spo2: Math.min(100, Math.round(97.6 + 0.7 * normal())),
        temp_c: Math.round((36.7 + 0.2 * normal()) * 10) / 10,
        systolic_bp: Math.round(117 + 6 * normal()),
        diastolic_bp: Math.round(76 + 4 * normal()),
      };
      const planted = plan.get(i);
      if (planted) values[planted[0]] = planted[1];
      // Diastolic never exceeds systolic; a planted diastolic lifts systolic just enough, still inside its band.
      if (planted?.[0] === 'diastolic_bp') values.systolic_bp = Math.max(values.systolic_bp, planted[1] + 5);
      const row: VitalsRow = {
        event_time: new Date(start + i * 900_000 + u * 1000).toISOString(),
        user_id: user,
        heart_rate: values.heart_rate,
        spo2: values.spo2,
        steps: Math.max(0, Math.round(random() < 0.4 ? 0 : 300 + 500 * random())),
        temp_c: values.temp_c,
        systolic_bp: values.systolic_bp,
        diastolic_bp: Math.min(values.diastolic_bp, values.systolic_bp),
      };
      rows.push(row);
      lines.push(
        [
          row.event_time,
          user,
          row.heart_rate,
          row.spo2,
          row.steps,
          row.temp_c.toFixed(1),
          row.systolic_bp,
          row.diastolic_bp,
        ].join(','),
      );
    }
  }
  return {
    csv: `${lines.join('\n')}\n`,
    rows,
    truth: {
      dataset: 'health-vitals',
      seed: options.seed,
      size: options.users * options.readingsPerUser,
      kinds: [FINDING_KIND.abnormalVital],
      events,
    },
  };
}
