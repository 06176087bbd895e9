/**
 * Issue 9, item 1: the same input delivered 50 times at once yields exactly one
 * processed file, one IngestCompleted, one analysis and one email, with the local
 * adapters (separate SQLite connections, as separate processes would hold) and
 * with the Lambda handlers against s3rver, dynalite and the loopback EventBridge
 * and SES servers. Figures: the counts and the wall time of each burst.
 */
import path from 'node:path';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type {
  Context,
  DynamoDBBatchResponse,
  DynamoDBStreamEvent,
  SQSBatchResponse,
  SQSEvent,
} from 'aws-lambda';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ResvgRasterizer } from '../../src/adapters/local/chart-rasterizer.resvg.js';
import { OutboxMailer } from '../../src/adapters/mail/index.js';
import { analyzeIngested } from '../../src/core/analyze/stage.js';
import { loadAnalysis } from '../../src/core/analyze/stored-analysis.js';
import { type IngestCompleted, IngestCompletedSchema } from '../../src/core/events.js';
import { ingestObject } from '../../src/core/ingest/stage.js';
import { itemKeys } from '../../src/core/keys.js';
import { notifyAnalysis } from '../../src/core/notify/stage.js';
import { DEFAULT_NOTIFY_TIMING } from '../../src/core/notify/timing.js';
import type { IngestHandlerResult } from '../../src/handlers/ingest.js';
import { loadLocalConfig } from '../../src/local/config.js';
import type { LocalPorts } from '../../src/local/local-ports.js';
import { wireLocalPipeline } from '../../src/local/pipeline.js';
import { twelveDataSample } from '../../src/samples/twelvedata.generator.js';
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
import { makeTestPorts, type TestPorts } from '../helpers/local-ports.js';
import { elapsedMs, type FigureRow, printFigure } from './support/figures.js';
import { outboxEmails, snapshotPipeline } from './support/pipeline-snapshot.js';

const DELIVERIES = 50;
const times = <T>(run: (i: number) => Promise<T>): Promise<T[]> =>
  Promise.all(Array.from({ length: DELIVERIES }, (_, i) => run(i)));

const tally = (outcomes: readonly string[]): string =>
  Object.entries(
    outcomes.reduce<Record<string, number>>((counts, o) => {
      counts[o] = (counts[o] ?? 0) + 1;
      return counts;
    }, {}),
  )
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([outcome, n]) => `${n} ${outcome}`)
    .join(', ');

const rows: FigureRow[] = [];
afterAll(() => {
  printFigure(
    `${DELIVERIES} concurrent deliveries of one input (npx vitest run test/reliability/concurrency.test.ts)`,
    rows,
  );
});

