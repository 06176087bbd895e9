import { copyFile, open, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadAnalysis } from '../../src/core/analyze/stored-analysis.js';
import { RunsResponseSchema } from '../../src/dev/api-contract.js';
import { twelveDataSample } from '../../src/samples/twelvedata.generator.js';
import {
  type DevFixture,
  devFixture,
  emailsIn,
  FAST_WATCH,
  manifestsIn,
  published,
  vitalsCsv,
} from './dev-fixture.js';

describe('sluice dev watching inputs/', () => {
  let fixture: DevFixture;
  beforeEach(async () => {
    fixture = await devFixture();
  });
  afterEach(async () => {
    await fixture.cleanup();
  });

  it('runs each distinct content once, however often it is copied and however slowly it is written', async () => {
    const dev = await fixture.start();
    const inputs = path.join(fixture.dataDir, 'inputs');
    const sample = path.join(fixture.root, 'prices.json');
    await writeFile(sample, twelveDataSample());

    await Promise.all([
      copyFile(sample, path.join(inputs, 'a.json')),
      copyFile(sample, path.join(inputs, 'b.json')),
    ]);
    const vitals = await vitalsCsv();
    const handle = await open(path.join(inputs, 'vitals.csv'), 'w');
    const chunk = Math.ceil(vitals.length / 4);
    for (let i = 0; i < vitals.length; i += chunk) {
      await handle.write(vitals.slice(i, i + chunk));
      await handle.sync();
      // Longer than a poll, shorter than the stability threshold: the file is still being written.
      await sleep(FAST_WATCH.pollIntervalMs * 4);
    }
    await handle.close();
    await dev.idle();
    await copyFile(sample, path.join(inputs, 'a.json'));
    await dev.idle();

    expect(await manifestsIn(fixture.dataDir)).toHaveLength(2);
    expect(published(dev, 'IngestCompleted')).toBe(2);
    expect(published(dev, 'AnalysisCompleted')).toBe(2);
    expect(await emailsIn(fixture.dataDir)).toHaveLength(2);
    const { runs } = RunsResponseSchema.parse(await (await fetch(`${dev.url}/api/runs`)).json());
    expect(runs.map((r) => [r.dataset, r.status, r.emailSent]).sort()).toEqual([
      ['health-vitals', 'reported', true],
      ['twelvedata-ohlcv', 'reported', true],
    ]);
    const vitalsRun = runs.find((r) => r.dataset === 'health-vitals');
    // Every row of the slowly written file, not the first chunk's.
    expect(vitalsRun?.total).toBe(200);
    for (const run of runs) expect(await loadAnalysis(dev.ports.state, run.id)).toBeDefined();
    expect(fixture.lines.filter((l) => l.includes(' reported: '))).toHaveLength(2);
  });

  it('shows a run whose ingest broke as failed with the reason, and runs it when the file comes again', async () => {
    const dev = await fixture.start();
    // A file where the processed/ folder should be: every write under it fails.
    await writeFile(path.join(fixture.dataDir, 'processed'), '');
    const input = path.join(fixture.dataDir, 'inputs', 'prices.json');
    await writeFile(input, twelveDataSample());
    await dev.idle();
    const [failed] = await dev.book.list();
    expect(failed).toMatchObject({
      status: 'failed',
      reason: { message: expect.stringMatching(/^ingest: /) },
    });
    expect(fixture.lines.filter((l) => l.includes(' failed: '))).toHaveLength(1);

    await rm(path.join(fixture.dataDir, 'processed'));
    await writeFile(input, twelveDataSample());
    await dev.idle();
    expect(await dev.book.summary(failed?.id as string)).toMatchObject({ status: 'reported', reason: null });
    expect(await emailsIn(fixture.dataDir)).toHaveLength(1);
  });

  it('leaves dot files and partial downloads alone', async () => {
    const dev = await fixture.start();
    const inputs = path.join(fixture.dataDir, 'inputs');
    const sample = twelveDataSample();
    await Promise.all(
      ['.hidden.json', 'prices.json.part', 'prices.json.crdownload', 'prices.tmp', '~$prices.json'].map(
        (name) => writeFile(path.join(inputs, name), sample),
      ),
    );
    await dev.idle();
    expect(await manifestsIn(fixture.dataDir)).toEqual([]);
  });

  it('ingests files already in inputs/ when it starts, with the dataset their folder names', async () => {
    const { mkdir } = await import('node:fs/promises');
    await mkdir(path.join(fixture.dataDir, 'inputs', 'health-vitals'), { recursive: true });
    await writeFile(
      path.join(fixture.dataDir, 'inputs', 'health-vitals', 'readings.txt'),
      await vitalsCsv(50, 3),
    );
    const dev = await fixture.start();
    await dev.idle();
    const { runs } = RunsResponseSchema.parse(await (await fetch(`${dev.url}/api/runs`)).json());
    expect(runs).toMatchObject([{ file: 'readings.txt', dataset: 'health-vitals', status: 'reported' }]);
  });
});
