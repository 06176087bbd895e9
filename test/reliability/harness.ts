/**
 * Drives hostile inputs through the whole ingest stage on the real local adapters
 * and checks what every outcome must satisfy: nothing thrown, a manifest that
 * parses, counts that add up, and output files that agree with the counts.
 */
import { expect } from 'vitest';
import { type Manifest, ManifestSchema } from '../../src/core/ingest/manifest.js';
import { DEFAULT_INGEST_OPTIONS, type IngestOptions, ingestObject } from '../../src/core/ingest/stage.js';
import type { ObjectStore } from '../../src/core/ports.js';
import { makeTestPorts, type TestPorts } from '../helpers/local-ports.js';
import { writeObject } from './fixtures.js';

export interface Ingested {
  readonly manifest: Manifest;
  readonly processed: Array<Record<string, unknown>>;
  readonly rejects: Array<{ reasons: Array<{ code: string }>; raw: unknown }>;
}

export async function jsonLines<T>(store: ObjectStore, key: string | undefined): Promise<T[]> {
  if (key === undefined) return [];
  const text = new TextDecoder().decode(await store.getBytes(key));
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as T);
}

export interface Harness {
  readonly ports: TestPorts;
  /** Ingests `body` (a string, bytes, or pieces streamed to disk) at a fresh key under inputs/. */
  ingest(
    body: string | Uint8Array | Iterable<string | Uint8Array>,
    options?: { key?: string; dataset?: string; ingest?: IngestOptions },
  ): Promise<Ingested>;
  cleanup(): Promise<void>;
}

export async function startHarness(): Promise<Harness> {
  const ports = await makeTestPorts();
  let n = 0;
  return {
    ports,
    async ingest(body, options = {}) {
      const key = options.key ?? `inputs/hostile-${++n}`;
      if (typeof body === 'string' || body instanceof Uint8Array) await ports.store.put(key, body);
      else await writeObject(ports.root, key, body);
      const { manifest } = await ingestObject(
        ports,
        { key, requestId: `hostile-${n}`, force: true, dataset: options.dataset },
        options.ingest ?? DEFAULT_INGEST_OPTIONS,
      );
      const parsed = ManifestSchema.parse(manifest);
      const { counts } = parsed;
      expect(counts.valid + counts.rejected).toBe(counts.total);
      if (parsed.status === 'rejected') expect(parsed.reason?.code).toEqual(expect.any(String));
      const processed = await jsonLines<Record<string, unknown>>(ports.store, parsed.outputs.processed);
      const rejects = await jsonLines<Ingested['rejects'][number]>(ports.store, parsed.outputs.rejects);
      // A file refused part-way keeps no outputs; otherwise the files hold exactly the counted rows.
      if (parsed.outputs.processed !== undefined) expect(processed).toHaveLength(counts.valid);
      if (parsed.outputs.rejects !== undefined) expect(rejects).toHaveLength(counts.rejected);
      return { manifest: parsed, processed, rejects };
    },
    cleanup: () => ports.cleanup(),
  };
}

/** The codes of each reject line, in file order. */
export const rejectCodes = (ingested: Ingested): string[][] =>
  ingested.rejects.map((r) => r.reasons.map((reason) => reason.code));
