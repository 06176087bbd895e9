/**
 * Issue 9, item 4: one bad message in a batch of 10 costs that message only. The
 * analyze handler (SQS) and the notify handler (DynamoDB stream) process the 9
 * good ones and name exactly the bad one in `batchItemFailures`, so the queue or
 * the stream retries only it and, in the end, dead-letters only it. Figures: per
 * kind of poison, what was processed and what was reported.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBRecord, SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { IngestCompleted } from '../../src/core/events.js';
import { itemKeys } from '../../src/core/keys.js';
import { ohlcvCsv, randomWalkMarket } from '../helpers/analysis-fixtures.js';
import {
  dynamoDbEvent,
  dynamoDbRecord,
  eventBridgeEnvelope,
  ingestCompletedDetail,
  lambdaContext,
  s3ObjectCreatedEvent,
  sqsEvent,
  sqsRecord,
} from '../helpers/aws-events.js';
import { type AwsTestbed, startAwsTestbed } from '../helpers/aws-testbed.js';
import { type FigureRow, printFigure } from './support/figures.js';

const BATCH = 10;
const POISON_AT = 4;
const SYMBOLS = ['AAA', 'BBB', 'CCC', 'DDD', 'EEE', 'FFF', 'GGG', 'HHH', 'III'];

let testbed: AwsTestbed;
/** IngestCompleted of nine ingested inputs, one symbol each. */
let goods: IngestCompleted[];

beforeAll(async () => {
  testbed = await startAwsTestbed({ busName: 'sluice-poison', mailTo: 'ops@example.com' });
  vi.resetModules();
  const ingest = (await import('../../src/handlers/ingest.js')).handler;
  const { s3, s3Client, events } = testbed;
  for (const symbol of SYMBOLS) {
    const key = `inputs/poison-${symbol}.csv`;
    await s3Client.send(
      new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: ohlcvCsv(randomWalkMarket([symbol], 30)) }),
    );
    await ingest(s3ObjectCreatedEvent(s3.bucket, key), lambdaContext());
  }
  goods = events.accepted
    .filter((e) => e.DetailType === 'IngestCompleted')
    .map((e) => JSON.parse(e.Detail) as IngestCompleted);
}, 60_000);

const rows: FigureRow[] = [];
afterAll(async () => {
  await testbed.stop();
  printFigure(
    `one poison message in a batch of ${BATCH} (npx vitest run test/reliability/poison.test.ts)`,
    rows,
  );
});

/** Nine good records with the bad one at POISON_AT. */
function batchWith<R>(good: readonly R[], bad: R): R[] {
  const records = [...good];
  records.splice(POISON_AT, 0, bad);
  return records;
}

describe(`the analyze handler given an SQS batch of ${BATCH} with one poison message`, () => {
  const envelope = (detail: unknown) => eventBridgeEnvelope('IngestCompleted', 'sluice.ingest', detail);
  const unknownId = 'f'.repeat(64);
  const poisons: ReadonlyArray<{ kind: string; body: string }> = [
    { kind: 'not JSON', body: '{"detail-type": "IngestCompleted", ' },
    { kind: 'another event type', body: eventBridgeEnvelope('Something', 'sluice.ingest', {}) },
    { kind: 'detail breaking the IngestCompleted schema', body: envelope({ id: 'nope', counts: -1 }) },
    { kind: 'well-formed, unknown input id', body: envelope(ingestCompletedDetail({ id: unknownId })) },
  ];

  it.each(poisons)(
    'stores the 9 good analyses and reports only the poison ($kind)',
    async ({ kind, body }) => {
      vi.resetModules();
      const { handler } = await import('../../src/handlers/analyze.js');
      const records: SQSRecord[] = batchWith(
        goods.map((detail, i) => sqsRecord(envelope(detail), `good-${i}`)),
        sqsRecord(body, 'poison'),
      );
      expect(records).toHaveLength(BATCH);

      const response = await handler(sqsEvent(...records), lambdaContext());

      expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'poison' }]);
      const doc = testbed.ddb.documentClient();
      let stored = 0;
      for (const { id } of goods) {
        const item = await doc.send(
          new GetCommand({
            TableName: testbed.ddb.table,
            Key: { pk: itemKeys.analysisPk(id), sk: itemKeys.analysisSk },
          }),
        );
        if (item.Item) stored++;
      }
      expect(stored).toBe(BATCH - 1);
      rows.push({
        handler: 'analyze (SQS)',
        poison: kind,
        'batch size': records.length,
        'good ones processed': `${stored} analyses stored`,
        batchItemFailures: response.batchItemFailures.map((f) => f.itemIdentifier).join(', '),
      });
    },
  );
});

describe(`the notify handler given a stream batch of ${BATCH} with one poison record`, () => {
  async function summaryItems(): Promise<Record<string, unknown>[]> {
    const doc = testbed.ddb.documentClient();
    return Promise.all(
      goods.map(async ({ id }) => {
        const item = await doc.send(
          new GetCommand({
            TableName: testbed.ddb.table,
            Key: { pk: itemKeys.analysisPk(id), sk: itemKeys.analysisSk },
          }),
        );
        if (!item.Item) throw new Error(`no analysis stored for ${id}`);
        return item.Item;
      }),
    );
  }

  const poisons: ReadonlyArray<{ kind: string; record: () => DynamoDBRecord; id: string }> = [
    {
      kind: 'INSERT without NewImage',
      id: '900001',
      record: () =>
        dynamoDbRecord('INSERT', undefined, { SequenceNumber: '900001', StreamViewType: 'NEW_IMAGE' }),
    },
    {
      kind: 'analysis key with a bad id',
      id: '900002',
      record: () => {
        const record = dynamoDbRecord('INSERT', { pk: 'ANALYSIS#not-a-sha', sk: 'ANALYSIS', data: {} });
        return { ...record, dynamodb: { ...record.dynamodb, SequenceNumber: '900002' } };
      },
    },
  ];

  it.each(poisons)(
    'sends the 9 good reports once each and reports only the poison ($kind)',
    async ({ kind, record, id }) => {
      const { ses } = testbed;
      const items = await summaryItems();
      vi.resetModules();
      const { handler } = await import('../../src/handlers/notify.js');
      const sentBefore = ses.sent.length;
      const records = batchWith(
        items.map((item) => dynamoDbRecord('INSERT', item)),
        record(),
      );

      const response = await handler(dynamoDbEvent(...records), lambdaContext());

      expect(response.batchItemFailures).toEqual([{ itemIdentifier: id }]);
      // The first batch sends the nine reports; a second batch of the same INSERTs sends nothing again.
      const sent = ses.sent.length - sentBefore;
      const reported = new Set(
        ses.sent.map((mail) => /<report\.([0-9a-f]{64})@sluice>/.exec(mail.raw.toString())?.[1]),
      );
      expect(reported).toEqual(new Set(goods.map((g) => g.id)));
      expect(ses.sent).toHaveLength(BATCH - 1);
      rows.push({
        handler: 'notify (DynamoDB stream)',
        poison: kind,
        'batch size': records.length,
        'good ones processed': sent === 0 ? `${BATCH - 1} already sent, none resent` : `${sent} reports sent`,
        batchItemFailures: response.batchItemFailures.map((f) => f.itemIdentifier).join(', '),
      });
    },
  );
});
