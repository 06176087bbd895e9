/**
 * Issue 9, item 3: when a dependency fails, sluice retries within its limits, then
 * lets the failure surface so the platform retries and finally dead-letters the
 * work with the input's id; nothing is dropped silently, and metrics say what
 * happened. The dependencies are the real SDK clients against loopback servers
 * (EventBridge, SES, Bedrock), a fault proxy in front of dynalite, and the local
 * bus with its dead-letter file. The platform's part (SQS redrive, stream and
 * async-invoke retries) is played by the test with the limits the CDK app deploys.
 * Figures: one row per scenario.
 */
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { Template } from 'aws-cdk-lib/assertions';
import type { SQSBatchResponse } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { stubHandlersDir, synthPipeline } from '../../infra/test/helpers.js';
import { BedrockAnalyst } from '../../src/adapters/aws/analyst.bedrock.js';
import { createEventBridgeClient, EventBridgeBus } from '../../src/adapters/aws/event-bus.eventbridge.js';
import { DynamoDbStateStore } from '../../src/adapters/aws/state-store.dynamodb.js';
import { ResvgRasterizer } from '../../src/adapters/local/chart-rasterizer.resvg.js';
import { SesMailer } from '../../src/adapters/mail/mailer.ses.js';
import { analyzeIngested } from '../../src/core/analyze/stage.js';
import { loadAnalysis } from '../../src/core/analyze/stored-analysis.js';
import { type IngestCompleted, IngestCompletedSchema, makeEvent } from '../../src/core/events.js';
import { ingestObject } from '../../src/core/ingest/stage.js';
import { claimKeys, itemKeys } from '../../src/core/keys.js';
import { notifyAnalysis } from '../../src/core/notify/stage.js';
import { DEFAULT_NOTIFY_TIMING } from '../../src/core/notify/timing.js';
import { loadLocalConfig } from '../../src/local/config.js';
import { wireLocalPipeline } from '../../src/local/pipeline.js';
import { twelveDataSample } from '../../src/samples/twelvedata.generator.js';
import { ohlcvCsv, randomWalkMarket } from '../helpers/analysis-fixtures.js';
import { validNarrative } from '../helpers/analyst-fixtures.js';
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
import {
  bedrockClientFor,
  converse,
  type ScriptedServer,
  startBedrockServer,
} from '../helpers/bedrock-server.js';
import { putEventsReply } from '../helpers/eventbridge-server.js';
import { readBytes } from '../helpers/files.js';
import { makeTestPorts, type TestPorts } from '../helpers/local-ports.js';
import { sesClientFor, sesFailure } from '../helpers/ses-server.js';
import { type DynamoFaultProxy, dynamoFault, startDynamoFaultProxy } from './support/dynamodb-fault-proxy.js';
import { type FigureRow, printFigure } from './support/figures.js';
import { captureEmf, type RecordedMetric, RecordingMetrics, total } from './support/metrics.js';

const noSleep = async () => {};
const sha256Of = (text: string): string => createHash('sha256').update(text).digest('hex');

/** The retry limits the CDK app deploys (dev stage), read from the synthesized template. */
interface DeployedLimits {
  /** SQS receives of an analyze message before the queue moves it to its DLQ. */
  readonly analyzeMaxReceiveCount: number;
  /** Lambda's retries of a failed asynchronous ingest invocation before its on-failure DLQ. */
  readonly ingestAsyncRetries: number;
  /** Stream retries of a failing notify batch before its on-failure DLQ. */
  readonly notifyStreamRetries: number;
}

