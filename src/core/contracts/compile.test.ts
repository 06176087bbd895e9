import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PARSE_LIMITS, type SourceItem } from '../datasets/contract.js';
import type { CompiledContract } from './compile.js';
import { loadContractText } from './parse-document.js';
import { isCanonicalInstant } from './values.js';

async function* chunks(text: string, size = 7): AsyncGenerator<string> {
  for (let at = 0; at < text.length; at += size) yield text.slice(at, at + size);
}

async function ingest(contract: CompiledContract, text: string, context = {}) {
  const validator = contract.createValidator(context);
  const valid: Record<string, unknown>[] = [];
  const rejected: { codes: string[]; fields: (string | undefined)[] }[] = [];
  for await (const batch of contract.read(chunks(text), DEFAULT_PARSE_LIMITS, context)) {
    for (const item of batch as SourceItem[]) {
      if (item.kind === 'rejected') {
        rejected.push({ codes: item.issues.map((i) => i.code), fields: item.issues.map((i) => i.field) });
        continue;
      }
      const result = validator.validate(item);
      if (result.ok) valid.push(result.row as Record<string, unknown>);
      else
        rejected.push({ codes: result.issues.map((i) => i.code), fields: result.issues.map((i) => i.field) });
    }
  }
  return { valid, rejected };
}

const SENSORS = `
dataset: sensor-readings
title: Sensor readings
format: csv
columns:
  - { name: sensor_id, type: string, aliases: [Sensor], pattern: "S-[0-9]{3}" }
  - { name: read_at, type: datetime, aliases: [Zeit], formats: ["DD.MM.YYYY HH:mm"], timezone: Europe/Berlin }
  - { name: temp, type: number, number: { decimal: ",", thousands: "." }, min: -40, max: 85 }
  - { name: status, type: enum, values: [ok, warn, fault], reason: bad_status }
  - { name: active, type: boolean, required: false }
  - { name: low, type: integer, required: false }
  - { name: high, type: integer, required: false }
  - { name: note, type: string, required: false, null_values: ["", "n/a"] }
unique: [sensor_id, read_at]
rules:
  - { check: "low <= high", reason: band_inverted }
  - { check: "temp between -20 and 60", reason: implausible_temp }
  - { check: "note required_if low", reason: note_missing }
reasons:
  bad_status: status is not ok, warn or fault
  band_inverted: low is above high
  implausible_temp: temperature outside what the site sees
  note_missing: a band needs a note
`;

