/**
 * The ingest, analyze and notify handlers as Lambda runs them, against s3rver,
 * dynalite and loopback EventBridge and SES servers. Each test imports a fresh
 * copy of the handler after setting the environment it reads at cold start.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSBatchResponse } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ohlcvCsv, randomWalkMarket } from '../../test/helpers/analysis-fixtures.js';
import {
  dynamoDbEvent,
  dynamoDbRecord,
  eventBridgeEnvelope,
  lambdaContext,
  s3NotificationEvent,
  s3ObjectCreatedEvent,
  setHandlerEnv,
  sqsEvent,
  sqsRecord,
} from '../../test/helpers/aws-events.js';
import { type AwsTestbed, startAwsTestbed } from '../../test/helpers/aws-testbed.js';
import type { IngestCompleted } from '../core/events.js';
import { itemKeys } from '../core/keys.js';

let testbed: AwsTestbed;
let s3: AwsTestbed['s3'];
let ddb: AwsTestbed['ddb'];
let events: AwsTestbed['events'];
let ses: AwsTestbed['ses'];
let s3Client: S3Client;

beforeAll(async () => {
  testbed = await startAwsTestbed({
    busName: 'sluice-test',
    mailTo: 'ops@example.com, "Doe, Jane" <jane@example.com>',
  });
  ({ s3, ddb, events, ses, s3Client } = testbed);
});

afterAll(() => testbed.stop());

const put = (key: string, body: string) =>
  s3Client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: body }));

const getText = async (key: string) =>
  (await s3Client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }))).Body?.transformToString();

async function loadIngest() {
  vi.resetModules();
  return (await import('./ingest.js')).handler;
}

const ingestCompletedFor = (id: string): IngestCompleted => {
  const entry = events.accepted.find(
    (e) => e.DetailType === 'IngestCompleted' && (JSON.parse(e.Detail) as IngestCompleted).id === id,
  );
  if (!entry) throw new Error(`no IngestCompleted for ${id}`);
  return JSON.parse(entry.Detail) as IngestCompleted;
};

/** Ingests a market file through the handler and returns its id. */
async function ingested(key: string, symbols: string[]): Promise<string> {
  await put(key, ohlcvCsv(randomWalkMarket(symbols, 40)));
  const ingest = await loadIngest();
  const { results } = await ingest(s3ObjectCreatedEvent(s3.bucket, key), lambdaContext());
  return results[0]?.id as string;
}

