/**
 * Failure notices on emulated AWS: ingest refuses a file or rejects many of its
 * rows, the event reaches notify through the failure-notices queue, and one
 * notice is mailed through the loopback SES, however often it is delivered.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { SQSBatchResponse } from 'aws-lambda';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ohlcvCsv, randomWalkMarket } from '../../test/helpers/analysis-fixtures.js';
import {
  eventBridgeEnvelope,
  lambdaContext,
  s3ObjectCreatedEvent,
  sqsEvent,
  sqsRecord,
} from '../../test/helpers/aws-events.js';
import { type AwsTestbed, startAwsTestbed } from '../../test/helpers/aws-testbed.js';

let testbed: AwsTestbed;

beforeAll(async () => {
  testbed = await startAwsTestbed({ busName: 'sluice-notices', mailTo: 'ops@example.com' });
});

afterAll(() => testbed.stop());

/** Ingests `body` under `key` and returns the envelope ingest published, as the queue would carry it. */
async function ingestedEnvelope(key: string, body: string): Promise<string> {
  await testbed.s3Client.send(new PutObjectCommand({ Bucket: testbed.s3.bucket, Key: key, Body: body }));
  vi.resetModules();
  const ingest = (await import('./ingest.js')).handler;
  await ingest(s3ObjectCreatedEvent(testbed.s3.bucket, key), lambdaContext());
  const entry = testbed.events.accepted.find((e) => JSON.parse(e.Detail).inputKey === key);
  if (!entry) throw new Error(`no event for ${key}`);
  return eventBridgeEnvelope(entry.DetailType, entry.Source, JSON.parse(entry.Detail));
}

async function deliver(...bodies: string[]): Promise<SQSBatchResponse> {
  vi.resetModules();
  const { handler } = await import('./notify.js');
  return (await handler(sqsEvent(...bodies.map((b) => sqsRecord(b))), lambdaContext())) as SQSBatchResponse;
}

/** The text parts of the mails whose text names `key`, with the correlation header. */
async function mailsAbout(key: string): Promise<string[]> {
  const parsed = await Promise.all(testbed.ses.sent.map((m) => simpleParser(m.raw)));
  return parsed
    .filter((m) => m.text?.includes(key))
    .map((m) => `X-Sluice-Correlation-Id: ${String(m.headers.get('x-sluice-correlation-id'))}\n${m.text}`);
}

describe('failure notices', () => {
  it('mails one notice for a refused file, with its reason, counts and replay command, under duplicate delivery', async () => {
    const key = 'inputs/unknown-columns.csv';
    const envelope = await ingestedEnvelope(key, 'a,b,c\n1,2,3\n');
    expect(JSON.parse(envelope)['detail-type']).toBe('IngestRejected');
    // Twice in one batch, then again in another: EventBridge and SQS deliver at least once.
    // The copy that finds the other mid-send is reported, so SQS shows it again, not acked blind.
    expect((await deliver(envelope, envelope)).batchItemFailures.length).toBeLessThanOrEqual(1);
    expect(await deliver(envelope)).toEqual({ batchItemFailures: [] });
    expect(await deliver(envelope)).toEqual({ batchItemFailures: [] });
    const mails = await mailsAbout(key);
    expect(mails).toHaveLength(1);
    expect(mails[0]).toContain('unknown_dataset');
    expect(mails[0]).toMatch(/sluice replay [0-9a-f]{64}/);
    expect(mails[0]).toMatch(/X-Sluice-Correlation-Id: [0-9a-f]{64}:/);
  });

  it('mails a notice for an ingested file over the reject-% threshold, quoting its first rejected rows', async () => {
    const key = 'inputs/half-bad.csv';
    const good = ohlcvCsv(randomWalkMarket(['HALF'], 4));
    const bad = Array.from({ length: 6 }, (_, i) => `HALF,not-a-date-${i},1,2,0.5,1,100`).join('\n');
    const envelope = await ingestedEnvelope(key, `${good}${bad}\n`);
    expect(await deliver(envelope)).toEqual({ batchItemFailures: [] });
    const [mail] = await mailsAbout(key);
    expect(mail).toContain('60% of its rows rejected');
    expect(mail).toContain('not-a-date-0');
  });

  it('sends nothing for a file under the threshold', async () => {
    const key = 'inputs/one-bad.csv';
    const envelope = await ingestedEnvelope(
      key,
      `${ohlcvCsv(randomWalkMarket(['ONE'], 20))}ONE,not-a-date,1,2,0.5,1,100\n`,
    );
    expect(await deliver(envelope)).toEqual({ batchItemFailures: [] });
    expect(await mailsAbout(key)).toEqual([]);
  });

  it('reports a message that is not an ingest event for redelivery and keeps the others', async () => {
    const envelope = await ingestedEnvelope('inputs/also-unknown.csv', 'x,y\n1,2\n');
    vi.resetModules();
    const { handler } = await import('./notify.js');
    const poison = sqsRecord('{"detail-type": "Something"}', 'msg-poison');
    const response = await handler(sqsEvent(poison, sqsRecord(envelope)), lambdaContext());
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'msg-poison' }] });
    expect(await mailsAbout('inputs/also-unknown.csv')).toHaveLength(1);
  });
});
