import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SluiceError } from '../../core/errors.js';
import { type IngestCompleted, makeEvent, type SluiceEvent } from '../../core/events.js';
import { LocalEventBus, type LocalEventBusOptions } from './event-bus.local.js';

const ingestCompleted = (overrides: Partial<IngestCompleted> = {}): IngestCompleted => ({
  version: 1,
  correlationId: 'a'.repeat(64),
  id: 'a'.repeat(64),
  dataset: 'twelvedata-ohlcv',
  inputKey: 'inputs/prices.json',
  manifestKey: `manifests/${'a'.repeat(64)}.json`,
  processedKey: `processed/twelvedata-ohlcv/${'a'.repeat(64)}.jsonl`,
  rejectsKey: `rejects/twelvedata-ohlcv/${'a'.repeat(64)}.jsonl`,
  counts: { total: 10, valid: 9, rejected: 1 },
  completedAt: '2024-05-01T12:00:00.000Z',
  ...overrides,
});

const completedEvent = (overrides: Partial<IngestCompleted> = {}) =>
  makeEvent('IngestCompleted', ingestCompleted(overrides));

describe('LocalEventBus', () => {
  let dir: string;
  let deadLetterFile: string;
  let sleeps: number[];

  const makeBus = (options: Partial<LocalEventBusOptions> = {}) =>
    new LocalEventBus({
      deadLetterFile,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      ...options,
    });

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-bus-'));
    deadLetterFile = path.join(dir, 'nested', 'dead-letters.jsonl');
    sleeps = [];
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('delivers a published event to every subscriber of its detail type only', async () => {
    const bus = makeBus();
    const received: string[] = [];
    bus.subscribe('IngestCompleted', async (event) => {
      received.push(`first:${event.detail.dataset}`);
    });
    bus.subscribe('IngestCompleted', async (event) => {
      received.push(`second:${event.detail.counts.valid}`);
    });
    bus.subscribe('IngestRejected', async () => {
      received.push('rejected handler');
    });

    expect(await bus.publish([completedEvent()])).toEqual({ published: 1, failed: [] });
    await bus.drain();
    expect(received.sort()).toEqual(['first:twelvedata-ohlcv', 'second:9']);
  });

  it('returns from publish before any handler runs', async () => {
    const bus = makeBus();
    let ran = false;
    bus.subscribe('IngestCompleted', async () => {
      ran = true;
    });
    await bus.publish([completedEvent()]);
    expect(ran).toBe(false);
    await bus.drain();
    expect(ran).toBe(true);
  });

  it('records every accepted event in published, in order', async () => {
    const bus = makeBus();
    await bus.publish([completedEvent({ dataset: 'one' })]);
    await bus.publish([completedEvent({ dataset: 'two' })]);
    expect(bus.published.map((e) => (e as SluiceEvent<'IngestCompleted'>).detail.dataset)).toEqual([
      'one',
      'two',
    ]);
  });

  it('refuses events whose detail fails validation and publishes the rest', async () => {
    const bus = makeBus();
    const delivered: string[] = [];
    bus.subscribe('IngestCompleted', async (event) => {
      delivered.push(event.detail.dataset);
    });
    const bad = { ...completedEvent(), detail: { ...ingestCompleted(), id: 'not-a-sha' } } as SluiceEvent;
    const good = completedEvent({ dataset: 'good' });

    const result = await bus.publish([bad, good]);
    await bus.drain();

    expect(result.published).toBe(1);
    expect(result.failed).toHaveLength(1);
    expect(result.failed[0]?.event).toBe(bad);
    expect(result.failed[0]?.error).toMatch(/IngestCompleted is invalid/);
    expect(delivered).toEqual(['good']);
    expect(bus.published).toHaveLength(1);
  });

  it('refuses an unknown detail type and a wrong source', async () => {
    const bus = makeBus();
    const unknown = { source: 'sluice.ingest', detailType: 'Nope', detail: {} } as unknown as SluiceEvent;
    const wrongSource = { ...completedEvent(), source: 'sluice.analyze' };
    const result = await bus.publish([unknown, wrongSource]);
    expect(result.published).toBe(0);
    expect(result.failed.map((f) => f.error)).toEqual([
      expect.stringMatching(/unknown detail type "Nope"/),
      expect.stringMatching(/must come from sluice\.ingest/),
    ]);
  });

  it('retries a failing handler with exponential backoff until it succeeds', async () => {
    const bus = makeBus({ maxAttempts: 4, baseDelayMs: 50 });
    let calls = 0;
    bus.subscribe('IngestCompleted', async () => {
      calls += 1;
      if (calls < 3) throw new Error(`boom ${calls}`);
    });
    await bus.publish([completedEvent()]);
    await bus.drain();
    expect(calls).toBe(3);
    expect(sleeps).toEqual([50, 100]);
    await expect(stat(deadLetterFile)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('appends one dead-letter line with the event, error and attempts after the last failure', async () => {
    const bus = makeBus({ clock: { now: () => Date.parse('2024-05-01T13:00:00.000Z') } });
    let calls = 0;
    bus.subscribe('IngestCompleted', async () => {
      calls += 1;
      throw new SluiceError('NOTIFY.FAILED', 'smtp down');
    });
    const event = completedEvent();
    await bus.publish([event]);
    await bus.drain();

    expect(calls).toBe(3);
    expect(sleeps).toEqual([100, 200]);
    const lines = (await readFile(deadLetterFile, 'utf8')).trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '')).toEqual({
      failedAt: '2024-05-01T13:00:00.000Z',
      attempts: 3,
      error: { name: 'SluiceError', message: 'smtp down', code: 'NOTIFY.FAILED' },
      event: JSON.parse(JSON.stringify(event)),
    });
  });

  it('dead-letters each failing event on its own line, keeping other handlers unaffected', async () => {
    const bus = makeBus({ maxAttempts: 1 });
    const ok: string[] = [];
    bus.subscribe('IngestCompleted', async (event) => {
      if (event.detail.dataset.startsWith('bad')) throw new Error('nope');
      ok.push(event.detail.dataset);
    });
    await bus.publish([
      completedEvent({ dataset: 'bad-1' }),
      completedEvent({ dataset: 'fine' }),
      completedEvent({ dataset: 'bad-2' }),
    ]);
    await bus.drain();
    expect(ok).toEqual(['fine']);
    const datasets = (await readFile(deadLetterFile, 'utf8'))
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line).event.detail.dataset)
      .sort();
    expect(datasets).toEqual(['bad-1', 'bad-2']);
    expect(sleeps).toEqual([]);
  });

  it('waits in drain for events that handlers publish in turn', async () => {
    const bus = makeBus();
    const seen: string[] = [];
    bus.subscribe('IngestCompleted', async (event) => {
      seen.push(event.detail.dataset);
      if (event.detail.dataset === 'first') await bus.publish([completedEvent({ dataset: 'second' })]);
    });
    await bus.publish([completedEvent({ dataset: 'first' })]);
    await bus.drain();
    expect(seen).toEqual(['first', 'second']);
  });

  it('drains at once when nothing is in flight', async () => {
    await expect(makeBus().drain()).resolves.toBeUndefined();
  });

  it('refuses options out of range', () => {
    expect(() => makeBus({ maxAttempts: 0 })).toThrow(
      /maxAttempts must be an integer of at least 1 \(given 0\)/,
    );
    expect(() => makeBus({ baseDelayMs: -1 })).toThrow(/baseDelayMs must be a finite number of at least 0/);
  });
});
