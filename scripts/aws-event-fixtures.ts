/**
 * The AWS event fixtures of test/fixtures/aws-events/, one JSON file each, built in
 * the shapes of the published samples: the S3 user guide's EventBridge and event
 * notification messages, the Powertools for AWS Lambda test events (S3 delete,
 * S3 → SQS, EventBridge Scheduler) and the Lambda developer guide's API Gateway
 * REST proxy event. Only what sluice needs differs from the samples: keys under
 * inputs/, a placeholder bucket the tests replace with the emulator's, and bodies.
 *
 * `npx tsx scripts/aws-event-fixtures.ts --write` rewrites the files (formatted by
 * biome, like the rest of the repository); test/fixtures/aws-events.test.ts fails
 * when their content differs from what this script builds.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const FIXTURE_DIR = path.join(import.meta.dirname, '..', 'test', 'fixtures', 'aws-events');
/** The S3 user guide's example bucket name; tests swap it for the emulator's bucket. */
export const FIXTURE_BUCKET = 'amzn-s3-demo-bucket';

const ACCOUNT = '111122223333';
const REGION = 'us-east-1';
const CSV = 'symbol,datetime,open,high,low,close,volume\nAAPL,2026-01-05,1,2,0.5,1.5,100\n';

/** Where an event's object lives; the fixtures' own bucket and body unless a test gives its emulator's. */
export interface S3Target {
  readonly bucket: string;
  readonly size: number;
}

const FIXTURE_TARGET: S3Target = { bucket: FIXTURE_BUCKET, size: CSV.length };

/** S3 → EventBridge (S3 user guide, "EventBridge event message structure"). */
export function eventBridgeS3(
  detailType: 'Object Created' | 'Object Deleted',
  key: string,
  { bucket, size }: S3Target = FIXTURE_TARGET,
) {
  const created = detailType === 'Object Created';
  return {
    version: '0',
    id: created ? '17793124-05d4-b198-2fde-7ededc63b103' : '2ee9cc15-d022-99ea-1fb8-1b1bac4850f9',
    'detail-type': detailType,
    source: 'aws.s3',
    account: ACCOUNT,
    time: '2026-01-05T10:00:00Z',
    region: REGION,
    resources: [`arn:aws:s3:::${bucket}`],
    detail: {
      version: '0',
      bucket: { name: bucket },
      object: created
        ? {
            key,
            size,
            etag: 'b1946ac92492d2347c6235b4d2611184',
            'version-id': 'IYV3p45BT0ac8hjHg1houSdS1a.Mro8e',
            sequencer: '617f08299329d189',
          }
        : { key, sequencer: '006408CAD69598B05E' },
      'request-id': 'N4N7GDK58NMKJ12R',
      requester: '123456789012',
      'source-ip-address': '1.2.3.4',
      reason: created ? 'PutObject' : 'DeleteObject',
      ...(created ? {} : { 'deletion-type': 'Delete Marker Created' }),
    },
  };
}

/** One record of an S3 event notification (S3 user guide, "Event message structure"); `key` is form-encoded. */
export function notificationRecord(
  eventName: string,
  key: string,
  { bucket, size }: S3Target = FIXTURE_TARGET,
) {
  const created = eventName.startsWith('ObjectCreated:');
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: REGION,
    eventTime: '2026-01-05T10:00:00.000Z',
    eventName,
    userIdentity: { principalId: 'AWS:AIDAINPONIXQXHT3IKHL2' },
    requestParameters: { sourceIPAddress: '205.255.255.255' },
    responseElements: {
      'x-amz-request-id': 'D82B88E5F771F645',
      'x-amz-id-2': 'vlR7PnpV2Ce81l0PRw6jlUpck7Jo5ZsQjryTjKlc5aLWGVHPZLj5NeC6qMa0emYBDXOo6QBU0Wo=',
    },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'sluice-inputs',
      bucket: {
        name: bucket,
        ownerIdentity: { principalId: 'A3I5XTEXAMAI3E' },
        arn: `arn:aws:s3:::${bucket}`,
      },
      object: created
        ? { key, size, eTag: '0123456789abcdef0123456789abcdef', sequencer: '0A1B2C3D4E5F678901' }
        : { key, sequencer: '0C0F6F405D6ED209E1' },
    },
  };
}

