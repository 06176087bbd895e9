/**
 * Lambda event factories shaped after the AWS documentation examples: S3 "Object
 * Created" via EventBridge, S3 event notification records, API Gateway REST proxy,
 * SQS records carrying EventBridge envelopes, DynamoDB stream records, scheduled
 * events, and a Lambda context.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { marshall } from '@aws-sdk/util-dynamodb';
import type {
  APIGatewayProxyEvent,
  Context,
  DynamoDBRecord,
  DynamoDBStreamEvent,
  EventBridgeEvent,
  S3Event,
  ScheduledEvent,
  SQSEvent,
  SQSRecord,
} from 'aws-lambda';
import {
  eventBridgeS3,
  FIXTURE_BUCKET,
  FIXTURE_DIR,
  notificationRecord,
} from '../../scripts/aws-event-fixtures.js';
import type { IngestCompleted } from '../../src/core/events.js';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
let sequence = 1000;

export const SHA_A = 'a'.repeat(64);

export function ingestCompletedDetail(overrides: Partial<IngestCompleted> = {}): IngestCompleted {
  const id = overrides.id ?? SHA_A;
  return {
    version: 1,
    correlationId: `${id}:req-1`,
    id,
    dataset: 'ohlcv-csv',
    inputKey: 'inputs/prices.csv',
    manifestKey: `manifests/${id}.json`,
    processedKey: `processed/ohlcv-csv/${id}.jsonl`,
    rejectsKey: `rejects/ohlcv-csv/${id}.jsonl`,
    counts: { total: 10, valid: 9, rejected: 1 },
    completedAt: '2026-01-05T10:00:00.000Z',
    ...overrides,
  };
}

/** `remainingMs`: what the invocation has left when it starts; the clock runs down from there. */
export function lambdaContext(awsRequestId: string = randomUUID(), remainingMs = 60_000): Context {
  const endsAt = Date.now() + remainingMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'sluice-test',
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:sluice-test`,
    memoryLimitInMB: '512',
    awsRequestId,
    logGroupName: '/aws/lambda/sluice-test',
    logStreamName: '2026/01/05/[$LATEST]abc',
    getRemainingTimeInMillis: () => Math.max(0, endsAt - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export interface S3ObjectCreatedDetail {
  version: string;
  bucket: { name: string };
  object: { key: string; size: number; etag: string; sequencer: string };
  'request-id': string;
  requester: string;
  'source-ip-address': string;
  reason: string;
}

/** S3 → EventBridge "Object Created"; `key` is put in the event exactly as given. */
export function s3ObjectCreatedEvent(
  bucket: string,
  key: string,
  size = 5,
): EventBridgeEvent<'Object Created', S3ObjectCreatedDetail> {
  // A fresh id per event, as EventBridge gives: dedupe by event id must not merge two tests' events.
  return { ...eventBridgeS3('Object Created', key, { bucket, size }), id: randomUUID() } as EventBridgeEvent<
    'Object Created',
    S3ObjectCreatedDetail
  >;
}

/** S3 event notification; `encodedKey` must already be form-encoded as S3 sends it. */
export function s3NotificationEvent(bucket: string, encodedKey: string, size = 5): S3Event {
  return { Records: [notificationRecord('ObjectCreated:Put', encodedKey, { bucket, size })] } as S3Event;
}

export interface ApiRequest {
  readonly body?: string | null;
  readonly isBase64Encoded?: boolean;
  readonly headers?: Record<string, string>;
  readonly query?: Record<string, string>;
}

/** API Gateway REST API proxy integration, `POST /ingest`. */
export function apiGatewayEvent(request: ApiRequest = {}): APIGatewayProxyEvent {
  const headers = request.headers ?? {};
  return {
    resource: '/ingest',
    path: '/ingest',
    httpMethod: 'POST',
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: request.query ?? null,
    multiValueQueryStringParameters: request.query
      ? Object.fromEntries(Object.entries(request.query).map(([k, v]) => [k, [v]]))
      : null,
    pathParameters: null,
    stageVariables: null,
    body: request.body ?? null,
    isBase64Encoded: request.isBase64Encoded ?? false,
    requestContext: {
      accountId: ACCOUNT,
      apiId: '1234567890',
      authorizer: null,
      protocol: 'HTTP/1.1',
      httpMethod: 'POST',
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: '127.0.0.1',
        user: null,
        userAgent: 'vitest',
        userArn: null,
      },
      path: '/prod/ingest',
      stage: 'prod',
      requestId: randomUUID(),
      requestTimeEpoch: 1767607200000,
      resourceId: 'abc123',
      resourcePath: '/ingest',
    },
  };
}

/** The EventBridge envelope an SQS target receives as the message body. */
export function eventBridgeEnvelope(detailType: string, source: string, detail: unknown): string {
  return JSON.stringify({
    version: '0',
    id: randomUUID(),
    'detail-type': detailType,
    source,
    account: ACCOUNT,
    time: '2026-01-05T10:00:00Z',
    region: REGION,
    resources: [],
    detail,
  });
}

export function sqsRecord(body: string, messageId: string = randomUUID()): SQSRecord {
  return {
    messageId,
    receiptHandle: `handle-${messageId}`,
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '1767607200000',
      SenderId: 'AIDAEXAMPLE',
      ApproximateFirstReceiveTimestamp: '1767607200001',
    },
    messageAttributes: {},
    md5OfBody: '098f6bcd4621d373cade4e832627b4f6',
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:${REGION}:${ACCOUNT}:sluice-analyze`,
    awsRegion: REGION,
  };
}

