import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { lambdaContext, scheduledEvent, setHandlerEnv } from '../../test/helpers/aws-events.js';
import { type S3Emulator, startS3Emulator } from '../../test/helpers/emulators.js';
import { type ManualClock, manualClock } from '../../test/helpers/local-ports.js';
import { startTwelveDataServer, type TwelveDataServer } from '../../test/helpers/twelvedata-server.js';
import { type Metrics, silentLogger } from '../core/ports.js';
import type { FetchHandlerDeps } from './fetch.js';
import type { Runtime } from './runtime.js';

let s3: S3Emulator;
let api: TwelveDataServer;
let clock: ManualClock;
let restoreEnv: () => void;
let runtime: Runtime;
let createFetchHandler: typeof import('./fetch.js')['createFetchHandler'];

beforeAll(async () => {
  s3 = await startS3Emulator();
  clock = manualClock();
  api = await startTwelveDataServer({ clock });
  restoreEnv = setHandlerEnv({
    SLUICE_BUCKET: s3.bucket,
    SLUICE_TABLE: 'sluice-unused',
    SLUICE_EVENT_BUS: 'sluice-unused',
    SLUICE_S3_ENDPOINT: s3.endpoint,
    SLUICE_FETCH_SYMBOLS: 'AAPL, MSFT',
    SLUICE_TWELVEDATA_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:sluice-test',
    SLUICE_TWELVEDATA_ENDPOINT: api.url,
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
  });
  vi.resetModules();
  ({ createFetchHandler } = await import('./fetch.js'));
  runtime = (await import('./runtime.js')).createRuntime('fetch');
});

afterAll(async () => {
  restoreEnv();
  await api.close();
  await s3.stop();
});

interface Recorded {
  readonly name: string;
  readonly value: number;
  readonly dimensions?: Readonly<Record<string, string>>;
}

/** A handler on the emulated bucket and the fake API, with time that moves only when it sleeps. */
function fetchHandler(overrides: Partial<FetchHandlerDeps> = {}) {
  const recorded: Recorded[] = [];
  const metrics: Metrics = {
    add: (name, _unit, value, dimensions) => {
      recorded.push({ name, value, ...(dimensions ? { dimensions } : {}) });
    },
  };
  const slept: number[] = [];
  const handler = createFetchHandler({
    env: runtime.env,
    apiKey: async () => api.apiKey,
    store: runtime.store(),
    logger: silentLogger,
    metrics,
    clock,
    sleep: async (ms) => {
      slept.push(ms);
      clock.advance(ms);
    },
    ...overrides,
  });
  const metric = (name: string) =>
    recorded.filter((m) => m.name === name).reduce((sum, m) => sum + m.value, 0);
  return { handler, recorded, metric, slept };
}

const withRemaining = (ms: number) => ({ ...lambdaContext(), getRemainingTimeInMillis: () => ms });

/** Every credit window of the fake API is over: each test starts with a full minute of credits. */
const nextMinute = () => clock.advance(61_000);

describe('fetch handler', () => {
  it('writes the configured symbols under inputs/twelvedata/ of the bucket on a scheduled event', async () => {
    nextMinute();
    const { handler, metric } = fetchHandler();
    const summary = await handler(scheduledEvent(), withRemaining(900_000));

    expect(summary).toMatchObject({ fetched: ['AAPL', 'MSFT'], failed: [], skipped: [] });
    expect(summary.keys).toHaveLength(1);
    expect(summary.keys[0]).toMatch(
      /^inputs\/twelvedata\/1day-asof-2026-01-05-AAPL_MSFT-[0-9a-f]{10}\.json$/,
    );
    const listed = await s3.client().send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: 'inputs/' }));
    expect(listed.Contents?.map((o) => o.Key)).toContain(summary.keys[0]);
    const body = await s3.client().send(new GetObjectCommand({ Bucket: s3.bucket, Key: summary.keys[0] }));
    const json = JSON.parse(await (body.Body?.transformToString() ?? Promise.resolve('{}')));
    expect(Object.keys(json)).toEqual(['AAPL', 'MSFT']);
    expect(json.AAPL.values).toHaveLength(30);
    expect(metric('FetchSymbolsFetched')).toBe(2);
    expect(metric('FetchSymbolsSkipped')).toBe(0);
    expect(metric('FetchFailed')).toBe(0);
  });

  it("takes symbols, interval and outputsize from Scheduler's input, and counts error blocks as failures", async () => {
    nextMinute();
    const { handler, recorded } = fetchHandler();
    const summary = await handler(
      { symbols: ['IBM', 'NOSUCH1'], interval: '1week', outputsize: 5 },
      withRemaining(900_000),
    );

    expect(summary.fetched).toEqual(['IBM']);
    expect(summary.failed).toEqual([
      expect.objectContaining({ symbol: 'NOSUCH1', code: 'FETCH.SYMBOL_ERROR' }),
    ]);
    expect(summary.keys[0]).toMatch(/^inputs\/twelvedata\/1week-/);
    expect(api.requests.at(-1)?.query).toMatchObject({
      symbol: 'IBM,NOSUCH1',
      interval: '1week',
      outputsize: '5',
    });
    expect(recorded).toContainEqual({
      name: 'FetchFailed',
      value: 1,
      dimensions: { reason: 'FETCH.SYMBOL_ERROR' },
    });
  });

  it('skips the symbols whose credits would come back after the invocation ends, and counts them', async () => {
    nextMinute();
    const symbols = Array.from({ length: 10 }, (_, i) => `SYM${i}`);
    const sent = api.requests.length;
    const { handler, metric, slept } = fetchHandler();
    // 90 s left less the 45 s margin: the second request's minute-long wait does not fit.
    const summary = await handler({ symbols: symbols.join(',') }, withRemaining(90_000));

    expect(summary.fetched).toEqual(symbols.slice(0, 8));
    expect(summary.skipped).toEqual(['SYM8', 'SYM9']);
    expect(slept).toEqual([]);
    expect(api.requests.length - sent).toBe(1);
    expect(metric('FetchSymbolsFetched')).toBe(8);
    expect(metric('FetchSymbolsSkipped')).toBe(2);
  });

  it('waits for credits when the invocation has time for the wait', async () => {
    nextMinute();
    const symbols = Array.from({ length: 10 }, (_, i) => `SYM${i}`).join(',');
    const { handler, slept } = fetchHandler();
    const summary = await handler({ symbols }, withRemaining(900_000));

    expect(summary.fetched).toHaveLength(10);
    expect(summary.skipped).toEqual([]);
    expect(slept).toEqual([60_000]);
  });

  it('throws on a refused API key, after counting the failure under its code', async () => {
    nextMinute();
    const { handler, recorded } = fetchHandler({ apiKey: async () => 'not-the-key' });
    await expect(handler(scheduledEvent(), withRemaining(900_000))).rejects.toMatchObject({
      code: 'FETCH.UNAUTHORIZED',
    });
    expect(recorded).toContainEqual({
      name: 'FetchFailed',
      value: 2,
      dimensions: { reason: 'FETCH.UNAUTHORIZED' },
    });
  });

  it('rejects an event that is neither a scheduled event nor a valid override, before any request', async () => {
    const sent = api.requests.length;
    const { handler } = fetchHandler();
    await expect(handler({ symbol: 'AAPL' }, withRemaining(900_000))).rejects.toMatchObject({
      code: 'EVENT.INVALID',
    });
    await expect(handler({ symbols: 'AAPL,,MSFT' }, withRemaining(900_000))).rejects.toMatchObject({
      code: 'EVENT.INVALID',
    });
    expect(api.requests.length).toBe(sent);
  });
});
