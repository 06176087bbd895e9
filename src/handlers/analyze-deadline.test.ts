/**
 * The analyze and notify handlers when Bedrock or SES is slower than the invocation
 * has left: the loopback servers never answer a request.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ohlcvCsv, randomWalkMarket } from '../../test/helpers/analysis-fixtures.js';
import { validNarrative } from '../../test/helpers/analyst-fixtures.js';
import {
  dynamoDbEvent,
  dynamoDbRecord,
  eventBridgeEnvelope,
  lambdaContext,
  s3ObjectCreatedEvent,
  setHandlerEnv,
  sqsEvent,
  sqsRecord,
} from '../../test/helpers/aws-events.js';
import { type AwsTestbed, startAwsTestbed } from '../../test/helpers/aws-testbed.js';
import { converse, type ScriptedServer, startBedrockServer } from '../../test/helpers/bedrock-server.js';
import type { IngestCompleted } from '../core/events.js';
import { itemKeys } from '../core/keys.js';

let testbed: AwsTestbed;
let bedrock: ScriptedServer;
let restoreEnv: () => void;

beforeAll(async () => {
  testbed = await startAwsTestbed({ busName: 'sluice-deadline', mailTo: 'ops@example.com' });
  bedrock = await startBedrockServer();
  restoreEnv = setHandlerEnv({
    SLUICE_ANALYST: 'bedrock',
    SLUICE_BEDROCK_ENDPOINT: bedrock.url,
    SLUICE_DEADLINE_MARGIN_MS: '500',
    SLUICE_MAX_RECEIVE_COUNT: '3',
  });
});

afterAll(async () => {
  restoreEnv();
  await bedrock.close();
  await testbed.stop();
});

async function ingested(key: string, symbol: string): Promise<IngestCompleted> {
  await testbed.s3Client.send(
    new PutObjectCommand({
      Bucket: testbed.s3.bucket,
      Key: key,
      Body: ohlcvCsv(randomWalkMarket([symbol], 30)),
    }),
  );
  vi.resetModules();
  const ingest = (await import('./ingest.js')).handler;
  const { results } = await ingest(s3ObjectCreatedEvent(testbed.s3.bucket, key), lambdaContext());
  const entry = testbed.events.accepted.find(
    (e) =>
      e.DetailType === 'IngestCompleted' && (JSON.parse(e.Detail) as IngestCompleted).id === results[0]?.id,
  );
  return JSON.parse(entry?.Detail ?? 'null') as IngestCompleted;
}

const message = (detail: IngestCompleted, id: string, receiveCount: number): SQSRecord => {
  const record = sqsRecord(eventBridgeEnvelope('IngestCompleted', 'sluice.ingest', detail), id);
  return { ...record, attributes: { ...record.attributes, ApproximateReceiveCount: String(receiveCount) } };
};

const storedAnalysis = async (id: string) =>
  (
    await testbed.ddb.documentClient().send(
      new GetCommand({
        TableName: testbed.ddb.table,
        Key: { pk: itemKeys.analysisPk(id), sk: itemKeys.analysisSk },
      }),
    )
  ).Item?.data as { analyst: { model: string; fallback?: { code: string; reason: string } } } | undefined;

async function loadAnalyze() {
  vi.resetModules();
  return (await import('./analyze.js')).handler;
}

describe('analyze handler under a deadline', () => {
  it('reports the record whose model is slower than the remaining time, and keeps the rest of the batch', async () => {
    const slow = await ingested('inputs/deadline-slow.csv', 'SLOW');
    const fast = await ingested('inputs/deadline-fast.csv', 'FAST');
    bedrock.reset();
    // Requests come in parallel; whichever is second is never answered.
    bedrock.enqueue(converse.toolUse(validNarrative), { kind: 'hang' });
    const handler = await loadAnalyze();
    const started = Date.now();
    const response = (await handler(
      sqsEvent(message(slow, 'msg-a', 1), message(fast, 'msg-b', 1)),
      lambdaContext('req-deadline', 7_000),
    )) as SQSBatchResponse;
    const elapsed = Date.now() - started;

    // Ended at the deadline (7 s less the 0.5 s margin), before Lambda would have stopped it.
    expect(elapsed).toBeGreaterThan(6_000);
    expect(elapsed).toBeLessThan(7_000);
    expect(response.batchItemFailures).toHaveLength(1);
    const failedId = response.batchItemFailures[0]?.itemIdentifier;
    const [failed, done] = failedId === 'msg-a' ? [slow, fast] : [fast, slow];
    // The answered one is stored with the model's narrative; the other has nothing stored, not even a fallback.
    expect((await storedAnalysis(done.id))?.analyst.fallback).toBeUndefined();
    expect((await storedAnalysis(done.id))?.analyst).toEqual(
      expect.objectContaining({ model: 'amazon.nova-lite-v1:0', attempts: 1 }),
    );
    expect(await storedAnalysis(failed.id)).toBeUndefined();

    // SQS shows it again after the visibility timeout (6 × the function's), long after the
    // invocation ended and its claim expired with it; here, just past that end.
    await delay(Math.max(0, started + 7_000 - Date.now()) + 50);
    // Delivered again, to an invocation with time: it is analyzed then, nothing lost.
    bedrock.enqueue(converse.toolUse(validNarrative));
    const again = (await (
      await loadAnalyze()
    )(
      sqsEvent(message(failed, failedId as string, 2)),
      lambdaContext('req-deadline-2', 30_000),
    )) as SQSBatchResponse;
    expect(again.batchItemFailures).toEqual([]);
    expect((await storedAnalysis(failed.id))?.analyst.fallback).toBeUndefined();
    expect((await storedAnalysis(failed.id))?.analyst).toEqual(
      expect.objectContaining({ model: 'amazon.nova-lite-v1:0', attempts: 1 }),
    );
  });

  it('stores the offline narrative on the last delivery rather than running out of time again', async () => {
    const detail = await ingested('inputs/deadline-last.csv', 'LAST');
    bedrock.reset();
    bedrock.enqueue({ kind: 'hang' });
    const handler = await loadAnalyze();
    const response = (await handler(
      sqsEvent(message(detail, 'msg-last', 3)),
      lambdaContext('req-last', 7_000),
    )) as SQSBatchResponse;
    expect(response.batchItemFailures).toEqual([]);
    expect((await storedAnalysis(detail.id))?.analyst.fallback?.reason).toMatch(/no time left/);
  });

  it('does not start a record with less than the time a record needs', async () => {
    const detail = await ingested('inputs/deadline-none.csv', 'NONE');
    bedrock.reset();
    const asked = bedrock.requests.length;
    const handler = await loadAnalyze();
    const response = (await handler(
      sqsEvent(message(detail, 'msg-none', 1)),
      lambdaContext('req-none', 2_000),
    ).catch((error: Error) => error)) as Error;
    // The only record failed, so Powertools fails the whole (one-record) batch back to the queue.
    expect(response).toBeInstanceOf(Error);
    expect(bedrock.requests).toHaveLength(asked);
    expect(await storedAnalysis(detail.id)).toBeUndefined();
  });
});

describe('notify handler under a deadline', () => {
  it('gives up on an SES send slower than the remaining time, reports the record, and sends it once later', async () => {
    const detail = await ingested('inputs/deadline-notify.csv', 'MAIL');
    bedrock.reset();
    bedrock.enqueue(converse.toolUse(validNarrative));
    await (await loadAnalyze())(sqsEvent(message(detail, 'msg-mail', 1)), lambdaContext());
    const item = (
      await testbed.ddb.documentClient().send(
        new GetCommand({
          TableName: testbed.ddb.table,
          Key: { pk: itemKeys.analysisPk(detail.id), sk: itemKeys.analysisSk },
        }),
      )
    ).Item as Record<string, unknown>;
    const record = dynamoDbRecord('INSERT', item);
    const sentBefore = testbed.ses.sent.length;
    testbed.ses.failNext({ kind: 'hang' });
    vi.resetModules();
    const notify = (await import('./notify.js')).handler;
    const started = Date.now();
    const response = await notify(dynamoDbEvent(record), lambdaContext('req-mail', 7_000)).catch(
      (error: Error) => error,
    );
    // One record, failed: Powertools hands the whole batch back to the stream, which retries it.
    expect(response).toBeInstanceOf(Error);
    expect(Date.now() - started).toBeLessThan(7_000);
    expect(testbed.ses.sent).toHaveLength(sentBefore);

    // The claim was given back, so the stream's retry sends the report, once.
    vi.resetModules();
    const retry = (await import('./notify.js')).handler;
    expect(await retry(dynamoDbEvent(record), lambdaContext('req-mail-2', 30_000))).toEqual({
      batchItemFailures: [],
    });
    expect(testbed.ses.sent).toHaveLength(sentBefore + 1);
  });
});
