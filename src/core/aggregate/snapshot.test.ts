import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTestPorts, type TestPorts } from '../../../test/helpers/local-ports.js';
import type { RunIndexEntry } from '../analyze/stored-analysis.js';
import { itemKeys } from '../keys.js';
import {
  buildSnapshot,
  loadRuns,
  type MarketSnapshot,
  SNAPSHOT_PK,
  saveSnapshot,
  slotOf,
} from './snapshot.js';

const run = (id: string, createdAt: string, market?: RunIndexEntry['market']): RunIndexEntry => ({
  id,
  dataset: market ? 'ohlcv-csv' : 'smartphone-sales',
  createdAt,
  model: 'offline',
  inputTokens: 0,
  outputTokens: 0,
  costUsd: 0.001,
  headline: `run ${id}`,
  ...(market ? { market } : {}),
});

const SLOT = Date.parse('2026-01-05T10:05:00Z');

describe('buildSnapshot', () => {
  it('counts sentiment and turbulence and averages the mean change of market runs', () => {
    const snapshot = buildSnapshot(
      [
        run('a', '2026-01-05T09:30:00Z', {
          sentiment: 'bullish',
          meanChangePct: 2,
          turbulence: 'low',
          movers: [],
        }),
        run('b', '2026-01-05T09:40:00Z', {
          sentiment: 'bearish',
          meanChangePct: -1,
          turbulence: 'high',
          movers: [],
        }),
        run('c', '2026-01-05T09:50:00Z'),
      ],
      { slot: SLOT, windowMinutes: 60 },
    );
    expect(snapshot).toMatchObject({
      slot: '2026-01-05T10:05:00.000Z',
      windowStart: '2026-01-05T09:05:00.000Z',
      runs: 3,
      marketRuns: 2,
      sentiment: { bullish: 1, bearish: 1 },
      meanChangePct: 0.5,
      turbulence: { low: 1, high: 1 },
      turbulenceLevel: 'high',
      costUsd: 0.003,
    });
  });

  it('ranks movers across runs, a symbol counted by its latest run', () => {
    const snapshot = buildSnapshot(
      [
        run('old', '2026-01-05T09:30:00Z', {
          sentiment: 'neutral',
          meanChangePct: 0,
          turbulence: null,
          movers: [
            { symbol: 'AAPL', changePct: 9 },
            { symbol: 'MSFT', changePct: -3 },
          ],
        }),
        run('new', '2026-01-05T09:45:00Z', {
          sentiment: 'neutral',
          meanChangePct: null,
          turbulence: null,
          movers: [
            { symbol: 'AAPL', changePct: 1 },
            { symbol: 'TSLA', changePct: 4 },
            { symbol: 'NVDA', changePct: null },
          ],
        }),
      ],
      { slot: SLOT, windowMinutes: 60 },
    );
    expect(snapshot.topGainers).toEqual([
      { symbol: 'TSLA', changePct: 4, id: 'new' },
      { symbol: 'AAPL', changePct: 1, id: 'new' },
    ]);
    expect(snapshot.topLosers).toEqual([{ symbol: 'MSFT', changePct: -3, id: 'old' }]);
    expect(snapshot.meanChangePct).toBe(0);
    expect(snapshot.turbulenceLevel).toBeNull();
  });

  it('gives an empty snapshot when no run falls in the window', () => {
    const snapshot = buildSnapshot([], { slot: SLOT, windowMinutes: 60 });
    expect(snapshot).toMatchObject({ runs: 0, marketRuns: 0, meanChangePct: null, topGainers: [] });
  });

  it('puts a time in the 5-minute slot it falls in', () => {
    expect(new Date(slotOf(Date.parse('2026-01-05T10:09:59.999Z'))).toISOString()).toBe(
      '2026-01-05T10:05:00.000Z',
    );
  });
});

describe('loadRuns and saveSnapshot', () => {
  let ports: TestPorts;
  beforeEach(async () => {
    ports = await makeTestPorts();
  });
  afterEach(() => ports.cleanup());

  const index = async (entry: RunIndexEntry) =>
    ports.state.put({
      pk: itemKeys.runsPk(entry.createdAt),
      sk: itemKeys.runsSk(entry.createdAt, entry.id),
      data: entry,
    });

  it('reads the runs of a window that spans midnight, and none outside it', async () => {
    await index(run('before', '2026-01-04T22:00:00.000Z'));
    await index(run('late', '2026-01-04T23:50:00.000Z'));
    await index(run('early', '2026-01-05T00:05:00.000Z'));
    await index(run('after', '2026-01-05T00:20:00.000Z'));
    const runs = await loadRuns(
      ports.state,
      Date.parse('2026-01-04T23:30:00Z'),
      Date.parse('2026-01-05T00:10:00Z'),
    );
    expect(runs.map((r) => r.id)).toEqual(['late', 'early']);
  });

  it('writes the slot and LATEST, and a late retry of an older slot leaves LATEST alone', async () => {
    const newer = buildSnapshot([], { slot: SLOT, windowMinutes: 60 });
    const older = buildSnapshot([], { slot: SLOT - 5 * 60_000, windowMinutes: 60 });
    await saveSnapshot(ports.state, newer);
    await saveSnapshot(ports.state, newer);
    await saveSnapshot(ports.state, older);
    const items = await ports.state.query(SNAPSHOT_PK);
    expect(items.map((i) => i.sk)).toEqual([
      '2026-01-05T10:00:00.000Z',
      '2026-01-05T10:05:00.000Z',
      'LATEST',
    ]);
    expect((items[2]?.data as MarketSnapshot | undefined)?.slot).toBe(newer.slot);
  });
});
