/**
 * The BUNDLED handlers (dist-style index.mjs from scripts/build.ts) as Lambda
 * loads them: built into a temporary folder outside the repository, so nothing
 * resolves from the project's node_modules except what the deployment installs
 * next to notify (@resvg/resvg-js, linked here). Driven with real event shapes
 * against s3rver, dynalite and the loopback EventBridge and SES servers.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type {
  Context,
  DynamoDBBatchResponse,
  DynamoDBStreamEvent,
  EventBridgeEvent,
  SQSBatchResponse,
  SQSEvent,
} from 'aws-lambda';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHandlers } from '../../scripts/build.js';
import type { IngestCompleted } from '../../src/core/events.js';
import { itemKeys } from '../../src/core/keys.js';
import type { IngestHandlerResult } from '../../src/handlers/ingest.js';
import { twelveDataSample } from '../../src/samples/twelvedata.generator.js';
import { ohlcvCsv, randomWalkMarket } from '../helpers/analysis-fixtures.js';
import {
  dynamoDbEvent,
  dynamoDbRecord,
  eventBridgeEnvelope,
  lambdaContext,
  s3ObjectCreatedEvent,
  sqsEvent,
  sqsRecord,
} from '../helpers/aws-events.js';
import { type AwsTestbed, startAwsTestbed } from '../helpers/aws-testbed.js';

type Handler<E, R> = (event: E, context: Context) => Promise<R>;

interface Bundles {
  ingest: Handler<EventBridgeEvent<'Object Created', unknown>, IngestHandlerResult>;
  analyze: Handler<SQSEvent, SQSBatchResponse>;
  notify: Handler<DynamoDBStreamEvent, DynamoDBBatchResponse>;
}

const run = promisify(execFile);

let outdir: string;
let bundles: Bundles;
let testbed: AwsTestbed | undefined;
let s3: AwsTestbed['s3'];
let ddb: AwsTestbed['ddb'];
let events: AwsTestbed['events'];
let ses: AwsTestbed['ses'];
let s3Client: AwsTestbed['s3Client'];

beforeAll(async () => {
  outdir = await mkdtemp(path.join(os.tmpdir(), 'sluice-bundles-'));
  // Before any import: each bundle builds its runtime from the environment once, at load.
  const [built] = await Promise.all([
    buildHandlers({ outdir }),
    startAwsTestbed({ busName: 'sluice-e2e', mailTo: 'ops@example.com' }).then((started) => {
      testbed = started;
      ({ s3, ddb, events, ses, s3Client } = started);
    }),
  ]);
  // What the deployment's `npm install` puts beside the notify bundle.
  await mkdir(path.join(outdir, 'notify/node_modules'));
  await symlink(path.resolve('node_modules/@resvg'), path.join(outdir, 'notify/node_modules/@resvg'), 'dir');
  const load = async (name: string) => {
    const bundle = built.find((b) => b.name === name);
    if (!bundle) throw new Error(`no bundle for ${name}`);
    return ((await import(/* @vite-ignore */ pathToFileURL(bundle.file).href)) as { handler: unknown })
      .handler;
  };
  bundles = {
    ingest: (await load('ingest')) as Bundles['ingest'],
    analyze: (await load('analyze')) as Bundles['analyze'],
    notify: (await load('notify')) as Bundles['notify'],
  };
}, 60_000);

afterAll(async () => {
  await testbed?.stop();
  await rm(outdir, { recursive: true, force: true });
});

const put = (key: string, body: string) =>
  s3Client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: body }));

const getBytes = async (key: string): Promise<Buffer> => {
  const body = (await s3Client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }))).Body;
  return Buffer.from((await body?.transformToByteArray()) ?? []);
};

const outputKeys = async (id: string): Promise<string[]> => {
  const listed = await s3Client.send(new ListObjectsV2Command({ Bucket: s3.bucket }));
  return (listed.Contents ?? []).flatMap((o) => (o.Key?.includes(id) ? [o.Key] : [])).sort();
};

const ingestCompletedFor = (id: string): IngestCompleted[] =>
  events.accepted
    .filter((e) => e.DetailType === 'IngestCompleted')
    .map((e) => JSON.parse(e.Detail) as IngestCompleted)
    .filter((detail) => detail.id === id);

const analysisItem = async (id: string): Promise<Record<string, unknown>> => {
  const stored = await ddb
    .documentClient()
    .send(
      new GetCommand({ TableName: ddb.table, Key: { pk: itemKeys.analysisPk(id), sk: itemKeys.analysisSk } }),
    );
  if (!stored.Item) throw new Error(`no analysis item for ${id}`);
  return stored.Item;
};

const envelopeOf = (detail: IngestCompleted) =>
  eventBridgeEnvelope('IngestCompleted', 'sluice.ingest', detail);

