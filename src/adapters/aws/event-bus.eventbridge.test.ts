import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { recordingMetrics } from '../../../test/helpers/analyst-fixtures.js';
import { ingestCompletedDetail } from '../../../test/helpers/aws-events.js';
import {
  type EventBridgeServer,
  putEventsReply,
  startEventBridgeServer,
} from '../../../test/helpers/eventbridge-server.js';
import { instantSleep } from '../../../test/helpers/mail-fixtures.js';
import { makeEvent, type SluiceEvent } from '../../core/events.js';
import {
  createEventBridgeClient,
  EventBridgeBus,
  entrySize,
  MAX_CALL_BYTES,
} from './event-bus.eventbridge.js';

const eventNo = (n: number, extra = ''): SluiceEvent =>
  makeEvent('IngestCompleted', {
    ...ingestCompletedDetail(),
    correlationId: `corr-${n}${extra}`,
  });

let server: EventBridgeServer;
beforeAll(async () => {
  server = await startEventBridgeServer();
  process.env.AWS_ACCESS_KEY_ID = 'test';
  process.env.AWS_SECRET_ACCESS_KEY = 'test';
});
afterAll(() => server.close());
beforeEach(() => {
  (server.calls as unknown[]).length = 0;
  (server.accepted as unknown[]).length = 0;
});

function busFor(options: { maxAttempts?: number; traceHeader?: string } = {}) {
  const metrics = recordingMetrics();
  const time = instantSleep();
  const bus = new EventBridgeBus({
    client: createEventBridgeClient({ region: 'us-east-1', endpoint: server.url }),
    busName: 'sluice-test',
    maxAttempts: options.maxAttempts ?? 5,
    sleep: time.sleep,
    random: () => 0.5,
    metrics,
    traceHeader: () => options.traceHeader,
  });
  return { bus, metrics, waits: time.waits };
}

describe('EventBridgeBus', () => {
  it('sends source, detail type, JSON detail, bus name and trace header', async () => {
    const { bus } = busFor({ traceHeader: 'Root=1-abc-def;Sampled=1' });
    const event = eventNo(1);
    const result = await bus.publish([event]);
    expect(result).toEqual({ published: 1, failed: [] });
    expect(server.accepted[0]).toEqual({
      Source: 'sluice.ingest',
      DetailType: 'IngestCompleted',
      Detail: JSON.stringify(event.detail),
      EventBusName: 'sluice-test',
      TraceHeader: 'Root=1-abc-def;Sampled=1',
    });
  });

  it('splits 23 events into calls of at most 10 entries', async () => {
    const { bus } = busFor();
    const result = await bus.publish(Array.from({ length: 23 }, (_, i) => eventNo(i)));
    expect(result.published).toBe(23);
    expect(server.calls.map((c) => c.length)).toEqual([10, 10, 3]);
  });

  it('splits calls so no call exceeds 256 KB of entries', async () => {
    const { bus } = busFor();
    const big = (n: number) => eventNo(n, 'x'.repeat(100 * 1024));
    const result = await bus.publish([big(1), big(2), big(3)]);
    expect(result.published).toBe(3);
    expect(server.calls.map((c) => c.length)).toEqual([2, 1]);
  });

  it('returns an entry over 256 KB as failed without sending it', async () => {
    const { bus } = busFor();
    const huge = eventNo(1, 'x'.repeat(MAX_CALL_BYTES));
    const result = await bus.publish([huge, eventNo(2)]);
    expect(result.published).toBe(1);
    expect(result.failed).toHaveLength(1);
    expect(result.failed[0]?.error).toMatch(/^EntryTooLarge/);
  });

  it('resends only the entries that failed, after a jittered wait', async () => {
    const { bus, metrics, waits } = busFor();
    server.failNext(putEventsReply.failEntries({ 1: 'ThrottlingException', 3: 'InternalFailure' }));
    const events = [0, 1, 2, 3, 4].map((n) => eventNo(n));
    const result = await bus.publish(events);
    expect(result).toEqual({ published: 5, failed: [] });
    expect(server.calls.map((c) => c.map((e) => JSON.parse(e.Detail).correlationId))).toEqual([
      ['corr-0', 'corr-1', 'corr-2', 'corr-3', 'corr-4'],
      ['corr-1', 'corr-3'],
    ]);
    expect(waits).toHaveLength(1);
    expect(metrics.recorded).toContainEqual(
      expect.objectContaining({ name: 'EventsPublishRetries', value: 2 }),
    );
  });

  it('retries a throttled or failed call as a whole', async () => {
    const { bus } = busFor();
    server.failNext(putEventsReply.throttled(), putEventsReply.internal());
    const result = await bus.publish([eventNo(1), eventNo(2)]);
    expect(result).toEqual({ published: 2, failed: [] });
    expect(server.calls).toHaveLength(3);
  });

  it('returns entries still failing after the last attempt with their error code', async () => {
    const { bus } = busFor({ maxAttempts: 3 });
    const always = putEventsReply.failEntries({ 0: 'ThrottlingException' });
    server.failNext(always, always, always);
    const [first, second] = [eventNo(1), eventNo(2)];
    const result = await bus.publish([first, second]);
    expect(result.published).toBe(1);
    expect(result.failed).toEqual([{ event: first, error: expect.stringMatching(/^ThrottlingException/) }]);
    expect(server.calls).toHaveLength(3);
  });

  it('does not retry an entry refused for a reason that will not pass', async () => {
    const { bus } = busFor();
    server.failNext(putEventsReply.failEntries({ 0: 'MalformedDetail' }));
    const result = await bus.publish([eventNo(1)]);
    expect(result.failed[0]?.error).toMatch(/^MalformedDetail/);
    expect(server.calls).toHaveLength(1);
  });

  it('returns every entry as failed when the call is refused outright', async () => {
    const { bus } = busFor();
    server.failNext(putEventsReply.accessDenied());
    const result = await bus.publish([eventNo(1), eventNo(2)]);
    expect(result.published).toBe(0);
    expect(result.failed.map((f) => f.error)).toEqual([
      expect.stringMatching(/^AccessDeniedException/),
      expect.stringMatching(/^AccessDeniedException/),
    ]);
  });

  it('measures an entry as EventBridge does', () => {
    expect(
      entrySize({ Source: 'a', DetailType: 'bé', Detail: '{}', Resources: ['r'], Time: new Date() }),
    ).toBe(14 + 1 + 3 + 2 + 1);
  });
});
