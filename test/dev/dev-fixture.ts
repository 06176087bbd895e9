/**
 * `sluice dev` in-process on a temp data dir, with short watcher timings, and
 * the counts the dev tests assert: manifests, events on the bus, emails.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { DetailType } from '../../src/core/events.js';
import { type Dev, type DevOptions, startDev } from '../../src/dev/start-dev.js';
import { loadLocalConfig } from '../../src/local/config.js';
import { generateHealthVitals, generateSmartphoneSales } from '../../src/samples/csv.generators.js';

/** Chokidar polls a growing file every 25 ms and calls it written after 300 ms without change. */
export const FAST_WATCH = { stabilityThresholdMs: 300, pollIntervalMs: 25 } as const;

export const quietConfig = () => loadLocalConfig({ SLUICE_LOG_LEVEL: 'error' });

export interface DevFixture {
  readonly root: string;
  readonly dataDir: string;
  readonly lines: string[];
  start(options?: Partial<DevOptions>): Promise<Dev>;
  cleanup(): Promise<void>;
}

export async function devFixture(): Promise<DevFixture> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'sluice-dev-'));
  const dataDir = path.join(root, 'data');
  const lines: string[] = [];
  const running = new Set<Dev>();
  return {
    root,
    dataDir,
    lines,
    async start(options = {}) {
      const dev = await startDev({
        dataDir,
        port: 0,
        config: quietConfig(),
        ...FAST_WATCH,
        print: (line) => lines.push(line),
        ...options,
      });
      running.add(dev);
      const close = dev.close;
      return {
        ...dev,
        close: async () => {
          running.delete(dev);
          return close();
        },
      };
    },
    async cleanup() {
      await Promise.all([...running].map((dev) => dev.close()));
      await rm(root, { recursive: true, force: true });
    },
  };
}

export const emailsIn = async (dataDir: string): Promise<string[]> =>
  (await readdir(path.join(dataDir, 'outbox')).catch(() => [] as string[])).filter((f) => f.endsWith('.eml'));

export const manifestsIn = async (dataDir: string): Promise<string[]> =>
  (await readdir(path.join(dataDir, 'manifests')).catch(() => [] as string[])).filter((f) =>
    f.endsWith('.json'),
  );

export const published = (dev: Dev, type: DetailType): number =>
  dev.ports.bus.published.filter((e) => e.detailType === type).length;

async function text(chunks: AsyncIterable<string>): Promise<string> {
  let all = '';
  for await (const chunk of chunks) all += chunk;
  return all;
}

export const vitalsCsv = (rows = 200, seed = 7): Promise<string> =>
  text(generateHealthVitals({ rows, badRatio: 0.1, seed, users: 3 }));

export const salesCsv = (rows = 300, seed = 11): Promise<string> =>
  text(generateSmartphoneSales({ rows, badRatio: 0.1, seed }));

/** Polls `check` until it holds or `timeoutMs` passes. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
