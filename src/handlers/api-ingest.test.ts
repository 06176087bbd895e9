import { createHash } from 'node:crypto';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  apiGatewayEvent,
  awsEventFixture,
  lambdaContext,
  setHandlerEnv,
} from '../../test/helpers/aws-events.js';
import { type S3Emulator, startS3Emulator } from '../../test/helpers/emulators.js';

let s3: S3Emulator;
let restoreEnv: () => void;
let handler: typeof import('./api-ingest.js')['handler'];

beforeAll(async () => {
  s3 = await startS3Emulator();
  restoreEnv = setHandlerEnv({
    SLUICE_BUCKET: s3.bucket,
    SLUICE_TABLE: 'sluice-unused',
    SLUICE_EVENT_BUS: 'sluice-unused',
    SLUICE_API_MAX_BYTES: '1000',
    SLUICE_S3_ENDPOINT: s3.endpoint,
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
  });
  vi.resetModules();
  ({ handler } = await import('./api-ingest.js'));
});

afterAll(async () => {
  restoreEnv();
  await s3.stop();
});

const CSV = 'symbol,datetime,open,high,low,close,volume\nAAPL,2026-01-05,1,2,0.5,1.5,100\n';
const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const post = async (request: Parameters<typeof apiGatewayEvent>[0]) =>
  (await handler(apiGatewayEvent(request), lambdaContext())) as APIGatewayProxyResult;
const bodyOf = (response: APIGatewayProxyResult) => JSON.parse(response.body);

describe('api-ingest handler', () => {
  it('stores a JSON body under inputs/api/ and answers 202 with the manifest key', async () => {
    const json = JSON.stringify({ meta: { symbol: 'AAPL' }, values: [], status: 'ok' });
    const response = await post({
      body: json,
      headers: { 'Content-Type': 'application/json; charset=utf-8' },
    });
    const id = sha(json);
    expect(response.statusCode).toBe(202);
    expect(bodyOf(response)).toEqual({ id, key: `inputs/api/${id}.json`, manifest: `manifests/${id}.json` });
    expect(response.headers?.location).toBe(`s3://${s3.bucket}/manifests/${id}.json`);
    const stored = await s3
      .client()
      .send(new GetObjectCommand({ Bucket: s3.bucket, Key: `inputs/api/${id}.json` }));
    expect(await stored.Body?.transformToString()).toBe(json);
  });

  it('decodes a base64 CSV body and files it under the dataset the query names', async () => {
    const response = await post({
      body: Buffer.from(CSV).toString('base64'),
      isBase64Encoded: true,
      headers: { 'content-type': 'text/csv' },
      query: { dataset: 'ohlcv-csv' },
    });
    expect(response.statusCode).toBe(202);
    expect(bodyOf(response).key).toBe(`inputs/ohlcv-csv/api-${sha(CSV)}.csv`);
  });

  it('takes the dataset from the x-sluice-dataset header', async () => {
    const response = await post({
      body: CSV,
      headers: { 'content-type': 'text/csv', 'X-Sluice-Dataset': 'ohlcv-csv' },
    });
    expect(bodyOf(response).key).toBe(`inputs/ohlcv-csv/api-${sha(CSV)}.csv`);
  });

  it('answers the same 202 when the same bytes are posted again', async () => {
    const first = await post({ body: CSV, headers: { 'content-type': 'text/csv' } });
    const again = await post({ body: CSV, headers: { 'content-type': 'text/csv' } });
    expect(again.statusCode).toBe(202);
    expect(bodyOf(again)).toEqual(bodyOf(first));
  });

  it('answers 400 with the known datasets for an unknown one', async () => {
    const response = await post({
      body: CSV,
      headers: { 'content-type': 'text/csv' },
      query: { dataset: 'nope' },
    });
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).error.code).toBe('API.UNKNOWN_DATASET');
    expect(bodyOf(response).error.message).toContain('ohlcv-csv, smartphone-sales');
  });

  it.each([
    ['an empty body', { body: '', headers: { 'content-type': 'text/csv' } }, 'API.EMPTY_BODY'],
    ['a missing body', { body: null, headers: { 'content-type': 'text/csv' } }, 'API.EMPTY_BODY'],
    ['broken JSON', { body: '{"a":', headers: { 'content-type': 'application/json' } }, 'API.INVALID_BODY'],
    [
      'a body that is not base64',
      { body: '***', isBase64Encoded: true, headers: { 'content-type': 'text/csv' } },
      'API.INVALID_BODY',
    ],
    [
      'bytes that are not UTF-8',
      {
        body: Buffer.from([0xff, 0xfe, 0x41]).toString('base64'),
        isBase64Encoded: true,
        headers: { 'content-type': 'text/csv' },
      },
      'API.INVALID_BODY',
    ],
    [
      'gzip that is not gzip',
      { body: 'plain', headers: { 'content-type': 'application/gzip' } },
      'API.INVALID_BODY',
    ],
  ])('answers 400 for %s', async (_, request, code) => {
    const response = await post(request);
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response)).toEqual({ error: { code, message: expect.any(String) } });
  });

  it('answers 413 for a body over SLUICE_API_MAX_BYTES', async () => {
    const response = await post({ body: CSV.repeat(30), headers: { 'content-type': 'text/csv' } });
    expect(response.statusCode).toBe(413);
    expect(bodyOf(response).error.code).toBe('API.PAYLOAD_TOO_LARGE');
  });

  it('refuses a base64 body over the limit from its encoded length, before decoding it', async () => {
    // 1,400 base64 characters decode to 1,050 bytes, over the 1,000-byte limit; '***' is not even base64.
    const response = await post({
      body: '*'.repeat(1400),
      isBase64Encoded: true,
      headers: { 'content-type': 'text/csv' },
    });
    expect(response.statusCode).toBe(413);
    expect(bodyOf(response).error.message).toContain('1050 bytes');
  });

  it('stores a CSV body sent without a content type, and refuses a body no dataset recognizes with 415', async () => {
    const none = await post({ body: CSV });
    const unknown = await post({ body: 'a,b\n1,2\n', headers: { 'content-type': 'text/plain' } });
    expect(none.statusCode).toBe(202);
    expect(bodyOf(none).key).toBe(`inputs/api/${sha(CSV)}.csv`);
    expect(unknown.statusCode).toBe(415);
    expect(bodyOf(unknown).error).toEqual({
      code: 'API.UNSUPPORTED_MEDIA_TYPE',
      message: expect.stringContaining('sniffed as no dataset recognizes CSV with header "a,b"'),
    });
  });

  describe('fed with the API Gateway fixtures', () => {
    const fixture = (name: string) => awsEventFixture<APIGatewayProxyEvent>(name);

    it.each(['apigw-post-text-plain', 'apigw-post-form-urlencoded', 'apigw-post-vnd-ms-excel'])(
      'stores the CSV body of %s, whose content type only the body explains',
      async (name) => {
        const response = (await handler(fixture(name), lambdaContext())) as APIGatewayProxyResult;
        expect(response.statusCode).toBe(202);
        expect(bodyOf(response).key).toMatch(/^inputs\/api\/[0-9a-f]{64}\.csv$/);
      },
    );

    it('answers 415 to a PDF, naming what the body was sniffed as', async () => {
      const response = (await handler(fixture('apigw-post-pdf'), lambdaContext())) as APIGatewayProxyResult;
      expect(response.statusCode).toBe(415);
      expect(bodyOf(response).error.message).toMatch(/"application\/pdf".*sniffed as .*%PDF-1\.7/);
    });
  });
});