function deployedLimits(): DeployedLimits {
  const handlersDir = stubHandlersDir();
  let template: Template;
  try {
    template = Template.fromStack(synthPipeline('dev', handlersDir));
  } finally {
    rmSync(handlersDir, { recursive: true, force: true });
  }
  const properties = (type: string) =>
    Object.values(template.findResources(type)).map((r) => r.Properties as Record<string, unknown>);
  const redrives = properties('AWS::SQS::Queue').flatMap((p) =>
    p.RedrivePolicy && p.QueueName === 'sluice-dev-analyze'
      ? [p.RedrivePolicy as { maxReceiveCount: number }]
      : [],
  );
  const asyncRetries = properties('AWS::Lambda::EventInvokeConfig')
    .filter((p) => /^Ingest/.test(String((p.FunctionName as { Ref?: string }).Ref)))
    .map((p) => p.MaximumRetryAttempts as number);
  const streamMappings = properties('AWS::Lambda::EventSourceMapping').filter((p) => p.StartingPosition);
  expect(redrives).toHaveLength(1);
  expect(asyncRetries).toHaveLength(1);
  expect(streamMappings).toHaveLength(1);
  return {
    analyzeMaxReceiveCount: redrives[0]?.maxReceiveCount as number,
    ingestAsyncRetries: asyncRetries[0] as number,
    notifyStreamRetries: streamMappings[0]?.MaximumRetryAttempts as number,
  };
}

const rows: FigureRow[] = [];
const figure = (row: {
  dependency: string;
  failure: string;
  handling: string;
  outcome: string;
  metrics: string;
}) => rows.push(row);

const metricsText = (metrics: readonly RecordedMetric[]) =>
  [...new Set(metrics.map((m) => m.name))]
    .filter((name) => name !== 'ColdStart')
    .map((name) => {
      const reasons = [...new Set(metrics.filter((m) => m.name === name).map((m) => m.dimensions.reason))];
      const suffix = reasons.some((r) => r !== undefined) ? ` (${reasons.join(', ')})` : '';
      return `${name} ${total(metrics, name)}${suffix}`;
    })
    .join(', ');

let limits: DeployedLimits;
let testbed: AwsTestbed;
let proxy: DynamoFaultProxy;
let bedrock: ScriptedServer;

beforeAll(async () => {
  limits = deployedLimits();
  testbed = await startAwsTestbed({ busName: 'sluice-downstream', mailTo: 'ops@example.com' });
  [proxy, bedrock] = await Promise.all([startDynamoFaultProxy(testbed.ddb.endpoint), startBedrockServer()]);
}, 60_000);

afterAll(async () => {
  await Promise.all([testbed?.stop(), proxy?.close(), bedrock?.close()]);
  printFigure('downstream failures (npx vitest run test/reliability/downstream.test.ts)', rows);
});

let ports: TestPorts;
beforeEach(async () => {
  ports = await makeTestPorts();
});
afterEach(async () => {
  proxy.clear();
  testbed.events.failNext();
  testbed.ses.reset();
  bedrock.reset();
  await ports.cleanup();
});

/** Ingests the Twelve Data sample into the local test ports and returns its IngestCompleted. */
async function ingestedLocally(key = 'inputs/sample.json'): Promise<IngestCompleted> {
  await ports.store.put(key, twelveDataSample());
  const { manifest } = await ingestObject(ports, { key, requestId: 'ingest' });
  const event = ports.bus.published.find((e) => e.detailType === 'IngestCompleted');
  expect(manifest?.status).toBe('ingested');
  return IngestCompletedSchema.parse(event?.detail);
}

