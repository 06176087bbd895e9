import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plainOhlcvRows } from '../../bench/ceiling/ohlcv-bytes.js';
import { ingestObject } from '../../src/core/ingest/stage.js';
import { generateOhlcvCsv } from '../../src/samples/csv.generators.js';
import { makeTestPorts, type TestPorts } from '../helpers/local-ports.js';

// docs/architecture.md quotes this prototype's speed on the claim that it does the stage's work:
// the claim is what this keeps true.
describe('the byte-level ceiling prototype (bench/ceiling/ohlcv-bytes.ts)', () => {
  let ports: TestPorts;
  let dir: string;
  beforeAll(async () => {
    ports = await makeTestPorts();
    dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-ceiling-'));
  });
  afterAll(async () => {
    await ports.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  it("writes the stage's processed file byte for byte and declines exactly the rows the stage rejects", async () => {
    let csv = '';
    for await (const chunk of generateOhlcvCsv({ rows: 20_000, symbols: 40, badRatio: 0.05, seed: 11 }))
      csv += chunk;
    const file = path.join(dir, 'bars.csv');
    await writeFile(file, csv);
    await ports.store.put('inputs/bars.csv', csv);
    const { manifest } = await ingestObject(ports, { key: 'inputs/bars.csv', requestId: 'ceiling' });
    expect(manifest?.counts.rejected).toBeGreaterThan(500);

    const out = path.join(dir, 'plain.jsonl');
    const run = plainOhlcvRows(file, out);
    const processed = await ports.store.getBytes(manifest?.outputs.processed as string);
    expect(Buffer.from(processed).equals(await readFile(out))).toBe(true);
    expect({ rows: run.rows, valid: run.valid, declined: run.declined }).toEqual({
      rows: manifest?.counts.total,
      valid: manifest?.counts.valid,
      declined: manifest?.counts.rejected,
    });
  });
});