describe(`the same input delivered ${DELIVERIES} times at once, local adapters`, () => {
  let ports: TestPorts;
  beforeEach(async () => {
    ports = await makeTestPorts();
  });
  afterEach(() => ports.cleanup());

  it('yields one processed file, one IngestCompleted, one analysis and one email through the local pipeline', async () => {
    const localPorts: LocalPorts = { ...ports, dataDir: ports.root, close: () => ports.cleanup() };
    wireLocalPipeline(localPorts, loadLocalConfig({ SLUICE_DATA_DIR: ports.root }));
    const key = 'inputs/burst.json';
    await ports.store.put(key, twelveDataSample());

    const started = performance.now();
    const results = await times((i) =>
      ingestObject({ ...ports, state: ports.anotherState() }, { key, requestId: `delivery-${i}` }),
    );
    await ports.bus.drain();
    const ms = elapsedMs(started);

    const snapshot = await snapshotPipeline(ports);
    const id = results.find((r) => r.outcome === 'processed')?.manifest?.id as string;
    const count = (detailType: string) =>
      ports.bus.published.filter((e) => e.detailType === detailType).length;
    const figures = {
      processed: Object.keys(snapshot.objects).filter((k) => k.startsWith('processed/')).length,
      ingestCompleted: count('IngestCompleted'),
      analyses: snapshot.items.filter((item) => item.startsWith(`${itemKeys.analysisPk(id)} | ANALYSIS |`))
        .length,
      runIndex: snapshot.items.filter((item) => item.startsWith('RUNS#')).length,
      analysisCompleted: count('AnalysisCompleted'),
      emails: snapshot.emails.length,
    };
    expect(results.filter((r) => r.outcome === 'processed')).toHaveLength(1);
    expect(await loadAnalysis(ports.state, id)).toMatchObject({ id });
    expect(figures).toEqual({
      processed: 1,
      ingestCompleted: 1,
      analyses: 1,
      runIndex: 1,
      analysisCompleted: 1,
      emails: 1,
    });
    expect(ports.bus.deadLettered).toBe(0);
    rows.push({
      adapters: 'local',
      burst: `${DELIVERIES} × ingest, then the pipeline`,
      outcomes: tally(results.map((r) => r.outcome)),
      'processed files': figures.processed,
      IngestCompleted: figures.ingestCompleted,
      analyses: figures.analyses,
      AnalysisCompleted: figures.analysisCompleted,
      emails: figures.emails,
      'wall ms': ms,
    });
  });

  it(`analyzes and notifies once when each of their triggers arrives ${DELIVERIES} times at once`, async () => {
    const key = 'inputs/burst-stages.json';
    await ports.store.put(key, twelveDataSample());
    const before = ports.bus.published.length;
    await ingestObject(ports, { key, requestId: 'stages-ingest' });
    const event: IngestCompleted = IngestCompletedSchema.parse(ports.bus.published[before]?.detail);
    const outbox = path.join(ports.root, 'stage-burst-outbox');
    const mailer = new OutboxMailer({ dir: outbox });
    const rasterizer = new ResvgRasterizer();
    const options = {
      ...DEFAULT_NOTIFY_TIMING,
      mail: { from: 'sluice@example.com', to: ['ops@example.com'], subjectTemplate: '{headline}' },
    };

    const analyzeStart = performance.now();
    const analyzed = await times((i) =>
      analyzeIngested({ ...ports, state: ports.anotherState() }, { event, requestId: `analyze-${i}` }),
    );
    const analyzeMs = elapsedMs(analyzeStart);
    const notifyStart = performance.now();
    const notified = await times((i) =>
      notifyAnalysis(
        { ...ports, state: ports.anotherState(), mailer, rasterizer },
        { id: event.id, requestId: `notify-${i}` },
        options,
      ),
    );
    const notifyMs = elapsedMs(notifyStart);

    const analysisCompleted = ports.bus.published
      .slice(before)
      .filter((e) => e.detailType === 'AnalysisCompleted').length;
    const emails = await outboxEmails(outbox);
    expect(analyzed.filter((r) => r.outcome === 'analyzed')).toHaveLength(1);
    expect(analysisCompleted).toBe(1);
    expect(notified.filter((r) => r.outcome === 'sent')).toHaveLength(1);
    expect(emails).toHaveLength(1);
    rows.push(
      {
        adapters: 'local',
        burst: `${DELIVERIES} × analyze of one IngestCompleted`,
        outcomes: tally(analyzed.map((r) => r.outcome)),
        analyses: 1,
        AnalysisCompleted: analysisCompleted,
        'wall ms': analyzeMs,
      },
      {
        adapters: 'local',
        burst: `${DELIVERIES} × notify of one analysis`,
        outcomes: tally(notified.map((r) => r.outcome)),
        emails: emails.length,
        'wall ms': notifyMs,
      },
    );
  });
});

type Handler<E, R> = (event: E, context: Context) => Promise<R>;

