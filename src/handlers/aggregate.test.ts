import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  awsEventFixture,
  lambdaContext,
  scheduledEvent,
  setHandlerEnv,
} from '../../test/helpers/aws-events.js';
import { type DynamoDbEmulator, startDynamoDbEmulator } from '../../test/helpers/emulators.js';
import type { RunIndexEntry } from '../core/analyze/stored-analysis.js';
import { itemKeys } from '../core/keys.js';

let ddb: DynamoDbEmulator;
let restoreEnv: () => void;

beforeAll(async () => {
  ddb = await startDynamoDbEmulator();
  restoreEnv = setHandlerEnv({
    SLUICE_BUCKET: 'sluice-unused',
    SLUICE_TABLE: ddb.table,
    SLUICE_EVENT_BUS: 'sluice-unused',
    SLUICE_AGGREGATE_WINDOW_MINUTES: '30',
    SLUICE_DYNAMODB_ENDPOINT: ddb.endpoint,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
  });
});

afterAll(async () => {
  restoreEnv();
  await ddb.stop();
});

const entry = (id: string, createdAt: string, changePct: number): RunIndexEntry => ({
  id,
  dataset: 'ohlcv-csv',
  createdAt,
  model: 'offline',
  inputTokens: 0,
  outputTokens: 0,
  costUsd: 0,
  headline: id,
  market: {
    sentiment: changePct > 0 ? 'bullish' : 'bearish',
    meanChangePct: changePct,
    turbulence: 'low',
    movers: [{ symbol: id.toUpperCase(), changePct }],
  },
});

describe('aggregate handler', () => {
  it('writes the snapshot of the runs in the window for its 5-minute slot, and LATEST', async () => {
    const doc = ddb.documentClient();
    for (const run of [
      entry('old', '2026-01-05T09:00:00.000Z', 9),
      entry('up', '2026-01-05T09:50:00.000Z', 2),
      entry('down', '2026-01-05T10:01:00.000Z', -1),
    ]) {
      await doc.send(
        new PutCommand({
          TableName: ddb.table,
          Item: { pk: itemKeys.runsPk(run.createdAt), sk: itemKeys.runsSk(run.createdAt, run.id), data: run },
        }),
      );
    }
    vi.resetModules();
    const { handler } = await import('./aggregate.js');
    const snapshot = await handler(scheduledEvent('2026-01-05T10:07:12Z'), lambdaContext());
    // Retried invocations of one schedule rewrite the same item.
    await handler(scheduledEvent('2026-01-05T10:07:12Z'), lambdaContext());

    expect(snapshot).toMatchObject({
      slot: '2026-01-05T10:05:00.000Z',
      marketRuns: 2,
      sentiment: { bullish: 1, bearish: 1 },
      meanChangePct: 0.5,
      topGainers: [{ symbol: 'UP', changePct: 2 }],
      topLosers: [{ symbol: 'DOWN', changePct: -1 }],
    });
    const items = await doc.send(
      new QueryCommand({
        TableName: ddb.table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'SNAPSHOT' },
      }),
    );
    expect(items.Items?.map((i) => i.sk)).toEqual(['2026-01-05T10:05:00.000Z', 'LATEST']);
    const latest = await doc.send(
      new GetCommand({ TableName: ddb.table, Key: { pk: 'SNAPSHOT', sk: 'LATEST' } }),
    );
    expect(latest.Item?.data).toEqual(snapshot);
  });

  it.each([
    ['eventbridge-scheduled-event', '2026-01-05T10:05:00.000Z'],
    ['scheduler-eventbridge-shaped', '2026-01-05T10:05:00.000Z'],
  ])('takes the slot from the time of %s', async (fixture, slot) => {
    vi.resetModules();
    const { handler } = await import('./aggregate.js');
    expect((await handler(awsEventFixture(fixture), lambdaContext())).slot).toBe(slot);
  });

  it("takes the slot from the clock for EventBridge Scheduler's default input {}", async () => {
    vi.resetModules();
    const { handler } = await import('./aggregate.js');
    const before = Date.now();
    const snapshot = await handler(awsEventFixture('scheduler-default-input'), lambdaContext());
    const slot = Date.parse(snapshot.slot);
    expect(slot).toBeLessThanOrEqual(Date.now());
    expect(slot).toBeGreaterThan(before - 5 * 60_000);
  });

  it('refuses an event whose time is not a time', async () => {
    vi.resetModules();
    const { handler } = await import('./aggregate.js');
    await expect(handler({ time: 'yesterday' }, lambdaContext())).rejects.toThrow(/not a scheduled event/);
  });
});
