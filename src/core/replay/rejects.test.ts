import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTestPorts, type TestPorts } from '../../../test/helpers/local-ports.js';
import {
  acceptThousandsSeparators,
  type MarketFixture,
  marketFixture,
} from '../../../test/helpers/replay-fixtures.js';
import type { DatasetContract } from '../datasets/contract.js';
import { datasetById } from '../datasets/registry.js';
import type { IngestCompleted } from '../events.js';
import { type Manifest, ManifestSchema } from '../ingest/manifest.js';
import { ingestObject } from '../ingest/stage.js';
import { claimKeys, keys } from '../keys.js';
import { replayId } from './lineage.js';
import { type ReplayRejectsResult, replayRejects } from './rejects.js';
import { rerunInput } from './rerun.js';

const fixed = (separators: string[]) => (id: string) => {
  const contract = datasetById(id);
  return contract && acceptThousandsSeparators(contract, separators);
};

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
const lineCount = (bytes: Uint8Array): number =>
  text(bytes)
    .split('\n')
    .filter((l) => l !== '').length;

function replayed(result: ReplayRejectsResult): Extract<ReplayRejectsResult, { outcome: 'replayed' }> {
  expect(result.outcome).toBe('replayed');
  return result as Extract<ReplayRejectsResult, { outcome: 'replayed' }>;
}

