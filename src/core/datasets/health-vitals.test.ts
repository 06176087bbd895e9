import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readSeed } from '../../../test/helpers/files.js';
import { generateHealthVitals } from '../../samples/csv.generators.js';
import {
  type DatasetContract,
  DEFAULT_PARSE_LIMITS,
  type SourceItem,
  type SourceRecord,
} from './contract.js';
import { datasetById } from './registry.js';
import type { HealthVital } from './rows.js';

const healthVitals = datasetById('health-vitals') as DatasetContract<HealthVital>;

async function* inChunks(text: string, size: number): AsyncGenerator<string> {
  for (let at = 0; at < text.length; at += size) yield text.slice(at, at + size);
}

interface Outcome<Row> {
  readonly items: SourceItem[];
  readonly valid: Row[];
  readonly rejected: { readonly item: SourceItem; readonly codes: string[] }[];
}

/** Reads and validates like the ingest stage, keeping every item's fate. */
async function run<Row>(contract: DatasetContract<Row>, text: AsyncIterable<string>): Promise<Outcome<Row>> {
  const outcome: Outcome<Row> = { items: [], valid: [], rejected: [] };
  const validator = contract.createValidator();
  for await (const batch of contract.read(text, DEFAULT_PARSE_LIMITS)) {
    for (const item of batch) {
      outcome.items.push(item);
      const result =
        item.kind === 'record' ? validator.validate(item) : { ok: false as const, issues: item.issues };
      if (result.ok) outcome.valid.push(result.row);
      else outcome.rejected.push({ item, codes: result.issues.map((issue) => issue.code) });
    }
  }
  return outcome;
}

const GOOD = {
  event_time: '2025-09-18T08:06:23.359844Z',
  user_id: 'user_1',
  heart_rate: '87',
  spo2: '95',
  steps: '2656',
  temp_c: '35.6',
  systolic_bp: '122',
  diastolic_bp: '62',
};

type Field = keyof typeof GOOD;

const recordWith = (changes: Partial<Record<Field, string>>): SourceRecord => ({
  kind: 'record',
  index: 1,
  line: 2,
  raw: '',
  fields: { ...GOOD, ...changes },
});

const codesFor = (changes: Partial<Record<Field, string>>): string[] => {
  const result = healthVitals.createValidator().validate(recordWith(changes));
  return result.ok ? [] : result.issues.map((issue) => issue.code);
};

