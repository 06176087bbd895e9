import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestPorts, type TestPorts } from '../../../test/helpers/local-ports.js';
import { type CompiledContract, compileContract } from '../contracts/compile.js';
import { ContractDocumentSchema } from '../contracts/document.js';
import { BUILTINS, ContractSet } from '../datasets/registry.js';
import { DEFAULT_INGEST_OPTIONS, ingestObject } from './stage.js';

/**
 * The plain-row path (rows taken on their bytes) must change nothing but speed:
 * for any file, processed and rejects are byte for byte those of the string path
 * alone, and so are the manifest's counts.
 */

const WORDS = ['', ' ', 'x', 'AAPL', ' AAPL', 'AAPL ', 'a"b', 'a\\b', 'N/A', 'n/a', 'null', 'Ünï', 'user_1'];
const NUMBERS = [
  '0',
  '1',
  '5',
  '50',
  '007',
  '-0',
  '-0.0',
  '-1.5',
  '1.50',
  '1.',
  '.5',
  '1e3',
  '+5',
  '0.0000001',
  '0.000001',
  '123456789012345',
  '1234567890123456',
  '99.990',
  '100',
  '180',
  '35',
  '40',
  '1,199',
  '$1,199.00',
  ' 7',
  '7 ',
  'NaN',
];
const DATES = [
  '2024-01-31',
  '2024-02-29',
  '2023-02-29',
  '2024-13-01',
  '0000-01-01',
  '2024-1-5',
  '5/20/2024',
  '20.05.2024',
  '2024-01-31 09:30:00',
  '2024-01-31T09:30:00',
  '2024-01-31 24:00:00',
  '2024-01-31T09:30:00.000Z',
  '2024-01-31T09:30:00Z',
  '2024-01-31T09:30:00.000+01:00',
  '2024-02-30T00:00:00.000Z',
];
const ENUMS = ['Europe', 'Asia', 'europe', ' Asia', 'Mars'];
const cellOf = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NUMBERS) },
  { weight: 2, arbitrary: fc.constantFrom(...DATES) },
  { weight: 2, arbitrary: fc.constantFrom(...WORDS) },
  { weight: 1, arbitrary: fc.constantFrom(...ENUMS) },
);

/** A row of `width` cells, now and then one too few or too many, or the header again. */
const rowsOf = (header: string, samples: readonly (readonly string[])[]) =>
  fc.array(
    fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(...samples).map((row) => row.join(',')) },
      {
        weight: 6,
        arbitrary: fc
          .tuple(fc.constantFrom(...samples), fc.array(fc.tuple(fc.nat(20), cellOf), { maxLength: 3 }))
          .map(([row, edits]) => {
            const cells = [...row];
            for (const [at, cell] of edits) cells[at % cells.length] = cell;
            return cells.map((c) => (c.includes('"') ? `"${c.replaceAll('"', '""')}"` : c)).join(',');
          }),
      },
      { weight: 1, arbitrary: fc.constantFrom(header, header.toUpperCase(), '', 'a,b') },
    ),
    { maxLength: 40 },
  );

const SALES: CompiledContract = BUILTINS.byId('smartphone-sales') as CompiledContract;
const cases: Array<readonly [string, CompiledContract, readonly (readonly string[])[]]> = [
  [
    'ohlcv-csv',
    BUILTINS.byId('ohlcv-csv') as CompiledContract,
    [
      ['AAPL', '2024-01-31', '10', '12.5', '9.75', '11', '1000'],
      ['AAPL', '2024-02-01', '10.10', '12', '9', '11.00', ''],
      ['MSFT', '2024-01-31 09:30:00', '1', '1', '1', '1', '0'],
      ['MSFT', '2024-01-31', '3', '2', '1', '2', '5'],
    ],
  ],
  [
    'health-vitals',
    BUILTINS.byId('health-vitals') as CompiledContract,
    [
      ['2025-01-01T00:00:00.000Z', 'user_1', '62', '100', '13981', '37.6', '127', '76'],
      ['2025-01-01T00:00:01.000Z', 'user_2', '180', '90', '0', '35', '90', '90'],
      ['2025-01-01T00:00:02.000Z', 'user_1', '70.5', '95.25', '50000', '40', '120', '130'],
    ],
  ],
  [
    'smartphone-sales',
    SALES,
    [
      ['ORD1', '2024-10-07', '', 'Xiaomi', '2021', '1520', 'Africa', 'ok', '6', '512', 'Blue'],
      ['ORD2', '2024-11-09', 'Galaxy A55', 'Samsung', '2024', '707', 'North America', '', 'N/A', '', ''],
      ['ORD3', '2024-02-29', 'P8', 'Google', 'soon', '0.5', 'Europe', 'a', '32', '1', 'Red'],
    ],
  ],
];