describe('replaying rejected rows', () => {
  let ports: TestPorts;
  let published: IngestCompleted[];
  beforeEach(async () => {
    ports = await makeTestPorts();
    published = [];
    ports.bus.subscribe('IngestCompleted', async (event) => {
      published.push(event.detail as IngestCompleted);
    });
  });
  afterEach(async () => {
    await ports.cleanup();
  });

  async function ingest(key: string, fixture: MarketFixture): Promise<Manifest> {
    await ports.store.put(key, fixture.text);
    const { manifest } = await ingestObject(ports, { key, requestId: 'ingest-1' });
    ports.clock.advance(1000);
    return manifest as Manifest;
  }

  const replay = (
    sha256: string,
    contractFor?: (id: string) => DatasetContract | undefined,
    requestId = 'r',
  ) => replayRejects({ ...ports, contractFor }, { sha256, requestId });

  const csv = marketFixture({ seed: 7, symbols: 3, barsPerSymbol: 120, format: 'csv' });

  it('appends the rows a fixed contract accepts after the original processed rows, byte for byte', async () => {
    const original = await ingest('inputs/prices.csv', csv);
    const { counts } = csv;
    expect(original.counts.valid).toBe(counts.good + counts.echo);
    const processedBefore = await ports.store.getBytes(original.outputs.processed as string);

    const { manifest, summary } = replayed(await replay(original.id, fixed([','])));

    expect(summary.recovered).toBe(counts.comma + counts.twin);
    expect(summary.recoveredByReason).toEqual({ not_a_number: counts.comma + counts.twin });
    const processed = text(await ports.store.getBytes(manifest.outputs.processed as string));
    expect(processed.startsWith(text(processedBefore))).toBe(true);
    const appended = processed
      .slice(text(processedBefore).length)
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(appended).toHaveLength(summary.recovered);
    for (const row of appended) expect(typeof row.volume).toBe('number');
    expect(manifest.counts).toMatchObject({
      total: original.counts.total,
      valid: original.counts.valid + summary.recovered,
      rejected: original.counts.rejected - summary.recovered,
    });
    expect(manifest.outputs).toEqual({
      processed: keys.replayProcessed('ohlcv-csv', original.id, 1),
      rejects: keys.replayRejects('ohlcv-csv', original.id, 1),
    });
  });

  it('leaves every row in exactly one of the new processed and rejects files', async () => {
    const original = await ingest('inputs/prices.csv', csv);
    const { manifest } = replayed(await replay(original.id, fixed([','])));
    const before =
      lineCount(await ports.store.getBytes(original.outputs.processed as string)) +
      lineCount(await ports.store.getBytes(original.outputs.rejects as string));
    const newProcessed = lineCount(await ports.store.getBytes(manifest.outputs.processed as string));
    const newRejects = lineCount(await ports.store.getBytes(manifest.outputs.rejects as string));
    expect(newProcessed + newRejects).toBe(before);
    expect(newProcessed).toBe(manifest.counts.valid);
    expect(newRejects).toBe(manifest.counts.rejected);
    expect(before).toBe(csv.counts.rows);
  });

  it('still rejects a row that now passes but repeats a row already kept, as duplicate_row', async () => {
    const original = await ingest('inputs/prices.csv', csv);
    const { manifest, summary } = replayed(await replay(original.id, fixed([','])));
    // Each echo repeats a kept bar; the second of each twin repeats the first, recovered just before it.
    expect(summary.stillRejectedByReason.duplicate_row).toBe(csv.counts.echo + csv.counts.twin);
    const rows = text(await ports.store.getBytes(manifest.outputs.processed as string))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { symbol: string; datetime: string });
    const keysSeen = new Set(rows.map((r) => `${r.symbol} ${r.datetime}`));
    expect(keysSeen.size).toBe(rows.length);
  });

  it('keeps rows that were never records with their original reject lines', async () => {
    const original = await ingest('inputs/prices.csv', csv);
    const { manifest, summary } = replayed(await replay(original.id, fixed([','])));
    const originalLines = text(await ports.store.getBytes(original.outputs.rejects as string)).split('\n');
    const newLines = new Set(
      text(await ports.store.getBytes(manifest.outputs.rejects as string)).split('\n'),
    );
    const structural = originalLines.filter((l) => /"code":"(malformed_row|repeated_header)"/.test(l));
    expect(structural).toHaveLength(csv.counts.malformed + csv.counts.structural);
    for (const line of structural) expect(newLines.has(line)).toBe(true);
    expect(summary.stillRejectedByReason).toMatchObject({
      malformed_row: csv.counts.malformed,
      repeated_header: 1,
      negative_number: csv.counts.negative,
      not_a_number: csv.counts.space,
    });
  });

  it('never modifies the files it started from', async () => {
    const original = await ingest('inputs/prices.csv', csv);
    const snapshot = async () =>
      Promise.all(
        [original.outputs.processed, original.outputs.rejects, keys.manifest(original.id)].map((k) =>
          ports.store.getBytes(k as string),
        ),
      );
    const before = await snapshot();
    replayed(await replay(original.id, fixed([','])));
    expect(await snapshot()).toEqual(before);
  });

  it('announces the replay so analysis runs on the full valid set', async () => {
    const original = await ingest('inputs/prices.csv', csv);
    const { manifest } = replayed(await replay(original.id, fixed([','])));
    await ports.bus.drain();
    expect(published.map((e) => e.id)).toEqual([original.id, manifest.id]);
    expect(published[1]).toMatchObject({
      id: replayId(original.id, 1),
      processedKey: manifest.outputs.processed,
      manifestKey: keys.manifest(manifest.id),
      counts: { total: manifest.counts.total, valid: manifest.counts.valid },
    });
    const stored = ManifestSchema.parse(
      JSON.parse(text(await ports.store.getBytes(keys.manifest(manifest.id)))),
    );
    expect(stored.replay).toMatchObject({
      of: original.id,
      sequence: 1,
      base: { id: original.id, manifestKey: keys.manifest(original.id) },
      recovered: manifest.replay?.recovered,
    });
  });

  it('writes nothing and keeps the sequence free when nothing new passes', async () => {
    const original = await ingest('inputs/prices.csv', csv);
    const result = await replay(original.id);
    expect(result.outcome).toBe('unchanged');
    if (result.outcome !== 'unchanged') return;
    expect(result.summary).toMatchObject({
      sequence: 1,
      recovered: 0,
      reconsidered: original.counts.rejected,
    });
    expect(await ports.store.head(keys.replayProcessed('ohlcv-csv', original.id, 1))).toBeUndefined();
    expect(await ports.store.head(keys.manifest(replayId(original.id, 1)))).toBeUndefined();
    expect(replayed(await replay(original.id, fixed([',']))).manifest.replay?.sequence).toBe(1);
  });

  it('numbers replays of an input and starts each from the one before', async () => {
    const original = await ingest('inputs/prices.csv', csv);
    const first = replayed(await replay(original.id, fixed([','])));
    ports.clock.advance(1000);
    const again = await replay(original.id, fixed([',']));
    expect(again.outcome).toBe('unchanged');
    const second = replayed(await replay(original.id, fixed([',', ' '])));
    expect(second.summary).toMatchObject({
      sequence: 2,
      base: { id: first.manifest.id },
      recovered: csv.counts.space,
    });
    expect(second.manifest.id).toBe(replayId(original.id, 2));
    expect(second.manifest.counts).toMatchObject({
      total: original.counts.total,
      valid: first.manifest.counts.valid + csv.counts.space,
    });
    expect(second.manifest.counts.reasons.not_a_number).toBeUndefined();
  });

  it('starts again from the input itself once it was re-run in full', async () => {
    const original = await ingest('inputs/prices.csv', csv);
    replayed(await replay(original.id, fixed([','])));
    ports.clock.advance(1000);
    await rerunInput(ports, { sha256: original.id, requestId: 'rerun' });
    ports.clock.advance(1000);
    const next = replayed(await replay(original.id, fixed([',', ' '])));
    expect(next.summary.base.id).toBe(original.id);
    expect(next.summary.sequence).toBe(2);
    expect(next.summary.recovered).toBe(csv.counts.comma + csv.counts.twin + csv.counts.space);
  });

  it('lets one of five concurrent replays of an input write the next sequence', async () => {
    const original = await ingest('inputs/prices.csv', csv);
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        replayRejects(
          { ...ports, state: ports.anotherState(), contractFor: fixed([',']) },
          { sha256: original.id, requestId: `worker-${i}` },
        ),
      ),
    );
    const winners = results.filter((r) => r.outcome === 'replayed');
    expect(winners).toHaveLength(1);
    for (const r of results) expect(['replayed', 'in_progress', 'unchanged']).toContain(r.outcome);
    expect(await ports.store.head(keys.manifest(replayId(original.id, 1)))).toBeDefined();
    expect(await ports.store.head(keys.manifest(replayId(original.id, 2)))).toBeUndefined();
    expect((await ports.state.getClaim(claimKeys.replay(original.id, 1)))?.status).toBe('completed');
  });

  it('recovers Twelve Data bars with the interval of their symbol and keeps error blocks rejected', async () => {
    const json = marketFixture({ seed: 11, symbols: 2, barsPerSymbol: 80, format: 'twelvedata' });
    const original = await ingest('inputs/prices.json', json);
    expect(original.dataset).toBe('twelvedata-ohlcv');
    const { manifest, summary } = replayed(await replay(original.id, fixed([','])));
    expect(summary.recovered).toBe(json.counts.comma + json.counts.twin);
    expect(summary.notRevalidated).toBe(json.counts.structural + json.counts.malformed);
    expect(summary.stillRejectedByReason).toMatchObject({
      source_error: 1,
      malformed_row: json.counts.malformed,
      duplicate_row: json.counts.echo + json.counts.twin,
    });
    const rows = text(await ports.store.getBytes(manifest.outputs.processed as string))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { interval?: string });
    expect(rows.every((r) => r.interval === '1day')).toBe(true);
  });

  it('recovers the rows of a file that had none valid, which then counts as ingested', async () => {
    const allComma = marketFixture({ seed: 5, symbols: 1, barsPerSymbol: 30, format: 'csv', badRatio: 0 });
    // Every volume grouped with commas: a file today's contract rejects row by row.
    const commaText = allComma.text.replace(
      /^(SYM0(?:,[^,]+){5},)(\d+)$/gm,
      (_, head: string, volume: string) => `${head}"${volume.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}"`,
    );
    const original = await ingest('inputs/all-bad.csv', { text: commaText, counts: allComma.counts });
    expect(original).toMatchObject({ status: 'rejected', reason: { code: 'no_valid_rows' } });
    const { manifest } = replayed(await replay(original.id, fixed([','])));
    expect(manifest.status).toBe('ingested');
    expect(manifest.counts).toMatchObject({ total: 31, valid: 30, rejected: 1 });
  });

  it('refuses an unknown input, a replay id and a file refused as a whole, each by code', async () => {
    await expect(replay('a'.repeat(64))).rejects.toMatchObject({ code: 'REPLAY.UNKNOWN_INPUT' });
    const original = await ingest('inputs/prices.csv', csv);
    const { manifest } = replayed(await replay(original.id, fixed([','])));
    await expect(replay(manifest.id)).rejects.toMatchObject({ code: 'REPLAY.NOT_REPLAYABLE' });
    await ports.store.put('inputs/junk.csv', 'what,is,this\n1,2,3\n');
    const junk = (await ingestObject(ports, { key: 'inputs/junk.csv', requestId: 'j' })).manifest as Manifest;
    await expect(replay(junk.id)).rejects.toMatchObject({ code: 'REPLAY.NOT_REPLAYABLE' });
  });

  it('refuses a rejects file it did not write, and gives the claim back', async () => {
    const original = await ingest('inputs/prices.csv', csv);
    await ports.store.put(original.outputs.rejects as string, '{"index":1,"reasons":[]}\n');
    await expect(replay(original.id, fixed([',']))).rejects.toMatchObject({ code: 'REPLAY.CORRUPT_REJECTS' });
    expect(await ports.state.getClaim(claimKeys.replay(original.id, 1))).toBeUndefined();
    expect(await ports.store.head(keys.replayProcessed('ohlcv-csv', original.id, 1))).toBeUndefined();
  });
});