describe('a contract compiled from its file', () => {
  const contract = loadContractText(SENSORS, 'sensor-readings.yaml');

  it('reads columns by name and alias in any order, with declared formats, zone and decimal comma', async () => {
    const csv = 'Zeit;Sensor;temp;status;active;note\n01.07.2024 14:30;S-001;1.234,5;ok;yes;n/a\n';
    const { valid, rejected } = await ingest(contract, csv.replace('1.234,5', '21,5'));
    expect(rejected).toEqual([]);
    // Berlin is UTC+2 in July.
    expect(valid).toEqual([
      {
        sensor_id: 'S-001',
        read_at: '2024-07-01T12:30:00.000Z',
        temp: 21.5,
        status: 'ok',
        active: true,
        low: null,
        high: null,
        note: null,
      },
    ]);
  });

  it('gives each failed check its declared or generic reason, every one on the row', async () => {
    const csv = [
      'sensor_id,read_at,temp,status,low,high,note',
      'X-1,2024-07-01T10:00:00Z,90,broken,5,3,',
      'S-002,not a time,abc,ok,,,',
    ].join('\n');
    const { rejected } = await ingest(contract, csv);
    expect(rejected[0]?.codes).toEqual([
      'invalid_value',
      'out_of_range',
      'bad_status',
      'band_inverted',
      'implausible_temp',
      'note_missing',
    ]);
    expect(rejected[1]?.codes).toEqual(['invalid_datetime', 'not_a_number']);
  });

  it('rejects a repeat of the unique key as duplicate_row, once the first row passed', async () => {
    const csv =
      'sensor_id,read_at,temp,status\nS-001,2024-07-01T10:00:00Z,20,ok\nS-001,2024-07-01T12:00:00+02:00,21,ok\n';
    const { valid, rejected } = await ingest(contract, csv);
    expect(valid).toHaveLength(1);
    expect(rejected).toEqual([{ codes: ['duplicate_row'], fields: ['sensor_id,read_at'] }]);
  });

  it('refuses a header that lacks a required column, naming it', async () => {
    await expect(ingest(contract, 'sensor_id,temp,status\nS-001,20,ok\n')).rejects.toThrow(/read_at/);
  });

  it('recognizes its files by header, and by the key globs it names', () => {
    expect(contract.sniff('sensor_id,read_at,temp,status\n')).toBe(true);
    expect(contract.sniff('order_id,date,price\n')).toBe(false);
    const globbed = loadContractText(`${SENSORS}\nmatch: { keys: ["plant-*/**/*.csv"] }\n`, 'x.yaml');
    expect(globbed.matchesKey('plant-7/2024/07/a.csv')).toBe(true);
    expect(globbed.matchesKey('plant-7/a.json')).toBe(false);
    expect(globbed.matchesKey('other/plant-7/a.csv')).toBe(false);
  });

  it('plans the analysis it names, profile by default, with its time column', () => {
    expect(contract.analysis).toMatchObject({ kind: 'profile', timeColumn: 'read_at' });
    expect(contract.analysis.columns.map((c) => c.name)).toEqual([
      'sensor_id',
      'read_at',
      'temp',
      'status',
      'active',
      'low',
      'high',
      'note',
    ]);
  });
});

const TICKS = `
dataset: my-ticks
title: Ticks
format: json
evolution: discard_row
columns:
  - { name: symbol, type: string }
  - { name: price, type: number, min: 0, range_reason: negative_number }
  - { name: at, type: datetime, aliases: [timestamp], epoch: auto }
`;

describe('a JSON contract', () => {
  const contract = loadContractText(TICKS, 'ticks.yaml');
  const tick = { symbol: 'AAPL', price: 150, timestamp: 1234567890 };
  const expected = { symbol: 'AAPL', price: 150, at: '2009-02-13T23:31:30.000Z' };

  it('reads one object, an array and JSON lines alike, members matched by name and alias', async () => {
    expect((await ingest(contract, JSON.stringify(tick))).valid).toEqual([expected]);
    expect(
      (await ingest(contract, JSON.stringify([tick, { ...tick, timestamp: 1234567890000 }], null, 2))).valid,
    ).toEqual([expected, expected]);
    const lines = `${JSON.stringify(tick)}\n\n${JSON.stringify({ ...tick, timestamp: '2009-02-13T23:31:30Z' })}\n`;
    expect((await ingest(contract, lines)).valid).toEqual([expected, expected]);
  });

  it('rejects a JSON line that does not parse, and keeps reading', async () => {
    const { valid, rejected } = await ingest(
      contract,
      `${JSON.stringify(tick)}\n{"symbol":\n${JSON.stringify(tick)}\n`,
    );
    expect(valid).toHaveLength(2);
    expect(rejected).toEqual([{ codes: ['malformed_row'], fields: [undefined] }]);
  });

  it('follows its evolution policy for unknown members, and says which', async () => {
    const { rejected } = await ingest(
      contract,
      JSON.stringify([
        { ...tick, venue: 'XNAS' },
        { ...tick, price: -1 },
      ]),
    );
    expect(rejected).toEqual([
      { codes: ['unexpected_column'], fields: ['venue'] },
      { codes: ['negative_number'], fields: ['price'] },
    ]);
    const evolving = loadContractText(TICKS.replace('discard_row', 'evolve'), 'e.yaml');
    expect((await ingest(evolving, JSON.stringify({ ...tick, venue: 'XNAS' }))).valid).toEqual([
      { ...expected, venue: 'XNAS' },
    ]);
  });

  it('recognizes a file by the fields of its first record', () => {
    expect(contract.sniff(JSON.stringify([tick]))).toBe(true);
    expect(contract.sniff('{"meta":{"symbol":"AAPL"},"values":[]}')).toBe(false);
  });
});