export const sqsEvent = (...records: SQSRecord[]): SQSEvent => ({ Records: records });

/** A NEW_IMAGE stream record; `item` is marshalled to DynamoDB JSON unless `rawImage` is given. */
export function dynamoDbRecord(
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE',
  item: Record<string, unknown> | undefined,
  rawImage?: DynamoDBRecord['dynamodb'],
): DynamoDBRecord {
  const image = item === undefined ? undefined : marshall(item, { removeUndefinedValues: true });
  return {
    eventID: randomUUID(),
    eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: REGION,
    dynamodb: rawImage ?? {
      ApproximateCreationDateTime: 1767607200,
      ...(item ? { Keys: marshall({ pk: item.pk, sk: item.sk }) as never } : {}),
      ...(image ? { NewImage: image as never } : {}),
      SequenceNumber: String(++sequence),
      SizeBytes: 128,
      StreamViewType: 'NEW_IMAGE',
    },
    eventSourceARN: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/sluice/stream/2026-01-05T00:00:00.000`,
  };
}

export const dynamoDbEvent = (...records: DynamoDBRecord[]): DynamoDBStreamEvent => ({ Records: records });

export function scheduledEvent(time = '2026-01-05T10:07:00Z'): ScheduledEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: ACCOUNT,
    time,
    region: REGION,
    resources: [`arn:aws:events:${REGION}:${ACCOUNT}:rule/sluice-aggregate`],
    detail: {},
  };
}

/**
 * A fixture of test/fixtures/aws-events/ (written by scripts/aws-event-fixtures.ts),
 * its placeholder bucket replaced by `bucket` everywhere, SQS bodies included.
 */
export function awsEventFixture<T = unknown>(name: string, bucket = FIXTURE_BUCKET): T {
  const text = readFileSync(path.join(FIXTURE_DIR, `${name}.json`), 'utf8');
  return JSON.parse(text.replaceAll(FIXTURE_BUCKET, bucket)) as T;
}

/**
 * Sets process.env for a handler under test (handlers read it once, at import)
 * and returns a function that puts the previous values back. Powertools output
 * is silenced so test logs stay readable.
 */
export function setHandlerEnv(vars: Record<string, string | undefined>): () => void {
  const all: Record<string, string | undefined> = {
    AWS_REGION: REGION,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_TRACE_ENABLED: 'false',
    ...vars,
  };
  const previous = Object.fromEntries(Object.keys(all).map((name) => [name, process.env[name]]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  apply(all);
  return () => apply(previous);
}
