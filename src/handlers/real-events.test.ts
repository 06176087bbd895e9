/**
 * The handlers fed with the AWS event fixtures of test/fixtures/aws-events/, the
 * shapes of the published samples, against emulated AWS.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ohlcvCsv, randomWalkMarket } from '../../test/helpers/analysis-fixtures.js';
import { awsEventFixture, lambdaContext } from '../../test/helpers/aws-events.js';
import { type AwsTestbed, startAwsTestbed } from '../../test/helpers/aws-testbed.js';
import type { IngestRejected } from '../core/events.js';
import { twelveDataSample } from '../samples/twelvedata.generator.js';
import type { IngestHandlerResult } from './ingest.js';

let testbed: AwsTestbed;
let s3Client: S3Client;

beforeAll(async () => {
  testbed = await startAwsTestbed({ busName: 'sluice-test', mailTo: 'ops@example.com' });
  s3Client = testbed.s3Client;
});

afterAll(() => testbed.stop());

const bucket = () => testbed.s3.bucket;
const put = (key: string, body: string) =>
  s3Client.send(new PutObjectCommand({ Bucket: bucket(), Key: key, Body: body }));
const getJson = async (key: string) =>
  JSON.parse(
    (await (
      await s3Client.send(new GetObjectCommand({ Bucket: bucket(), Key: key }))
    ).Body?.transformToString()) ?? 'null',
  );
const rejectedEvents = (key: string) =>
  testbed.events.accepted
    .filter((e) => e.DetailType === 'IngestRejected')
    .map((e) => JSON.parse(e.Detail) as IngestRejected)
    .filter((d) => d.inputKey === key);

async function ingest(fixture: string): Promise<IngestHandlerResult> {
  vi.resetModules();
  const { handler } = await import('./ingest.js');
  return handler(awsEventFixture(fixture, bucket()), lambdaContext());
}

describe('ingest fed with real S3 event shapes', () => {
  it('ingests the EventBridge Object Created sample', async () => {
    await put('inputs/prices.csv', ohlcvCsv(randomWalkMarket(['AAPL'], 10)));
    const { results } = await ingest('eventbridge-object-created');
    expect(results).toEqual([
      { key: 'inputs/prices.csv', outcome: 'processed', status: 'ingested', id: expect.any(String) },
    ]);
  });

  it('ingests an EventBridge key with a literal % from the key as it came', async () => {
    await put('inputs/q3 100% growth.json', twelveDataSample());
    const { results } = await ingest('eventbridge-object-created-literal-percent');
    expect(results[0]).toMatchObject({ key: 'inputs/q3 100% growth.json', outcome: 'processed' });
  });

  it.each([
    ['eventbridge-object-deleted', 1],
    ['s3-notification-object-removed', 2],
  ])('ignores %s without throwing or publishing anything', async (fixture, count) => {
    const before = testbed.events.accepted.length;
    const { results } = await ingest(fixture);
    expect(results.map((r) => r.outcome)).toEqual(Array(count).fill('ignored'));
    expect(testbed.events.accepted).toHaveLength(before);
  });

  it('decodes the form-encoded key of the S3 event notification sample', async () => {
    await put('inputs/my prices+v2.csv', ohlcvCsv(randomWalkMarket(['MSFT'], 10)));
    const { results } = await ingest('s3-notification-object-created');
    expect(results[0]).toMatchObject({ key: 'inputs/my prices+v2.csv', outcome: 'processed' });
  });

  it.each([
    ['s3-notification-undecodable-key', 'inputs/q3+100%+growth.json', /malformed percent-encoding/],
    ['s3-notification-traversal-key', 'inputs/%2E%2E/secrets.csv', /'\.\.' segment/],
  ])(
    'refuses the key of %s with a rejected manifest and one IngestRejected, even when delivered twice',
    async (fixture, key, why) => {
      const first = await ingest(fixture);
      const again = await ingest(fixture);
      expect(first.results).toEqual([
        { key, outcome: 'refused', status: 'rejected', id: expect.any(String) },
      ]);
      expect(again.results).toEqual(first.results);
      const id = first.results[0]?.id as string;
      const manifest = await getJson(`manifests/${id}.json`);
      expect(manifest).toMatchObject({
        status: 'rejected',
        reason: { code: 'invalid_key', message: expect.stringMatching(why) },
        input: { key, bytes: 0 },
      });
      const events = rejectedEvents(key);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        id,
        manifestKey: `manifests/${id}.json`,
        reason: { code: 'invalid_key' },
      });
    },
  );

  it('takes S3 notifications from SQS: the test event and a delete are ignored, a failing message is reported', async () => {
    await put('inputs/queued prices.csv', ohlcvCsv(randomWalkMarket(['NVDA'], 10)));
    const response = await ingest('sqs-s3-notifications');
    expect(response.results.map((r) => [r.key, r.outcome])).toEqual([
      ['', 'ignored'],
      ['inputs/queued prices.csv', 'processed'],
      ['inputs/queued+prices.csv', 'ignored'],
    ]);
    // inputs/missing.csv does not exist: an infrastructure failure, retried by the queue.
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: '0d9f4ee2-0004-4a0e-9a55-5a7e1b3c0004' }]);
  });
});
