import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSeed } from '../../../test/helpers/files.js';
import { makeTestPorts, type TestPorts } from '../../../test/helpers/local-ports.js';
import type { ObjectStore } from '../ports.js';
import { ManifestSchema } from './manifest.js';
import { DEFAULT_INGEST_OPTIONS, ingestObject } from './stage.js';

async function jsonLines(
  store: ObjectStore,
  key: string | undefined,
): Promise<Array<Record<string, unknown>>> {
  if (key === undefined) return [];
  const text = new TextDecoder().decode(await store.getBytes(key));
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

const VITALS_HEADER = 'event_time,user_id,heart_rate,spo2,steps,temp_c,systolic_bp,diastolic_bp';
const cell = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.integer({ min: -10, max: 300 }).map(String),
  fc.constant(''),
);

describe('ingest stage on any input', () => {
  let ports: TestPorts;
  let n = 0;
  beforeAll(async () => {
    ports = await makeTestPorts();
  });
  afterAll(async () => {
    await ports.cleanup();
  });

  const ingest = async (body: string | Uint8Array) => {
    const key = `inputs/p-${n++}`;
    await ports.store.put(key, body);
    return ingestObject(ports, { key, requestId: `r-${n}`, force: true }, DEFAULT_INGEST_OPTIONS);
  };

  it.each([
    ['smartphone-sales.csv', 'smartphone-sales'],
    ['health-vitals.csv', 'health-vitals'],
    ['health-vitals-sample.csv', 'health-vitals'],
  ])(
    'puts every data line of the seed file %s in exactly one of processed and rejects',
    async (file, dataset) => {
      const text = await readSeed(file);
      const dataLines = text.split(/\r?\n/).filter((line, i) => i > 0 && line.trim() !== '').length;
      const { manifest } = await ingest(text);
      expect(manifest?.dataset).toBe(dataset);
      const valid = await jsonLines(ports.store, manifest?.outputs.processed);
      const rejected = await jsonLines(ports.store, manifest?.outputs.rejects);
      expect(valid.length + rejected.length).toBe(dataLines);
      expect(manifest?.counts).toMatchObject({
        total: dataLines,
        valid: valid.length,
        rejected: rejected.length,
      });
      const lines = rejected.map((r) => r.line as number);
      expect(new Set(lines).size).toBe(lines.length);
      for (const r of rejected) expect((r.reasons as unknown[]).length).toBeGreaterThan(0);
    },
  );

  it('never throws on arbitrary bytes, and always writes a manifest whose counts add up', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (bytes) => {
        const { manifest } = await ingest(bytes);
        const parsed = ManifestSchema.parse(manifest);
        expect(parsed.counts.valid + parsed.counts.rejected).toBe(parsed.counts.total);
        if (parsed.status === 'rejected') expect(parsed.reason?.code).toBeTruthy();
      }),
      { numRuns: 1000 },
    );
  });

  it('accounts for every row of arbitrary CSV records: valid + rejected = total = rows', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(cell, { minLength: 6, maxLength: 10 }), { minLength: 1, maxLength: 20 }),
        async (rows) => {
          const quote = (c: string) => `"${c.replace(/"/g, '""')}"`;
          const body = [VITALS_HEADER, ...rows.map((r) => r.map(quote).join(','))].join('\n');
          const { manifest } = await ingest(body);
          if (manifest?.status === 'rejected' && manifest.reason?.code !== 'no_valid_rows') {
            expect(['malformed_csv']).toContain(manifest.reason?.code);
            return;
          }
          expect(manifest?.counts.total).toBe(rows.length);
          expect((manifest?.counts.valid ?? 0) + (manifest?.counts.rejected ?? 0)).toBe(rows.length);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