/** Sets the handler environment for one test: real Powertools metrics, printed through the console. */
function withEmfMetrics(vars: Record<string, string> = {}): () => void {
  const all = { POWERTOOLS_METRICS_DISABLED: 'false', POWERTOOLS_DEV: 'true', ...vars };
  const previous = Object.fromEntries(Object.keys(all).map((name) => [name, process.env[name]]));
  Object.assign(process.env, all);
  return () => {
    for (const [name, value] of Object.entries(previous)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}

describe('EventBridge', () => {
  const bus = (metrics: RecordingMetrics) =>
    new EventBridgeBus({
      client: createEventBridgeClient({ region: 'us-east-1', endpoint: testbed.events.url }),
      busName: 'sluice-downstream',
      sleep: noSleep,
      metrics,
    });

  it('resends only the entries a PutEvents answer marked failed', async () => {
    const metrics = new RecordingMetrics();
    const { events } = testbed;
    const callsBefore = events.calls.length;
    events.failNext(putEventsReply.failEntries({ 1: 'ThrottlingException', 2: 'InternalFailure' }));
    const sent = ['a', 'b', 'c'].map((letter) =>
      makeEvent('IngestRejected', {
        version: 1,
        correlationId: `${letter.repeat(64)}:req`,
        id: letter.repeat(64),
        inputKey: `inputs/${letter}.csv`,
        manifestKey: `manifests/${letter.repeat(64)}.json`,
        reason: { code: 'empty_file', message: 'empty' },
        completedAt: '2026-01-05T10:00:00.000Z',
      }),
    );

    const result = await bus(metrics).publish(sent);

    const calls = events.calls.slice(callsBefore).map((entries) => entries.length);
    expect(result).toEqual({ published: 3, failed: [] });
    expect(calls).toEqual([3, 2]);
    expect(metrics.total('EventsPublishRetries')).toBe(2);
    expect(metrics.total('EventsPublishFailed')).toBe(0);
    figure({
      dependency: 'EventBridge',
      failure: 'PutEvents 200 with FailedEntryCount 2 of 3, then success',
      handling: `entries per call ${calls.join(' → ')} (only the failed ones resent)`,
      outcome: 'all 3 published',
      metrics: metricsText(metrics.recorded),
    });
  });

  it('surfaces a publish that keeps failing after its 5 attempts, with the claim released for the retry', async () => {
    const metrics = new RecordingMetrics();
    testbed.events.failNext(...Array.from({ length: 5 }, putEventsReply.throttled));
    await ports.store.put('inputs/sample.json', twelveDataSample());

    const error = await ingestObject(
      { ...ports, bus: bus(metrics) },
      { key: 'inputs/sample.json', requestId: 'publish-fails' },
    ).catch((caught: unknown) => caught);

    expect(error).toMatchObject({ code: 'BUS.PUBLISH_FAILED' });
    const [claim] = await Promise.all([ports.state.getClaim(claimKeys.ingest(sha256Of(twelveDataSample())))]);
    expect(claim).toBeUndefined();
    expect(metrics.total('EventsPublishRetries')).toBe(4);
    expect(metrics.total('EventsPublishFailed')).toBe(1);
    figure({
      dependency: 'EventBridge',
      failure: 'PutEvents throttled on every call',
      handling: '5 attempts with full-jitter backoff, then BUS.PUBLISH_FAILED thrown; ingest claim released',
      outcome: 'the invocation fails, so Lambda retries it',
      metrics: metricsText(metrics.recorded),
    });
  });

  it('dead-letters the analyze message, with the input id, after the queue gives up on it', async () => {
    const { s3, s3Client, events } = testbed;
    const key = 'inputs/downstream-analyze.csv';
    await s3Client.send(
      new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: ohlcvCsv(randomWalkMarket(['DLQ'], 30)) }),
    );
    vi.resetModules();
    const ingest = (await import('../../src/handlers/ingest.js')).handler;
    const { results } = await ingest(s3ObjectCreatedEvent(s3.bucket, key), lambdaContext());
    const id = results[0]?.id as string;
    const detail = events.accepted.find((e) => e.DetailType === 'IngestCompleted' && e.Detail.includes(id));
    const record = sqsRecord(
      eventBridgeEnvelope('IngestCompleted', 'sluice.ingest', JSON.parse(detail?.Detail ?? '{}')),
    );

    const restore = withEmfMetrics();
    const emf = captureEmf();
    try {
      vi.resetModules();
      const analyze = (await import('../../src/handlers/analyze.js')).handler;
      events.failNext(...Array.from({ length: 5 * limits.analyzeMaxReceiveCount }, putEventsReply.throttled));
      const deadLetters: (typeof record)[] = [];
      let failedReceives = 0;
      // SQS's part: redeliver after each failure, and move the message to the DLQ at maxReceiveCount.
      for (let receive = 1; receive <= limits.analyzeMaxReceiveCount; receive++) {
        const delivery = {
          ...record,
          attributes: { ...record.attributes, ApproximateReceiveCount: String(receive) },
        };
        const response: SQSBatchResponse | Error = await analyze(sqsEvent(delivery), lambdaContext()).catch(
          (caught: Error) => caught,
        );
        // One record that fails: Powertools throws ("All records failed"), so the whole batch returns.
        if (response instanceof Error || response.batchItemFailures.length > 0) failedReceives++;
      }
      if (failedReceives === limits.analyzeMaxReceiveCount) deadLetters.push(record);

      expect(failedReceives).toBe(limits.analyzeMaxReceiveCount);
      expect(deadLetters.map((m) => JSON.parse(m.body).detail.id)).toEqual([id]);
      const metrics = emf.metrics();
      expect(total(metrics, 'EventsPublishRetries')).toBe(4 * limits.analyzeMaxReceiveCount);
      expect(total(metrics, 'EventsPublishFailed')).toBe(limits.analyzeMaxReceiveCount);
      expect(total(metrics, 'RecordsFailed', { reason: 'BUS.PUBLISH_FAILED' })).toBe(
        limits.analyzeMaxReceiveCount,
      );
      // The analysis itself was stored on the first receive and only resumed after.
      const summary = await testbed.ddb.documentClient().send(
        new GetCommand({
          TableName: testbed.ddb.table,
          Key: { pk: itemKeys.analysisPk(id), sk: 'ANALYSIS' },
        }),
      );
      expect(summary.Item).toBeDefined();
      figure({
        dependency: 'EventBridge (analyze handler)',
        failure: 'AnalysisCompleted cannot be published on any receive',
        handling: `5 attempts per receive; batch item failure; SQS redelivers; DLQ at maxReceiveCount ${limits.analyzeMaxReceiveCount}`,
        outcome: `DLQ message carries IngestCompleted with the input id; analysis stored once`,
        metrics: metricsText(metrics),
      });
    } finally {
      emf.restore();
      restore();
    }
  });

  it('dead-letters the ingest event after Lambda retries the failing invocation', async () => {
    const { s3, s3Client, events } = testbed;
    const key = 'inputs/downstream-ingest.csv';
    const body = ohlcvCsv(randomWalkMarket(['ASYNC'], 20));
    await s3Client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: body }));
    vi.resetModules();
    const ingest = (await import('../../src/handlers/ingest.js')).handler;
    const invocations = 1 + limits.ingestAsyncRetries;
    events.failNext(...Array.from({ length: 5 * invocations }, putEventsReply.throttled));
    const event = s3ObjectCreatedEvent(s3.bucket, key);
    const errors: unknown[] = [];
    for (let i = 0; i < invocations; i++) {
      await ingest(event, lambdaContext()).catch((error: unknown) => errors.push(error));
    }
    // Lambda's part: after the last retry the on-failure destination receives the request payload.
    const deadLetter = errors.length === invocations ? { requestPayload: event } : undefined;
    expect(errors.map((e) => (e as { code?: string }).code)).toEqual(
      Array(invocations).fill('BUS.PUBLISH_FAILED'),
    );
    expect(deadLetter?.requestPayload.detail.object.key).toBe(key);
    // The manifest was written before the publish: the dead letter's key leads to the input id.
    const id = sha256Of(body);
    const manifest = await s3Client
      .send(new GetObjectCommand({ Bucket: s3.bucket, Key: `manifests/${id}.json` }))
      .then(async (out) => JSON.parse((await out.Body?.transformToString()) ?? '{}'));
    expect(manifest).toMatchObject({ id, status: 'ingested' });
    figure({
      dependency: 'EventBridge (ingest handler)',
      failure: 'IngestCompleted cannot be published on any invocation',
      handling: `5 attempts per invocation; the invocation throws; Lambda retries ${limits.ingestAsyncRetries}×; on-failure DLQ`,
      outcome: 'DLQ holds the S3 event (the input key); its manifest names the input id; claim released',
      metrics: 'EventsPublishRetries 4 and EventsPublishFailed 1 per invocation; Lambda Errors',
    });
  });

  it('locally, writes the event with the input id to the dead-letter file after the bus retries', async () => {
    const event = await ingestedLocally();
    // The processed rows vanish before analyze reads them: every delivery fails.
    await rm(path.join(ports.root, event.processedKey));
    wireLocalPipeline(
      { ...ports, dataDir: ports.root, close: noSleep },
      loadLocalConfig({ SLUICE_DATA_DIR: ports.root }),
    );
    await ports.bus.publish([makeEvent('IngestCompleted', event)]);
    await ports.bus.drain();

    const letters = (await readBytes(path.join(ports.root, 'dead-letters.jsonl')))
      .toString('utf8')
      .trim()
      .split('\n')
      .map(
        (line) =>
          JSON.parse(line) as {
            attempts: number;
            error: { code?: string };
            event: { detail: IngestCompleted };
          },
      );
    expect(ports.bus.deadLettered).toBe(1);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({
      attempts: 3,
      error: { code: 'STORE.NOT_FOUND' },
      event: { detail: { id: event.id } },
    });
    figure({
      dependency: 'local bus',
      failure: 'analyze fails on every delivery (processed rows gone)',
      handling: '3 deliveries with exponential backoff',
      outcome:
        'dead-letters.jsonl holds the IngestCompleted with the input id, the error code and the attempts',
      metrics: 'bus.deadLettered 1; `sluice run` exits 1 and names the file',
    });
  });
});