describe('bundled handlers', () => {
  it('load in a bare node process with nothing installed but the native module beside notify', async () => {
    for (const name of ['ingest', 'api-ingest', 'analyze', 'notify', 'aggregate', 'fetch']) {
      const url = pathToFileURL(path.join(outdir, name, 'index.mjs')).href;
      const { stdout } = await run(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const m = await import(${JSON.stringify(url)}); console.log(typeof m.handler);`,
        ],
        {
          cwd: outdir,
          env: {
            PATH: process.env.PATH,
            SLUICE_BUCKET: 'sluice-bare',
            SLUICE_TABLE: 'sluice-bare',
            SLUICE_EVENT_BUS: 'sluice-bare',
            SLUICE_MAIL_FROM: 'reports@example.com',
            SLUICE_MAIL_TO: 'ops@example.com',
            SLUICE_TWELVEDATA_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:sluice-bare',
            AWS_REGION: 'us-east-1',
            POWERTOOLS_LOG_LEVEL: 'SILENT',
          },
        },
      );
      expect(stdout.trim(), name).toBe('function');
    }
  });

  it('run a Twelve Data file from the bucket to one email, and a second delivery changes nothing', async () => {
    const key = 'inputs/twelvedata/prices.json';
    const sample = twelveDataSample();

    const runOnce = async (round: number) => {
      await put(key, sample);
      const { results } = await bundles.ingest(
        s3ObjectCreatedEvent(s3.bucket, key, sample.length),
        lambdaContext(`req-ingest-${round}`),
      );
      expect(results).toEqual([
        {
          key,
          outcome: round === 1 ? 'processed' : 'duplicate',
          status: 'ingested',
          id: expect.stringMatching(/^[0-9a-f]{64}$/),
        },
      ]);
      const id = results[0]?.id as string;
      const [completed] = ingestCompletedFor(id);
      if (!completed) throw new Error(`no IngestCompleted for ${id}`);
      const analyzed = await bundles.analyze(
        sqsEvent(sqsRecord(envelopeOf(completed))),
        lambdaContext(`req-analyze-${round}`),
      );
      expect(analyzed.batchItemFailures).toEqual([]);
      const notified = await bundles.notify(
        dynamoDbEvent(dynamoDbRecord('INSERT', await analysisItem(id))),
        lambdaContext(`req-notify-${round}`),
      );
      expect(notified.batchItemFailures).toEqual([]);
      return { id, completed, keys: await outputKeys(id) };
    };

    const first = await runOnce(1);
    const { id, completed } = first;
    expect(first.keys).toEqual([
      `analyses/twelvedata-ohlcv/${id}.json`,
      `manifests/${id}.json`,
      `processed/twelvedata-ohlcv/${id}.jsonl`,
      `rejects/twelvedata-ohlcv/${id}.jsonl`,
    ]);
    expect(completed).toMatchObject({ dataset: 'twelvedata-ohlcv', inputKey: key });
    const manifest = JSON.parse((await getBytes(`manifests/${id}.json`)).toString('utf8'));
    expect(manifest).toMatchObject({ status: 'ingested', requestId: 'req-ingest-1' });
    expect(manifest.counts.valid).toBeGreaterThan(0);
    expect(manifest.counts.rejected).toBeGreaterThan(0);
    const outputs = await Promise.all([completed.processedKey, completed.rejectsKey].map(getBytes));

    expect(ses.sent).toHaveLength(1);
    const sent = ses.sent[0];
    if (!sent) throw new Error('no email');
    expect(sent.to).toEqual(['ops@example.com']);
    const mail = await simpleParser(sent.raw, { keepCidLinks: true });
    expect((mail.headers.get('content-type') as { value: string }).value).toBe('multipart/alternative');
    expect(mail.subject).toMatch(/^\[sluice\] twelvedata-ohlcv: /);
    expect(mail.text).toContain('AAPL');
    const cids = [...(mail.html || '').matchAll(/src="cid:([^"]+)"/g)].map((m) => m[1]);
    expect(cids.length).toBeGreaterThan(0);
    expect(mail.attachments.map((a) => a.cid).sort()).toEqual([...cids].sort());
    for (const image of mail.attachments) {
      expect(image).toMatchObject({ contentType: 'image/png', contentDisposition: 'inline', related: true });
      expect(image.content.subarray(1, 4).toString('latin1')).toBe('PNG');
    }

    const second = await runOnce(2);
    expect(second.id).toBe(id);
    expect(second.keys).toEqual(first.keys);
    expect(await Promise.all([completed.processedKey, completed.rejectsKey].map(getBytes))).toEqual(outputs);
    expect(ingestCompletedFor(id)).toHaveLength(1);
    expect(ses.sent).toHaveLength(1);
  });

  it('report a poison SQS message and a malformed stream record, and process the rest', async () => {
    const key = 'inputs/ohlcv-csv/batch.csv';
    await put(key, ohlcvCsv(randomWalkMarket(['BATCH'], 30)));
    const { results } = await bundles.ingest(s3ObjectCreatedEvent(s3.bucket, key), lambdaContext());
    const id = results[0]?.id as string;
    const [completed] = ingestCompletedFor(id);
    if (!completed) throw new Error(`no IngestCompleted for ${id}`);

    const analyzed = await bundles.analyze(
      sqsEvent(
        sqsRecord(envelopeOf(completed), 'msg-good'),
        sqsRecord('{"detail-type": "IngestCompleted"', 'msg-poison'),
      ),
      lambdaContext(),
    );
    expect(analyzed.batchItemFailures).toEqual([{ itemIdentifier: 'msg-poison' }]);

    const before = ses.sent.length;
    const malformed = dynamoDbRecord('INSERT', undefined, {
      SequenceNumber: 'seq-malformed',
      StreamViewType: 'NEW_IMAGE',
    });
    const notified = await bundles.notify(
      dynamoDbEvent(dynamoDbRecord('INSERT', await analysisItem(id)), malformed),
      lambdaContext(),
    );
    expect(notified.batchItemFailures).toEqual([{ itemIdentifier: 'seq-malformed' }]);
    expect(ses.sent.slice(before)).toHaveLength(1);
    expect(ses.sent.at(-1)?.raw.toString('utf8')).toContain(id);
  });
});
