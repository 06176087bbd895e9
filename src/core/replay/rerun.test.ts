import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTestPorts, type TestPorts } from '../../../test/helpers/local-ports.js';
import { marketFixture } from '../../../test/helpers/replay-fixtures.js';
import { type Manifest, ManifestSchema } from '../ingest/manifest.js';
import { ingestObject } from '../ingest/stage.js';
import { keys } from '../keys.js';
import type { ObjectStore } from '../ports.js';
import { auditStamp, rerunInput } from './rerun.js';

const fixture = marketFixture({ seed: 3, symbols: 2, barsPerSymbol: 40, format: 'csv' });

describe('re-running an input in full', () => {
  let ports: TestPorts;
  beforeEach(async () => {
    ports = await makeTestPorts();
  });
  afterEach(async () => {
    await ports.cleanup();
  });

  async function ingest(key: string, dataset?: string): Promise<Manifest> {
    await ports.store.put(key, fixture.text);
    const { manifest } = await ingestObject(ports, { key, requestId: 'first', dataset });
    ports.clock.advance(60_000);
    return manifest as Manifest;
  }

  it('archives the manifest it replaces and writes a new one for the same input', async () => {
    const first = await ingest('inputs/prices.csv');
    const before = await ports.store.getBytes(keys.manifest(first.id));
    const result = await rerunInput(ports, { sha256: first.id, requestId: 'again' });
    expect(result.outcome).toBe('processed');
    expect(result.archivedKey).toBe(keys.auditManifest(first.id, auditStamp(ports.clock.now())));
    expect(result.archivedKey).toMatch(/^audit\/[0-9a-f]{64}\/\d{8}T\d{6}\.\d{3}Z-manifest\.json$/);
    expect(await ports.store.getBytes(result.archivedKey)).toEqual(before);
    const now = ManifestSchema.parse(
      JSON.parse(new TextDecoder().decode(await ports.store.getBytes(keys.manifest(first.id)))),
    );
    expect(now).toMatchObject({ id: first.id, requestId: 'again', counts: { total: first.counts.total } });
    expect(now.timings.finishedAt > first.timings.finishedAt).toBe(true);
  });

  it('never overwrites an archive, even for two re-runs in the same millisecond', async () => {
    const first = await ingest('inputs/prices.csv');
    const a = await rerunInput(ports, { sha256: first.id, requestId: 'a' });
    const b = await rerunInput(ports, { sha256: first.id, requestId: 'b' });
    expect(b.archivedKey).toMatch(/-[0-9a-f]{16}-manifest\.json$/);
    expect(b.archivedKey).not.toBe(a.archivedKey);
    const archived = async (key: string) =>
      JSON.parse(new TextDecoder().decode(await ports.store.getBytes(key))) as { requestId: string };
    expect((await archived(a.archivedKey)).requestId).toBe('first');
    expect((await archived(b.archivedKey)).requestId).toBe('a');
    expect(b.previous.requestId).toBe('a');
    expect(a.previous.requestId).toBe('first');
  });

  it('keeps a dataset that was forced by flag', async () => {
    const first = await ingest('inputs/prices.csv', 'ohlcv-csv');
    const result = await rerunInput(ports, { sha256: first.id, requestId: 'again' });
    expect(result.manifest).toMatchObject({ dataset: 'ohlcv-csv', datasetSource: 'forced' });
  });

  it('refuses with REPLAY.INPUT_MISSING when the input is gone, before touching anything', async () => {
    const first = await ingest('inputs/prices.csv');
    const store = ports.store;
    // The port has no delete; a store that has lost the object looks like this.
    const lost: ObjectStore = {
      head: (key) => (key === first.input.key ? Promise.resolve(undefined) : store.head(key)),
      getStream: (key) => store.getStream(key),
      getBytes: (key) => store.getBytes(key),
      put: (key, body, options) => store.put(key, body, options),
      openWriter: (key, options) => store.openWriter(key, options),
      list: (prefix) => store.list(prefix),
    };
    const ports2 = { ...ports, store: lost };
    await expect(rerunInput(ports2, { sha256: first.id, requestId: 'x' })).rejects.toMatchObject({
      code: 'REPLAY.INPUT_MISSING',
    });
    const archived = [];
    for await (const info of ports.store.list(`audit/${first.id}/`)) archived.push(info);
    expect(archived).toEqual([]);
  });

  it('refuses with REPLAY.INPUT_CHANGED when other bytes now sit at the input key', async () => {
    const first = await ingest('inputs/prices.csv');
    await ports.store.put('inputs/prices.csv', `${fixture.text}SYM9,2020-01-01,1,1,1,1,1\n`);
    await expect(rerunInput(ports, { sha256: first.id, requestId: 'x' })).rejects.toMatchObject({
      code: 'REPLAY.INPUT_CHANGED',
    });
  });

  it('refuses with REPLAY.UNKNOWN_INPUT an id that was never ingested', async () => {
    await expect(rerunInput(ports, { sha256: 'f'.repeat(64), requestId: 'x' })).rejects.toMatchObject({
      code: 'REPLAY.UNKNOWN_INPUT',
    });
  });
});
