/**
 * Load: 1000 small files at once, dropped into `inputs/` of a running `sluice dev`
 * and posted to its `POST /ingest`. Every one must end as a reported run (manifest,
 * analysis, email); the order they finish in does not matter.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RunsResponseSchema } from '../../src/dev/api-contract.js';
import type { Dev } from '../../src/dev/start-dev.js';
import { devFixture, emailsIn, eventually, manifestsIn, published } from '../dev/dev-fixture.js';
import { reportFigure } from './fixtures.js';

const FILES = 1000;
const LOAD_TIMEOUT_MS = 600_000;
/** Requests in flight at once from the posting client. */
const CLIENTS = 32;

/** A one-symbol Twelve Data answer of five bars; `n` makes its bytes, so its run, distinct. */
function smallFile(n: number): string {
  const values = Array.from({ length: 5 }, (_, day) => {
    const base = 10 + (n % 500) + day / 10;
    return {
      datetime: `2024-03-0${day + 1}`,
      open: base.toFixed(2),
      high: (base + 1).toFixed(2),
      low: (base - 1).toFixed(2),
      close: (base + 0.5).toFixed(2),
      volume: String(1000 + n),
    };
  });
  return JSON.stringify({ meta: { symbol: `LOAD${n}`, interval: '1day' }, values, status: 'ok' });
}

async function allReported(url: string): Promise<number> {
  const response = await fetch(`${url}/api/runs`);
  const { runs } = RunsResponseSchema.parse(await response.json());
  return runs.filter((run) => run.status === 'reported').length;
}

/** One manifest, one event per stage, one email and one `reported` run per file; nothing dead-lettered. */
async function expectEveryRunReported(dataDir: string, dev: Dev): Promise<void> {
  expect(await manifestsIn(dataDir)).toHaveLength(FILES);
  expect(published(dev, 'IngestCompleted')).toBe(FILES);
  expect(published(dev, 'AnalysisCompleted')).toBe(FILES);
  expect(await emailsIn(dataDir)).toHaveLength(FILES);
  expect(dev.ports.bus.deadLettered).toBe(0);
  expect(await allReported(dev.url)).toBe(FILES);
}

/** Runs `task` over 0..count-1 with at most `width` at once. */
async function pool(count: number, width: number, task: (n: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: width }, worker));
}

describe('sluice dev under load', { timeout: LOAD_TIMEOUT_MS }, () => {
  let cleanup: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await cleanup?.();
    cleanup = undefined;
  });

  it('turns 1000 files dropped into inputs/ at once into 1000 reported runs', async () => {
    const fixture = await devFixture();
    cleanup = fixture.cleanup;
    const dev = await fixture.start({ stabilityThresholdMs: 500, pollIntervalMs: 100 });
    const inputs = path.join(fixture.dataDir, 'inputs', 'load');
    await mkdir(inputs, { recursive: true });

    const started = performance.now();
    await Promise.all(
      Array.from({ length: FILES }, (_, n) => writeFile(path.join(inputs, `file-${n}.json`), smallFile(n))),
    );
    await eventually(async () => (await emailsIn(fixture.dataDir)).length >= FILES, LOAD_TIMEOUT_MS - 60_000);
    await dev.idle();
    const seconds = (performance.now() - started) / 1000;

    await expectEveryRunReported(fixture.dataDir, dev);
    reportFigure('load: 1000 files dropped into inputs/', {
      files: FILES,
      seconds: Math.round(seconds * 10) / 10,
      filesPerSecond: Math.round((FILES / seconds) * 10) / 10,
    });
  });

  it('turns 1000 files posted to POST /ingest into 1000 reported runs', async () => {
    const fixture = await devFixture();
    cleanup = fixture.cleanup;
    const dev = await fixture.start();

    const started = performance.now();
    const statuses = new Map<number, number>();
    await pool(FILES, CLIENTS, async (n) => {
      const response = await fetch(`${dev.url}/ingest?dataset=twelvedata-ohlcv`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: smallFile(n),
      });
      await response.arrayBuffer();
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
    });
    const acceptedSeconds = (performance.now() - started) / 1000;
    await eventually(async () => (await emailsIn(fixture.dataDir)).length >= FILES, LOAD_TIMEOUT_MS - 60_000);
    await dev.idle();
    const seconds = (performance.now() - started) / 1000;

    expect(Object.fromEntries(statuses)).toEqual({ 202: FILES });
    await expectEveryRunReported(fixture.dataDir, dev);
    reportFigure('load: 1000 files posted to POST /ingest', {
      files: FILES,
      clients: CLIENTS,
      acceptedPerSecond: Math.round((FILES / acceptedSeconds) * 10) / 10,
      seconds: Math.round(seconds * 10) / 10,
      filesPerSecond: Math.round((FILES / seconds) * 10) / 10,
    });
  });
});

describe('smallFile', () => {
  it('gives each load file its own bytes', () => {
    expect(new Set(Array.from({ length: FILES }, (_, n) => smallFile(n))).size).toBe(FILES);
  });
});
