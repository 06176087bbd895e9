/** Benchmark worker: sluice's own ingest stage, local adapters, one input file. */
import { link, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { LocalEventBus } from '../../src/adapters/local/event-bus.local.js';
import { FsObjectStore } from '../../src/adapters/local/object-store.fs.js';
import { SqliteStateStore } from '../../src/adapters/local/state-store.sqlite.js';
import { DEFAULT_INGEST_OPTIONS, ingestObject } from '../../src/core/ingest/stage.js';
import { silentLogger, systemClock } from '../../src/core/ports.js';
import { report } from './report.js';

const [file, dataDir] = process.argv.slice(2) as [string, string];
const key = `inputs/${path.basename(file)}`;
await mkdir(path.join(dataDir, 'inputs'), { recursive: true });
await link(file, path.join(dataDir, key));
const state = new SqliteStateStore(path.join(dataDir, 'state.db'));
const deps = {
  store: new FsObjectStore(dataDir),
  state,
  bus: new LocalEventBus({ deadLetterFile: path.join(dataDir, 'dead-letters.jsonl') }),
  clock: systemClock,
  logger: silentLogger,
};
const started = performance.now();
const { manifest } = await ingestObject(
  deps,
  { key, requestId: 'bench' },
  { ...DEFAULT_INGEST_OPTIONS, maxBytes: 4 * 1024 ** 3 },
);
const ms = performance.now() - started;
await state.close();
if (manifest?.status !== 'ingested')
  throw new Error(`bench input refused: ${JSON.stringify(manifest?.reason)}`);
report({
  records: manifest.counts.total,
  valid: manifest.counts.valid,
  rejected: manifest.counts.rejected,
  ms,
});