describe(`the same input delivered ${DELIVERIES} times at once, AWS handlers on emulators`, () => {
  let testbed: AwsTestbed;
  beforeAll(async () => {
    testbed = await startAwsTestbed({ busName: 'sluice-burst', mailTo: 'ops@example.com' });
  });
  afterAll(() => testbed.stop());

  const modules = {
    ingest: () => import('../../src/handlers/ingest.js'),
    analyze: () => import('../../src/handlers/analyze.js'),
    notify: () => import('../../src/handlers/notify.js'),
  };
  /** A fresh copy of a handler, as a new container loads it (the environment is read at import). */
  async function load<E, R>(name: keyof typeof modules): Promise<Handler<E, R>> {
    vi.resetModules();
    return (await modules[name]()).handler as unknown as Handler<E, R>;
  }

  it('yields one processed object, one PutEvents entry per event, one analysis item and one SendEmail', async () => {
    const { s3, ddb, events, ses, s3Client } = testbed;
    const key = 'inputs/burst.json';
    await s3Client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: twelveDataSample() }));

    const ingest = await load<unknown, IngestHandlerResult>('ingest');
    const ingestStart = performance.now();
    const ingested = await times(() => ingest(s3ObjectCreatedEvent(s3.bucket, key), lambdaContext()));
    const ingestMs = elapsedMs(ingestStart);
    const outcomes = ingested.map((r) => r.results[0]?.outcome ?? 'none');
    const id = ingested.flatMap((r) => r.results).find((r) => r.outcome === 'processed')?.id as string;
    const listed = await s3Client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: 'processed/' }));
    const completed = events.accepted.filter((e) => e.DetailType === 'IngestCompleted');
    expect(outcomes.filter((o) => o === 'processed')).toHaveLength(1);
    expect(listed.Contents?.map((o) => o.Key)).toEqual([`processed/twelvedata-ohlcv/${id}.jsonl`]);
    expect(completed).toHaveLength(1);

    const analyze = await load<SQSEvent, SQSBatchResponse>('analyze');
    const envelope = eventBridgeEnvelope(
      'IngestCompleted',
      'sluice.ingest',
      JSON.parse(completed[0]?.Detail ?? '{}'),
    );
    const analyzeStart = performance.now();
    // A one-message batch that fails throws (Powertools' FullBatchFailureError): SQS shows it again.
    const deliver = (i: number) =>
      analyze(sqsEvent(sqsRecord(envelope, `msg-${i}`)), lambdaContext()).then(
        (r) => (r.batchItemFailures.length === 0 ? 'acked' : 'redelivered'),
        () => 'redelivered',
      );
    const analyzed = await times(deliver);
    const analyzeMs = elapsedMs(analyzeStart);
    // The ones that found the claim held are reported, not acked; their redelivery finds the analysis done.
    expect(analyzed.filter((o) => o === 'acked').length).toBeGreaterThanOrEqual(1);
    const redelivered = await Promise.all(
      analyzed.flatMap((o, i) => (o === 'redelivered' ? [deliver(i)] : [])),
    );
    expect(redelivered.every((o) => o === 'acked')).toBe(true);
    const doc = ddb.documentClient();
    const analysisItems = await doc.send(
      new QueryCommand({
        TableName: ddb.table,
        KeyConditionExpression: 'pk = :pk AND sk = :sk',
        ExpressionAttributeValues: { ':pk': itemKeys.analysisPk(id), ':sk': itemKeys.analysisSk },
      }),
    );
    const summary = analysisItems.Items?.[0] as Record<string, unknown>;
    const runs = await doc.send(
      new QueryCommand({
        TableName: ddb.table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: {
          ':pk': itemKeys.runsPk((summary.data as { createdAt: string }).createdAt),
        },
      }),
    );
    const analysisCompleted = events.accepted.filter((e) => e.DetailType === 'AnalysisCompleted');
    expect(analysisItems.Items).toHaveLength(1);
    expect(runs.Items?.filter((item) => (item.data as { id: string }).id === id)).toHaveLength(1);
    expect(analysisCompleted).toHaveLength(1);

    const notify = await load<DynamoDBStreamEvent, DynamoDBBatchResponse>('notify');
    const notifyStart = performance.now();
    const notified = await times(() =>
      notify(dynamoDbEvent(dynamoDbRecord('INSERT', summary)), lambdaContext()),
    );
    const notifyMs = elapsedMs(notifyStart);
    expect(notified.flatMap((r) => r.batchItemFailures)).toEqual([]);
    expect(ses.sent).toHaveLength(1);
    expect(ses.sent[0]?.raw.toString('utf8')).toContain(`<report.${id}@sluice>`);

    rows.push(
      {
        adapters: 'AWS (s3rver, dynalite, loopback EventBridge/SES)',
        burst: `${DELIVERIES} × ingest handler`,
        outcomes: tally(outcomes),
        'processed files': listed.Contents?.length ?? 0,
        IngestCompleted: completed.length,
        'wall ms': ingestMs,
      },
      {
        adapters: 'AWS (s3rver, dynalite, loopback EventBridge/SES)',
        burst: `${DELIVERIES} × analyze handler (SQS, one message each)`,
        outcomes: `${analyzed.length} invocations: ${tally(analyzed)}; every redelivery acked`,
        analyses: analysisItems.Items?.length ?? 0,
        AnalysisCompleted: analysisCompleted.length,
        'wall ms': analyzeMs,
      },
      {
        adapters: 'AWS (s3rver, dynalite, loopback EventBridge/SES)',
        burst: `${DELIVERIES} × notify handler (stream INSERT each)`,
        outcomes: `${notified.length} invocations, 0 batch item failures`,
        emails: ses.sent.length,
        'wall ms': notifyMs,
      },
    );
  });
});