describe('healthVitals', () => {
  it.each(['health-vitals.csv', 'health-vitals-sample.csv'])(
    'turns every data line of the seed file %s into exactly one valid row or one reject',
    async (name) => {
      const text = await readSeed(name);
      const dataLines = text.split(/\r?\n/).filter((line) => line !== '').length - 1;
      const { items, valid, rejected } = await run(healthVitals, inChunks(text, 4096));
      expect(dataLines).toBe(1000);
      expect(items).toHaveLength(dataLines);
      expect(valid.length + rejected.length).toBe(items.length);
      expect(items.map((item) => item.line)).toEqual(items.map((_, i) => i + 2));
      // Counted independently from the file: every refusal there is a reading out of range.
      expect(rejected.length).toBe(name === 'health-vitals.csv' ? 151 : 157);
      expect(new Set(rejected.flatMap((r) => r.codes))).toEqual(new Set(['out_of_range']));
    },
  );

  it('normalizes a seed row to numbers and a UTC timestamp in milliseconds', async () => {
    const text = await readSeed('health-vitals.csv');
    const { valid } = await run(healthVitals, inChunks(text, 65_536));
    expect(valid[0]).toEqual({
      event_time: '2025-09-18T08:06:23.359Z',
      user_id: 'user_1',
      heart_rate: 87,
      spo2: 95,
      steps: 2656,
      temp_c: 35.6,
      systolic_bp: 122,
      diastolic_bp: 62,
    });
    expect((valid[0] as HealthVital)[healthVitals.groupField as 'user_id']).toBe('user_1');
  });

  it('reports both readings of seed line 75, where heart rate and SpO2 are out of range', async () => {
    const text = await readSeed('health-vitals.csv');
    const { rejected } = await run(healthVitals, inChunks(text, 4096));
    expect(rejected.find((r) => r.item.line === 75)?.codes).toEqual(['out_of_range', 'out_of_range']);
  });

  it('accepts a reading within every bound', () => {
    expect(codesFor({})).toEqual([]);
  });

  it.each(Object.keys(GOOD) as Field[])('refuses an empty %s as missing_field', (field) => {
    expect(codesFor({ [field]: ' ' })).toEqual(['missing_field']);
  });

  it.each([
    ['heart_rate', '49.9', '50', '180', '180.1'],
    ['spo2', '89', '90', '100', '101'],
    ['steps', '-1', '0', '50000', '50001'],
    ['temp_c', '34.9', '35', '40', '40.1'],
    ['systolic_bp', '89', '90', '180', '181'],
    ['diastolic_bp', '59', '60', '120', '121'],
  ] as const)(
    'keeps %s within its inclusive bounds (%s fails, %s and %s pass, %s fails)',
    (field, low, min, max, high) => {
      // Systolic stays at 180 so that the bounds of diastolic are judged alone.
      const base = field === 'diastolic_bp' ? { systolic_bp: '180' } : {};
      expect(codesFor({ ...base, [field]: low })).toEqual(['out_of_range']);
      expect(codesFor({ ...base, [field]: min })).toEqual([]);
      expect(codesFor({ ...base, [field]: max })).toEqual([]);
      expect(codesFor({ ...base, [field]: high })).toEqual(['out_of_range']);
    },
  );

  it.each(['abc', 'NaN', '1,5', '0x50'])('refuses a measurement of %j as not_a_number', (value) => {
    expect(codesFor({ heart_rate: value })).toEqual(['not_a_number']);
  });

  it.each([
    ['2025-09-18T10:06:23+02:00', '2025-09-18T08:06:23.000Z'],
    ['2025-09-18T08:06:23Z', '2025-09-18T08:06:23.000Z'],
  ])('normalizes the instant %s to UTC', (event_time, expected) => {
    const result = healthVitals.createValidator().validate(recordWith({ event_time }));
    expect(result.ok && result.row.event_time).toBe(expected);
  });

  it.each(['yesterday', '2025-02-30T08:00:00Z', '2025-09-18T08:06:23', '2025-09-18 08:06:23Z', '2025-09-18'])(
    'refuses the event_time %j as invalid_timestamp',
    (event_time) => {
      expect(codesFor({ event_time })).toEqual(['invalid_timestamp']);
    },
  );

  it('refuses a diastolic pressure above the systolic one as bp_inconsistent, and accepts them equal', () => {
    expect(codesFor({ systolic_bp: '100', diastolic_bp: '101' })).toEqual(['bp_inconsistent']);
    expect(codesFor({ systolic_bp: '100', diastolic_bp: '100' })).toEqual([]);
  });

  it('reports every rule a row breaks, out-of-range pressures included in the pressure rule', () => {
    expect(
      codesFor({
        event_time: 'soon',
        user_id: '',
        heart_rate: '20',
        steps: 'many',
        systolic_bp: '95',
        diastolic_bp: '130',
      }),
    ).toEqual([
      'invalid_timestamp',
      'missing_field',
      'out_of_range',
      'not_a_number',
      'out_of_range',
      'bp_inconsistent',
    ]);
  });

  it('recognizes its header and nothing else', () => {
    expect(
      healthVitals.sniff('event_time,user_id,heart_rate,spo2,steps,temp_c,systolic_bp,diastolic_bp\r\n1,'),
    ).toBe(true);
    expect(healthVitals.sniff('symbol,datetime,open,high,low,close,volume\n')).toBe(false);
  });

  it('names a reason code in each of its rules', () => {
    for (const rule of healthVitals.rules) expect(rule).toMatch(/\([a-z_]+(, [a-z_]+)*\)$/);
  });

  it('accepts every good generated row and refuses every bad one', async () => {
    const good = await run(
      healthVitals,
      generateHealthVitals({ rows: 2000, users: 5, badRatio: 0, seed: 1 }),
    );
    expect(good.valid).toHaveLength(2000);
    const bad = await run(healthVitals, generateHealthVitals({ rows: 2000, users: 5, badRatio: 1, seed: 2 }));
    expect(bad.rejected).toHaveLength(2000);
    expect(new Set(bad.rejected.flatMap((r) => r.codes))).toEqual(
      new Set([
        'out_of_range',
        'missing_field',
        'not_a_number',
        'invalid_timestamp',
        'bp_inconsistent',
        'malformed_row',
      ]),
    );
  });

  it('ends each of any generated rows as one valid row or one reject', async () => {
    const value = fc.oneof(
      fc.constantFrom('', ' ', '0', '60', '95', '100', '-1', '1e9', 'abc', '2025-01-01T00:00:00Z', 'user_9'),
      fc.string({ maxLength: 8 }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(value, { minLength: 7, maxLength: 9 }), { maxLength: 10 }),
        async (rows) => {
          const lines = rows.map((fields) => fields.map((f) => `"${f.replaceAll('"', '""')}"`).join(','));
          const text = [healthVitals.header?.join(','), ...lines].join('\n');
          const { items, valid, rejected } = await run(healthVitals, inChunks(text, 64));
          expect(items).toHaveLength(rows.length);
          expect(valid.length + rejected.length).toBe(rows.length);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