const notification = (...records: ReturnType<typeof notificationRecord>[]) => ({ Records: records });

/** What S3 sends a queue once, when the notification is configured (S3 user guide). */
const s3TestEvent = {
  Service: 'Amazon S3',
  Event: 's3:TestEvent',
  Time: '2026-01-05T09:59:00.000Z',
  Bucket: FIXTURE_BUCKET,
  RequestId: '5582815E1AEA5ADF',
  HostId: '8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YstdA6Knx4Ip8EXAMPLE',
};

/** An SQS record whose body is `body` serialized (Powertools `s3SqsEvent.json`). */
function sqsRecord(messageId: string, body: unknown) {
  return {
    messageId,
    receiptHandle: `AQEBE7XoI7IQRLF7Srpi${messageId}`,
    body: JSON.stringify(body),
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '1767607200000',
      SenderId: 'AIDAJHIPRHEMV73VRJEBU',
      ApproximateFirstReceiveTimestamp: '1767607200100',
    },
    messageAttributes: {},
    md5OfBody: '16f4460f4477d8d693a5abe94fdbbd73',
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:${REGION}:${ACCOUNT}:sluice-dev-ingest`,
    awsRegion: REGION,
  };
}

/** API Gateway REST proxy integration, `POST /ingest` with IAM auth (Lambda developer guide). */
function apiGatewayPost(contentType: string, body: string, isBase64Encoded: boolean) {
  const headers = {
    Accept: '*/*',
    'Content-Type': contentType,
    Host: '1234567890.execute-api.us-east-1.amazonaws.com',
    'User-Agent': 'curl/8.5.0',
    'X-Amzn-Trace-Id': 'Root=1-5e66d96f-7491f09xmpl79d18acf3d050',
    'X-Forwarded-For': '198.51.100.10',
    'X-Forwarded-Port': '443',
    'X-Forwarded-Proto': 'https',
  };
  return {
    resource: '/ingest',
    path: '/ingest',
    httpMethod: 'POST',
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    requestContext: {
      resourceId: 'abc123',
      resourcePath: '/ingest',
      httpMethod: 'POST',
      extendedRequestId: 'JJbxmHEwIAMFxGQ=',
      requestTime: '05/Jan/2026:10:00:00 +0000',
      path: '/dev/ingest',
      accountId: ACCOUNT,
      protocol: 'HTTP/1.1',
      stage: 'dev',
      domainPrefix: '1234567890',
      requestTimeEpoch: 1767607200000,
      requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
      identity: {
        cognitoIdentityPoolId: null,
        accountId: ACCOUNT,
        cognitoIdentityId: null,
        caller: 'AIDAEXAMPLE',
        sourceIp: '198.51.100.10',
        principalOrgId: null,
        accessKey: 'ASIAEXAMPLE',
        cognitoAuthenticationType: null,
        cognitoAuthenticationProvider: null,
        userArn: `arn:aws:iam::${ACCOUNT}:user/uploader`,
        userAgent: 'curl/8.5.0',
        user: 'AIDAEXAMPLE',
      },
      domainName: '1234567890.execute-api.us-east-1.amazonaws.com',
      apiId: '1234567890',
    },
    body: isBase64Encoded ? Buffer.from(body).toString('base64') : body,
    isBase64Encoded,
  };
}

/** File name (without .json) → event. */
export function awsEventFixtures(): Record<string, unknown> {
  return {
    'eventbridge-object-created': eventBridgeS3('Object Created', 'inputs/prices.csv'),
    // As reported from a real bucket: EventBridge carried the literal '%', which does not decode.
    'eventbridge-object-created-literal-percent': eventBridgeS3(
      'Object Created',
      'inputs/q3 100% growth.json',
    ),
    'eventbridge-object-deleted': eventBridgeS3('Object Deleted', 'inputs/prices.csv'),
    's3-notification-object-created': notification(
      notificationRecord('ObjectCreated:Put', 'inputs/my+prices%2Bv2.csv'),
    ),
    's3-notification-object-removed': notification(
      notificationRecord('ObjectRemoved:Delete', 'inputs/prices.csv'),
      notificationRecord('ObjectRemoved:DeleteMarkerCreated', 'inputs/prices.csv'),
    ),
    // A '%' that is not an escape: no object can be named by decoding it.
    's3-notification-undecodable-key': notification(
      notificationRecord('ObjectCreated:Put', 'inputs/q3+100%+growth.json'),
    ),
    // Decodes to a key with a '..' segment.
    's3-notification-traversal-key': notification(
      notificationRecord('ObjectCreated:Put', 'inputs/%2E%2E/secrets.csv'),
    ),
    'sqs-s3-notifications': {
      Records: [
        sqsRecord('0d9f4ee2-0001-4a0e-9a55-5a7e1b3c0001', s3TestEvent),
        sqsRecord(
          '0d9f4ee2-0002-4a0e-9a55-5a7e1b3c0002',
          notification(notificationRecord('ObjectCreated:Put', 'inputs/queued+prices.csv')),
        ),
        sqsRecord(
          '0d9f4ee2-0003-4a0e-9a55-5a7e1b3c0003',
          notification(notificationRecord('ObjectRemoved:Delete', 'inputs/queued+prices.csv')),
        ),
        sqsRecord(
          '0d9f4ee2-0004-4a0e-9a55-5a7e1b3c0004',
          notification(notificationRecord('ObjectCreated:Put', 'inputs/missing.csv')),
        ),
      ],
    },
    // EventBridge Scheduler's default input for a Lambda target.
    'scheduler-default-input': {},
    // A Scheduler target whose input template imitates an EventBridge event (Powertools sample).
    'scheduler-eventbridge-shaped': {
      version: '0',
      id: 'd167b752-343a-4b28-afd6-d4de056319e8',
      'detail-type': 'Scheduled Event',
      source: 'aws.scheduler',
      account: ACCOUNT,
      time: '2026-01-05T10:07:12Z',
      region: REGION,
      resources: [`arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule/default/sluice-aggregate`],
      detail: '{}',
    },
    'eventbridge-scheduled-event': {
      version: '0',
      id: '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa',
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: ACCOUNT,
      time: '2026-01-05T10:07:12Z',
      region: REGION,
      resources: [`arn:aws:events:${REGION}:${ACCOUNT}:rule/sluice-dev-aggregate`],
      detail: {},
    },
    'apigw-post-text-plain': apiGatewayPost('text/plain; charset=utf-8', CSV, false),
    // What `curl --data-binary @prices.csv` sends without -H.
    'apigw-post-form-urlencoded': apiGatewayPost('application/x-www-form-urlencoded', CSV, false),
    // What a browser on Windows labels a .csv; a binary media type, so API Gateway base64-encodes it.
    'apigw-post-vnd-ms-excel': apiGatewayPost('application/vnd.ms-excel', CSV, true),
    'apigw-post-pdf': apiGatewayPost(
      'application/pdf',
      '%PDF-1.7\n%\u00e2\u00e3\u00cf\u00d3\n1 0 obj\n',
      false,
    ),
  };
}

if (process.argv.includes('--write')) {
  mkdirSync(FIXTURE_DIR, { recursive: true });
  for (const [name, event] of Object.entries(awsEventFixtures())) {
    writeFileSync(path.join(FIXTURE_DIR, `${name}.json`), `${JSON.stringify(event, null, 2)}\n`);
  }
  execFileSync('npx', ['biome', 'format', '--write', FIXTURE_DIR], { stdio: 'inherit' });
  console.log(`wrote ${Object.keys(awsEventFixtures()).length} fixtures to ${FIXTURE_DIR}`);
}