describe('ingest handler', () => {
  it('writes processed rows, rejects and the manifest, and puts an IngestCompleted event', async () => {
    const key = 'inputs/ohlcv-csv/prices.csv';
    await put(key, `${ohlcvCsv(randomWalkMarket(['AAPL'], 20))}AAPL,not-a-date,1,2,0.5,1,100\n`);
    const ingest = await loadIngest();
    const { results } = await ingest(s3ObjectCreatedEvent(s3.bucket, key), lambdaContext('req-ingest-1'));
    expect(results).toEqual([{ key, outcome: 'processed', status: 'ingested', id: expect.any(String) }]);
    const id = results[0]?.id as string;

    const manifest = JSON.parse((await getText(`manifests/${id}.json`)) ?? '{}');
    expect(manifest).toMatchObject({
      status: 'ingested',
      requestId: 'req-ingest-1',
      counts: { valid: 20, rejected: 1 },
    });
    expect((await getText(`processed/ohlcv-csv/${id}.jsonl`))?.trim().split('\n')).toHaveLength(20);
    expect(await getText(`rejects/ohlcv-csv/${id}.jsonl`)).toContain('not-a-date');

    const detail = ingestCompletedFor(id);
    expect(detail).toMatchObject({ dataset: 'ohlcv-csv', inputKey: key, counts: { valid: 20, rejected: 1 } });
    const entry = events.accepted.find((e) => e.Detail.includes(id));
    expect(entry).toMatchObject({ Source: 'sluice.ingest', EventBusName: 'sluice-test' });
  });

  it('decodes the form-encoded key of an S3 event notification', async () => {
    await put('inputs/my prices+v2.csv', ohlcvCsv(randomWalkMarket(['MSFT'], 10)));
    const ingest = await loadIngest();
    const { results } = await ingest(
      s3NotificationEvent(s3.bucket, 'inputs/my+prices%2Bv2.csv'),
      lambdaContext(),
    );
    expect(results[0]).toMatchObject({
      key: 'inputs/my prices+v2.csv',
      outcome: 'processed',
      status: 'ingested',
    });
  });

  it('reads an EventBridge key whether or not it arrives form-encoded', async () => {
    await put('inputs/a b.csv', ohlcvCsv(randomWalkMarket(['NVDA'], 10)));
    await put('inputs/c+d.csv', ohlcvCsv(randomWalkMarket(['TSLA'], 10)));
    const ingest = await loadIngest();
    const encoded = await ingest(s3ObjectCreatedEvent(s3.bucket, 'inputs/a+b.csv'), lambdaContext());
    const literal = await ingest(s3ObjectCreatedEvent(s3.bucket, 'inputs/c+d.csv'), lambdaContext());
    expect(encoded.results[0]).toMatchObject({ key: 'inputs/a b.csv', outcome: 'processed' });
    expect(literal.results[0]).toMatchObject({ key: 'inputs/c+d.csv', outcome: 'processed' });
  });

  it('ignores objects outside inputs/ and other buckets', async () => {
    const ingest = await loadIngest();
    const outside = await ingest(s3ObjectCreatedEvent(s3.bucket, 'processed/x.jsonl'), lambdaContext());
    const elsewhere = await ingest(s3ObjectCreatedEvent('another-bucket', 'inputs/x.csv'), lambdaContext());
    expect([...outside.results, ...elsewhere.results].map((r) => r.outcome)).toEqual(['ignored', 'ignored']);
  });

  it('throws on an infrastructure failure so the async invoke retries', async () => {
    const ingest = await loadIngest();
    await expect(
      ingest(s3ObjectCreatedEvent(s3.bucket, 'inputs/missing.csv'), lambdaContext()),
    ).rejects.toThrow(/missing\.csv/);
  });
});

describe('analyze handler', () => {
  it('reports only the poison message of a batch and stores the other analyses', async () => {
    const first = await ingested('inputs/batch-1.csv', ['AAA', 'BBB']);
    const second = await ingested('inputs/batch-2.csv', ['CCC']);
    vi.resetModules();
    const { handler } = await import('./analyze.js');
    const envelope = (id: string) =>
      eventBridgeEnvelope('IngestCompleted', 'sluice.ingest', ingestCompletedFor(id));
    const response = (await handler(
      sqsEvent(
        sqsRecord(envelope(first), 'msg-good-1'),
        sqsRecord('{"not": "an envelope"', 'msg-poison'),
        sqsRecord(envelope(second), 'msg-good-2'),
      ),
      lambdaContext(),
    )) as SQSBatchResponse;
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'msg-poison' }]);

    const doc = ddb.documentClient();
    for (const id of [first, second]) {
      const item = await doc.send(
        new GetCommand({
          TableName: ddb.table,
          Key: { pk: itemKeys.analysisPk(id), sk: itemKeys.analysisSk },
        }),
      );
      expect(item.Item?.data).toMatchObject({ id, dataset: 'ohlcv-csv' });
    }
    expect(events.accepted.filter((e) => e.DetailType === 'AnalysisCompleted')).toHaveLength(2);
    // Each analysis is also kept as JSON in the bucket, beside the table's copy.
    for (const id of [first, second]) {
      expect(JSON.parse((await getText(`analyses/ohlcv-csv/${id}.json`)) ?? '{}')).toMatchObject({
        id,
        dataset: 'ohlcv-csv',
        narrative: expect.any(Object),
      });
    }
  });

  it('reports an envelope whose detail breaks the IngestCompleted schema', async () => {
    vi.resetModules();
    const { handler } = await import('./analyze.js');
    const response = await handler(
      sqsEvent(
        sqsRecord(eventBridgeEnvelope('IngestCompleted', 'sluice.ingest', { id: 'nope' }), 'msg-bad-detail'),
        sqsRecord(eventBridgeEnvelope('Something', 'sluice.ingest', {}), 'msg-bad-type'),
      ),
      lambdaContext(),
    ).catch((error: Error) => error);
    // Every record failed: Powertools throws so the whole batch goes back to the queue.
    expect(response).toBeInstanceOf(Error);
    expect(String((response as Error).message)).toMatch(/All records failed/);
  });
});