const SENSORS = compileContract(
  ContractDocumentSchema.parse({
    dataset: 'sensor-readings',
    title: 'Sensor readings',
    format: 'csv',
    columns: [
      { name: 'id', type: 'string', pattern: '[A-Z]+[0-9]*' },
      { name: 'day', type: 'date' },
      { name: 'count', type: 'integer', min: 0, max: 1000, null_values: ['', 'N/A', 'null'] },
      { name: 'zone', type: 'enum', values: ['Europe', 'Asia'] },
      { name: 'level', type: 'number', min: 0, exclusive_min: true, required: false },
      { name: 'note', type: 'string', required: false, min_length: 1, max_length: 4 },
    ],
    rules: [{ check: 'level <= count', reason: 'level_above_count' }],
    reasons: { level_above_count: 'level is above count' },
    unique: ['id', 'day'],
    analysis: 'profile',
    group_by: 'zone',
  }),
  { kind: 'file', file: 'sensor-readings.json' },
);
cases.push([
  'a declared contract with a pattern, an integer, an enum, null tokens, a rule and a unique key',
  SENSORS,
  [
    ['A1', '2024-01-31', '5', 'Europe', '2.5', 'ok'],
    ['A1', '2024-02-01', 'N/A', 'Asia', '', ''],
    ['B', '2024-01-31', '1000', 'Asia', '999.5', 'long note'],
    ['a1', '2024-01-31', '7', 'Europe', '8', 'x'],
  ],
]);

describe('the plain-row path', () => {
  let ports: TestPorts;
  let n = 0;
  beforeAll(async () => {
    ports = await makeTestPorts();
  });
  afterAll(async () => {
    await ports.cleanup();
  });

  const read = async (key: string | undefined): Promise<string> =>
    key === undefined ? '' : new TextDecoder().decode(await ports.store.getBytes(key));

  const ingestWith = async (contract: CompiledContract, body: string) => {
    const key = `inputs/plain-${n++}.csv`;
    await ports.store.put(key, body);
    const { manifest } = await ingestObject(
      { ...ports, contracts: new ContractSet([contract]) },
      { key, requestId: `r-${n}`, dataset: contract.id, force: true },
      DEFAULT_INGEST_OPTIONS,
    );
    return {
      status: manifest?.status,
      reason: manifest?.reason?.code,
      counts: manifest?.counts,
      processed: await read(manifest?.outputs.processed),
      rejects: await read(manifest?.outputs.rejects),
    };
  };

  it('lets the first of two rows with one key win when the string path read the first', async () => {
    const contract = BUILTINS.byId('ohlcv-csv') as CompiledContract;
    // The padded symbol is no plain cell: that row is judged on the string path, the next taken on bytes.
    const body =
      'symbol,datetime,open,high,low,close,volume\n AAPL,2024-01-31,1,2,1,2,5\nAAPL,2024-01-31,1,3,1,3,6\n';
    const result = await ingestWith(contract, body);
    expect(result.processed).toBe(
      '{"symbol":"AAPL","datetime":"2024-01-31","open":1,"high":2,"low":1,"close":2,"volume":5}\n',
    );
    expect(JSON.parse(result.rejects)).toMatchObject({
      index: 2,
      line: 3,
      reasons: [{ code: 'duplicate_row' }],
    });
  });

  it.each(cases)(
    'writes what the string path writes, byte for byte, for %s',
    async (_name, contract, samples) => {
      const header = (contract.header as readonly string[]).join(',');
      const stringOnly: CompiledContract = { ...contract, readTaking: undefined };
      let taken = 0;
      await fc.assert(
        fc.asyncProperty(rowsOf(header, samples), fc.boolean(), async (rows, trailingBreak) => {
          const body = `${header}\n${rows.join('\n')}${trailingBreak ? '\n' : ''}`;
          const plain = await ingestWith(contract, body);
          const strings = await ingestWith(stringOnly, body);
          expect(plain).toEqual(strings);
          taken += plain.counts?.valid ?? 0;
        }),
        { numRuns: 150 },
      );
      // The property is only worth something if the plain path took rows.
      expect(taken).toBeGreaterThan(0);
    },
  );
});