describe('DynamoDB', () => {
  const clients: DynamoDBClient[] = [];
  afterEach(() => {
    for (const client of clients.splice(0)) client.destroy();
  });

  /**
   * The state store as the handlers build it (SDK retries on), through the fault
   * proxy, on a table of its own: the tests analyze the same sample, whose claims
   * would collide.
   */
  async function stateVia(metrics: RecordingMetrics, maxAttempts?: number) {
    const client = new DynamoDBClient({
      region: 'us-east-1',
      endpoint: proxy.url,
      credentials: { accessKeyId: 'AKIAFAKEFORTESTS', secretAccessKey: 'fake' },
    });
    clients.push(client);
    const state = new DynamoDbStateStore({
      client: DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
      table: await testbed.ddb.createTable(),
      clock: ports.clock,
      metrics,
      batchRetry: { sleep: noSleep, ...(maxAttempts === undefined ? {} : { maxAttempts }) },
    });
    return Object.assign(state, { sdkAttempts: await client.config.maxAttempts() });
  }

  it('writes every item when BatchWriteItem leaves items unprocessed or is throttled', async () => {
    const event = await ingestedLocally('inputs/ddb-unprocessed.json');
    const metrics = new RecordingMetrics();
    const state = await stateVia(metrics);
    proxy.failNext(
      'BatchWriteItem',
      dynamoFault.unprocessed(10),
      dynamoFault.unprocessed(5),
      dynamoFault.throughputExceeded(),
    );
    const callsBefore = proxy.calls.length;

    const result = await analyzeIngested({ ...ports, state, metrics }, { event, requestId: 'ddb-1' });

    const batchCalls = proxy.calls.slice(callsBefore).filter((op) => op === 'BatchWriteItem').length;
    const stored = await loadAnalysis(state, event.id);
    const history = (
      await Promise.all(
        (stored?.analysis.kind === 'market' ? stored.analysis.market.symbols : []).map((s) =>
          state.query(itemKeys.historyPk(s.symbol), { skPrefix: '' }),
        ),
      )
    )
      .flat()
      .filter((item) => (item.data as { id: string }).id === event.id);
    expect(result.outcome).toBe('analyzed');
    expect(history).toHaveLength(event.counts.valid);
    // 15 then 10 items handed back; the throttled call after them is retried by the SDK itself.
    expect(metrics.total('StateWriteRetries')).toBe(15 + 10);
    expect(metrics.total('StateWriteFailed')).toBe(0);
    figure({
      dependency: 'DynamoDB',
      failure: 'BatchWriteItem: 15 then 10 of the items unprocessed, then a ProvisionedThroughputExceeded',
      handling: `unprocessed items resent with jittered backoff; throttling retried by the SDK; ${batchCalls} BatchWriteItem calls`,
      outcome: `analysis stored whole (${history.length} history rows = the valid rows)`,
      metrics: metricsText(metrics.recorded.filter((m) => m.name.startsWith('State'))),
    });
  });

  it('retries a throttled conditional claim in the SDK and carries on', async () => {
    const event = await ingestedLocally('inputs/ddb-claim.json');
    const metrics = new RecordingMetrics();
    proxy.failNext('PutItem', dynamoFault.throughputExceeded(), dynamoFault.throttling());
    const callsBefore = proxy.calls.length;
    const result = await analyzeIngested(
      { ...ports, state: await stateVia(metrics), metrics },
      { event, requestId: 'ddb-2' },
    );
    const putCalls = proxy.calls.slice(callsBefore).filter((op) => op === 'PutItem').length;
    expect(result.outcome).toBe('analyzed');
    expect(putCalls).toBe(3 + 2);
    figure({
      dependency: 'DynamoDB',
      failure: 'PutItem (the claim) throttled twice',
      handling: `SDK standard retries; ${putCalls} PutItem calls in the run (claim 3, run index, summary)`,
      outcome: 'analyzed',
      metrics: 'none of ours (the SDK retries single calls)',
    });
  });

  it('gives up with STATE.THROTTLED when throttling persists, releasing the claim for the queue to retry', async () => {
    const event = await ingestedLocally('inputs/ddb-throttled.json');
    const metrics = new RecordingMetrics();
    // Two attempts of ours (the default is 8), each retried by the SDK: keeps the test short.
    const state = await stateVia(metrics, 2);
    proxy.failAlways('BatchWriteItem', dynamoFault.throughputExceeded());
    const callsBefore = proxy.calls.length;

    const error = await analyzeIngested({ ...ports, state, metrics }, { event, requestId: 'ddb-3' }).catch(
      (caught: unknown) => caught,
    );

    const batchCalls = proxy.calls.slice(callsBefore).filter((op) => op === 'BatchWriteItem').length;
    proxy.clear();
    expect(error).toMatchObject({ code: 'STATE.THROTTLED' });
    expect(await state.getClaim(claimKeys.analyze(event.id))).toBeUndefined();
    expect(await loadAnalysis(state, event.id)).toBeUndefined();
    expect(metrics.total('StateWriteFailed')).toBe(25);
    expect(batchCalls).toBe(2 * state.sdkAttempts);
    figure({
      dependency: 'DynamoDB',
      failure: 'BatchWriteItem throttled on every call',
      handling: `${batchCalls} calls (2 adapter attempts × ${state.sdkAttempts} SDK attempts; ${8 * state.sdkAttempts} with the deployed 8), then STATE.THROTTLED; claim released`,
      outcome:
        'the record fails (batch item failure), SQS redelivers, DLQ after maxReceiveCount; no summary stored, so notify is not triggered',
      metrics: metricsText(metrics.recorded.filter((m) => m.name.startsWith('State'))),
    });
  });
});

