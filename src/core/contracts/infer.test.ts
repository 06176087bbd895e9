import { describe, expect, it } from 'vitest';
import { DEFAULT_PARSE_LIMITS, type SourceItem } from '../datasets/contract.js';
import { ContractDocumentSchema } from './document.js';
import { datasetIdFrom, inferContract } from './infer.js';
import { loadContractText } from './parse-document.js';
import { sampleRecords } from './sample.js';

const SITES = ['north', 'south', 'east'];
const csv = [
  'Reading ID;Taken At;Site;Level (m);Pump On;Flow',
  ...Array.from({ length: 60 }, (_, i) =>
    [
      `R-${1000 + i}`,
      `2024-03-${String(1 + (i % 28)).padStart(2, '0')} ${String(i % 24).padStart(2, '0')}:15:00`,
      SITES[i % 3],
      (1.5 + (i % 7) * 0.25).toFixed(2),
      i % 2 === 0 ? 'true' : 'false',
      i % 10 === 0 ? 'N/A' : String(100 + i),
    ].join(';'),
  ),
].join('\n');

async function* once(text: string): AsyncGenerator<string> {
  yield text;
}

describe('contract infer', () => {
  it('drafts a contract naming every column with the narrowest type that fits the sample', async () => {
    const draft = ContractDocumentSchema.parse(inferContract(await sampleRecords(csv, true), 'water-levels'));
    expect(draft.columns.map((c) => [c.name, c.type])).toEqual([
      ['reading_id', 'string'],
      ['taken_at', 'datetime'],
      ['site', 'enum'],
      ['level_m', 'number'],
      ['pump_on', 'boolean'],
      ['flow', 'integer'],
    ]);
    expect(draft.columns[0]?.aliases).toEqual(['Reading ID']);
    expect(draft.columns[1]?.timezone).toBe('UTC');
    expect(draft.columns[2]?.values).toEqual(['east', 'north', 'south']);
    expect(draft.columns[3]?.description).toMatch(/^seen 1\.5 to 3;/);
    expect(draft.columns[5]).toMatchObject({ nullable: true, null_values: ['', 'N/A'] });
    expect(draft.unique).toEqual(['reading_id']);
    expect(draft.time_column).toBe('taken_at');
  });

  it('drafts a contract that reads back every row of the file it came from', async () => {
    const draft = inferContract(await sampleRecords(csv, true), 'water-levels');
    const contract = loadContractText(JSON.stringify(draft), 'water-levels.json');
    const validator = contract.createValidator();
    let valid = 0;
    for await (const batch of contract.read(once(csv), DEFAULT_PARSE_LIMITS)) {
      for (const item of batch as SourceItem[])
        if (item.kind === 'record' && validator.validate(item).ok) valid++;
    }
    expect(valid).toBe(60);
    expect(contract.sniff(csv)).toBe(true);
  });

  it('drafts JSON records by their member names, and ids from file names', async () => {
    const ticks = JSON.stringify([
      { symbol: 'AAPL', price: 150, timestamp: 1234567890 },
      { symbol: 'MSFT', price: 20.5, timestamp: 1234567950 },
    ]);
    const draft = ContractDocumentSchema.parse(inferContract(await sampleRecords(ticks, true), 'ticks'));
    expect(draft.format).toBe('json');
    expect(draft.columns.map((c) => [c.name, c.type, c.epoch])).toEqual([
      ['symbol', 'string', undefined],
      ['price', 'number', undefined],
      ['timestamp', 'datetime', 'auto'],
    ]);
    expect(datasetIdFrom('Sensor Readings 2024.csv')).toBe('sensor-readings-2024');
    expect(datasetIdFrom('_x.json')).toBe('x');
  });
});