describe('printing a CSV row', () => {
  const contract = loadContractText(
    JSON.stringify({
      dataset: 'ledger',
      title: 'Ledger',
      format: 'csv',
      columns: [
        { name: 'id', type: 'string' },
        { name: 'amount', type: 'number', number: { decimal: ',', thousands: '.' } },
        { name: 'price', type: 'number', number: { decimal: '.', thousands: ',', currency: true } },
        { name: 'qty', type: 'integer', required: false },
        { name: 'at', type: 'datetime', required: false },
      ],
    }),
    'ledger.json',
  );

  it('prints numbers from their value where the text is not their JSON, the rest as JSON.stringify does', async () => {
    const text =
      'id,amount,price,qty,at\n' +
      'a,1.234,"$1,199.00",007,2024-05-01T10:00:00.000Z\n' +
      'b,"1.234,50",12.50,,2024-05-01T12:00:00+02:00\n';
    const validator = contract.createValidator();
    const printed: string[] = [];
    for await (const batch of contract.read(chunks(text), DEFAULT_PARSE_LIMITS)) {
      for (const item of batch as SourceItem[]) {
        if (item.kind !== 'record') throw new Error('source rejected');
        const result = validator.validate(item);
        if (!result.ok) throw new Error(JSON.stringify(result.issues));
        expect(contract.serialize?.(result.row, item)).toBe(JSON.stringify(result.row));
        expect(contract.serialize?.(result.row, item, result.values)).toBe(JSON.stringify(result.row));
        printed.push(contract.serialize?.(result.row, item, result.values) as string);
      }
    }
    expect(printed).toEqual([
      '{"id":"a","amount":1234,"price":1199,"qty":7,"at":"2024-05-01T10:00:00.000Z"}',
      '{"id":"b","amount":1234.5,"price":12.5,"qty":null,"at":"2024-05-01T10:00:00.000Z"}',
    ]);
  });
});

describe('isCanonicalInstant', () => {
  it('holds for every instant toISOString prints from year 1 to 9999', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('0001-01-01T00:00:00.000Z'),
          max: new Date('9999-12-31T23:59:59.999Z'),
          noInvalidDate: true,
        }),
        (d) => isCanonicalInstant(d.toISOString()),
      ),
    );
  });

  it('holds only for a text that Date parses and prints back unchanged', () => {
    const digit = fc.constantFrom('0', '1', '2', '3', '5', '9');
    const text = fc
      .tuple(
        fc.array(digit, { minLength: 4, maxLength: 4 }),
        fc.constantFrom('01', '02', '12', '13', '00', '31'),
        fc.constantFrom('01', '28', '29', '30', '31', '32', '00'),
        fc.constantFrom('T', 't', ' '),
        fc.constantFrom('00', '23', '24', '09'),
        fc.constantFrom('00', '59', '60'),
        fc.constantFrom('00', '59', '60'),
        fc.array(digit, { minLength: 3, maxLength: 3 }),
        fc.constantFrom('Z', 'z', '+'),
      )
      .map(
        ([y, mo, d, t, h, mi, s, ms, z]) => `${y.join('')}-${mo}-${d}${t}${h}:${mi}:${s}.${ms.join('')}${z}`,
      );
    fc.assert(
      fc.property(text, (t) => {
        if (!isCanonicalInstant(t)) return;
        expect(new Date(Date.parse(t)).toISOString()).toBe(t);
      }),
      { numRuns: 2000 },
    );
  });
});