describe('SES', () => {
  const options = {
    ...DEFAULT_NOTIFY_TIMING,
    mail: { from: 'sluice <reports@example.com>', to: ['ops@example.com'], subjectTemplate: '{headline}' },
  };
  const rasterizer = new ResvgRasterizer();

  async function analyzedLocally(key: string): Promise<string> {
    const event = await ingestedLocally(key);
    await analyzeIngested(ports, { event, requestId: 'analyze' });
    return event.id;
  }

  const mailer = (metrics: RecordingMetrics) =>
    new SesMailer({ client: sesClientFor(testbed.ses), sleep: noSleep, metrics, clock: ports.clock });

  it('sends after SES throttling passes, within the 4 attempts', async () => {
    const id = await analyzedLocally('inputs/ses-throttled.json');
    const metrics = new RecordingMetrics();
    const sentBefore = testbed.ses.sent.length;
    testbed.ses.failNext(sesFailure.throttled(), sesFailure.rateExceeded());

    const result = await notifyAnalysis(
      { ...ports, mailer: mailer(metrics), rasterizer, metrics },
      { id, requestId: 'ses-1' },
      options,
    );

    expect(result.outcome).toBe('sent');
    expect(testbed.ses.sent.length - sentBefore).toBe(1);
    expect(metrics.total('SesRetries')).toBe(2);
    expect(metrics.total('SesThrottled')).toBe(2);
    figure({
      dependency: 'SES',
      failure: 'SendEmail: TooManyRequestsException, then "Maximum sending rate exceeded"',
      handling: 'retried with full-jitter backoff (4 attempts at most)',
      outcome: 'sent once',
      metrics: metricsText(metrics.recorded),
    });
  });

  it('fails with MAIL.SEND_FAILED after 4 throttled attempts, releases the claim, and a later retry sends once', async () => {
    const id = await analyzedLocally('inputs/ses-persistent.json');
    const metrics = new RecordingMetrics();
    const sentBefore = testbed.ses.sent.length;
    testbed.ses.failNext(...Array.from({ length: 4 }, sesFailure.throttled));
    const deps = { ...ports, mailer: mailer(metrics), rasterizer, metrics };

    const error = await notifyAnalysis(deps, { id, requestId: 'ses-2' }, options).catch(
      (caught: unknown) => caught,
    );

    expect(error).toMatchObject({ code: 'MAIL.SEND_FAILED', retryable: true, attempts: 4 });
    expect(await ports.state.getClaim(claimKeys.notify(id))).toBeUndefined();
    expect(testbed.ses.sent.length - sentBefore).toBe(0);
    expect(metrics.total('SesRetries')).toBe(3);
    expect(metrics.total('SesThrottled')).toBe(4);
    // The stream's retry of the same record.
    expect((await notifyAnalysis(deps, { id, requestId: 'ses-2-retry' }, options)).outcome).toBe('sent');
    expect(testbed.ses.sent.length - sentBefore).toBe(1);
    figure({
      dependency: 'SES',
      failure: 'SendEmail throttled on 4 consecutive calls',
      handling: '4 attempts, then MAIL.SEND_FAILED (retryable); claim released',
      outcome: 'the stream retry sends the report once',
      metrics: metricsText(metrics.recorded),
    });
  });

  it('reports the record on every stream retry while SES refuses, then leaves it to the DLQ', async () => {
    const { ses, ddb, s3, s3Client, events } = testbed;
    const key = 'inputs/downstream-notify.csv';
    await s3Client.send(
      new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: ohlcvCsv(randomWalkMarket(['QUOTA'], 30)) }),
    );
    vi.resetModules();
    const ingest = (await import('../../src/handlers/ingest.js')).handler;
    const id = (await ingest(s3ObjectCreatedEvent(s3.bucket, key), lambdaContext())).results[0]?.id as string;
    vi.resetModules();
    const analyze = (await import('../../src/handlers/analyze.js')).handler;
    const detail = events.accepted.find((e) => e.DetailType === 'IngestCompleted' && e.Detail.includes(id));
    await analyze(
      sqsEvent(
        sqsRecord(
          eventBridgeEnvelope('IngestCompleted', 'sluice.ingest', JSON.parse(detail?.Detail ?? '{}')),
        ),
      ),
      lambdaContext(),
    );
    const item = (
      await ddb
        .documentClient()
        .send(new GetCommand({ TableName: ddb.table, Key: { pk: itemKeys.analysisPk(id), sk: 'ANALYSIS' } }))
    ).Item as Record<string, unknown>;

    const restore = withEmfMetrics();
    const emf = captureEmf();
    try {
      vi.resetModules();
      const notify = (await import('../../src/handlers/notify.js')).handler;
      const invocations = 1 + limits.notifyStreamRetries;
      ses.failNext(...Array.from({ length: invocations }, sesFailure.dailyQuota));
      const sentBefore = ses.sent.length;
      const record = dynamoDbRecord('INSERT', item);
      let failures = 0;
      for (let i = 0; i < invocations; i++) {
        const response = await notify(dynamoDbEvent(record), lambdaContext()).catch(
          (caught: Error) => caught,
        );
        if (response instanceof Error || response.batchItemFailures.length > 0) failures++;
      }
      const metrics = emf.metrics();
      expect(failures).toBe(invocations);
      expect(ses.sent.length - sentBefore).toBe(0);
      expect(total(metrics, 'RecordsFailed', { reason: 'MAIL.SEND_FAILED' })).toBe(invocations);
      expect(
        await testbed.ddb.documentClient().send(
          new GetCommand({
            TableName: ddb.table,
            Key: { pk: `CLAIM#${claimKeys.notify(id)}`, sk: 'CLAIM' },
          }),
        ),
      ).not.toHaveProperty('Item');
      figure({
        dependency: 'SES (notify handler)',
        failure: 'SendEmail: "Daily message quota exceeded" on every invocation',
        handling: `not retried by the adapter (quota does not pass in seconds); batch item failure; stream retries ${limits.notifyStreamRetries}×, then on-failure DLQ`,
        outcome:
          'DLQ gets the stream batch pointer (shard, sequence numbers); claim free, so `sluice notify <id>` or a redrive sends it',
        metrics: metricsText(metrics),
      });
    } finally {
      emf.restore();
      restore();
    }
  });
});