describe('notify handler', () => {
  it('sends one report for an analysis INSERT, skips a MODIFY and reports a malformed record', async () => {
    const id = await ingested('inputs/notify.csv', ['NOT']);
    vi.resetModules();
    const analyze = (await import('./analyze.js')).handler;
    await analyze(
      sqsEvent(sqsRecord(eventBridgeEnvelope('IngestCompleted', 'sluice.ingest', ingestCompletedFor(id)))),
      lambdaContext(),
    );
    const stored = await ddb.documentClient().send(
      new GetCommand({
        TableName: ddb.table,
        Key: { pk: itemKeys.analysisPk(id), sk: itemKeys.analysisSk },
      }),
    );
    const item = stored.Item as Record<string, unknown>;

    vi.resetModules();
    const { handler } = await import('./notify.js');
    const insert = dynamoDbRecord('INSERT', item);
    const modify = dynamoDbRecord('MODIFY', item);
    const malformed = dynamoDbRecord('INSERT', undefined, {
      SequenceNumber: '999',
      StreamViewType: 'NEW_IMAGE',
    });
    const other = dynamoDbRecord('INSERT', { pk: 'RUNS#2026-01-05', sk: 'x', data: {} });
    const response = await handler(dynamoDbEvent(insert, modify, malformed, other), lambdaContext());

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: '999' }]);
    expect(ses.sent).toHaveLength(1);
    expect(ses.sent[0]?.to).toEqual(['ops@example.com', 'jane@example.com']);
    expect(ses.sent[0]?.raw.toString('utf8')).toContain(id);
    // The notification record lives as long as the analysis (ten years standing in for no TTL).
    const record = await ddb
      .documentClient()
      .send(new GetCommand({ TableName: ddb.table, Key: { pk: `CLAIM#notify#${id}`, sk: 'CLAIM' } }));
    expect(record.Item?.status).toBe('completed');
    expect(Number(record.Item?.ttl)).toBeGreaterThan(Date.now() / 1000 + 9 * 365 * 24 * 3600);
  });

  it("logs with the analysis' correlation id, like ingest and analyze", async () => {
    const id = await ingested('inputs/notify-logs.csv', ['LOG']);
    vi.resetModules();
    const analyze = (await import('./analyze.js')).handler;
    await analyze(
      sqsEvent(sqsRecord(eventBridgeEnvelope('IngestCompleted', 'sluice.ingest', ingestCompletedFor(id)))),
      lambdaContext(),
    );
    const stored = await ddb.documentClient().send(
      new GetCommand({
        TableName: ddb.table,
        Key: { pk: itemKeys.analysisPk(id), sk: itemKeys.analysisSk },
      }),
    );
    const item = stored.Item as { data: { correlationId: string } };
    const lines: string[] = [];
    const restore = setHandlerEnv({ POWERTOOLS_LOG_LEVEL: 'INFO' });
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      return true;
    });
    try {
      vi.resetModules();
      const { handler } = await import('./notify.js');
      await handler(dynamoDbEvent(dynamoDbRecord('INSERT', item)), lambdaContext());
    } finally {
      spy.mockRestore();
      restore();
    }
    const sent = lines.map((l) => JSON.parse(l)).find((l) => l.message === 'report sent');
    expect(sent).toMatchObject({ correlationId: item.data.correlationId, analysisId: id });
    expect(item.data.correlationId.startsWith(`${id}:`)).toBe(true);
  });
});