describe('Bedrock', () => {
  const analystFor = (metrics: RecordingMetrics, timeoutMs = 60_000) =>
    new BedrockAnalyst({ client: bedrockClientFor(bedrock), sleep: noSleep, metrics, timeoutMs });

  it('retries throttling and uses the model answer that follows', async () => {
    const event = await ingestedLocally('inputs/bedrock-throttled.json');
    const metrics = new RecordingMetrics();
    bedrock.enqueue(converse.throttling(), converse.modelTimeout(), converse.toolUse(validNarrative));

    const { analysis } = await analyzeIngested(
      { ...ports, analyst: analystFor(metrics), metrics },
      { event, requestId: 'bedrock-1' },
    );

    expect(analysis?.analyst).toMatchObject({ model: 'amazon.nova-lite-v1:0', attempts: 3 });
    expect(analysis?.analyst.fallback).toBeUndefined();
    expect(metrics.total('BedrockRetries')).toBe(2);
    figure({
      dependency: 'Bedrock',
      failure: 'Converse: ThrottlingException, then ModelTimeoutException, then a valid answer',
      handling: 'retried with full-jitter backoff (5 attempts per ask)',
      outcome: 'the model narrative is stored',
      metrics: metricsText(metrics.recorded),
    });
  });

  it.each([
    { failure: 'ThrottlingException on all 5 attempts', reply: converse.throttling, timeoutMs: 60_000 },
    {
      failure: 'no answer within the call timeout, 5 times',
      reply: () => ({ kind: 'hang' as const }),
      timeoutMs: 150,
    },
  ])(
    'falls back to the offline narrative after $failure, and records why',
    async ({ failure, reply, timeoutMs }) => {
      const event = await ingestedLocally('inputs/bedrock-fails.json');
      const metrics = new RecordingMetrics();
      bedrock.enqueue(...Array.from({ length: 5 }, reply));

      const { outcome, analysis } = await analyzeIngested(
        { ...ports, analyst: analystFor(metrics, timeoutMs), metrics },
        { event, requestId: 'bedrock-2' },
      );

      expect(outcome).toBe('analyzed');
      expect(analysis?.analyst).toMatchObject({
        model: 'offline',
        fallback: { code: 'ANALYST.RETRIES_EXCEEDED', model: 'amazon.nova-lite-v1:0' },
      });
      expect(metrics.total('BedrockRetries')).toBe(4);
      expect(metrics.total('BedrockRetryExceeded')).toBe(1);
      expect(metrics.total('AnalystFallback')).toBe(1);
      expect(ports.bus.published.filter((e) => e.detailType === 'AnalysisCompleted')).toHaveLength(1);
      figure({
        dependency: 'Bedrock',
        failure,
        handling: '5 attempts, then ANALYST.RETRIES_EXCEEDED',
        outcome:
          'offline narrative stored with fallback {code, model, usage}; AnalysisCompleted says fallback',
        metrics: metricsText(metrics.recorded),
      });
    },
  );
});
