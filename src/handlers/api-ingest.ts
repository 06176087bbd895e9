/**
 * `POST /ingest` behind API Gateway (REST API, proxy integration). The body is
 * stored under `inputs/`, where the S3 event starts ingest like any dropped
 * file; the answer is 202 with where the manifest will appear.
 *
 * Keys: `inputs/api/<sha256>.<ext>`, or `inputs/<dataset>/api-<sha256>.<ext>`
 * when the caller names a dataset, so the key prefix forces the contract (and
 * ingest still refuses content that does not match it: `dataset_mismatch`).
 */
import { createHash } from 'node:crypto';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { z } from 'zod';
import { instrument } from '../adapters/aws/observability.js';
import { DATASETS, isDatasetId } from '../core/datasets/registry.js';
import { errorMessage, SluiceError } from '../core/errors.js';
import { keys } from '../core/keys.js';
import { createRuntime } from './runtime.js';

const runtime = createRuntime('api-ingest');

const API_ERRORS = {
  'API.INVALID_REQUEST': 400,
  'API.EMPTY_BODY': 400,
  'API.INVALID_BODY': 400,
  'API.UNKNOWN_DATASET': 400,
  'API.PAYLOAD_TOO_LARGE': 413,
  'API.UNSUPPORTED_MEDIA_TYPE': 415,
  INTERNAL: 500,
} as const;

export type ApiErrorCode = keyof typeof API_ERRORS;

export class ApiError extends SluiceError {
  readonly status: number;

  constructor(code: ApiErrorCode, message: string) {
    super(code, message);
    this.status = API_ERRORS[code];
  }
}

const MEDIA_TYPES = {
  'application/json': { ext: 'json', contentType: 'application/json' },
  'text/csv': { ext: 'csv', contentType: 'text/csv' },
  'application/gzip': { ext: 'gz', contentType: 'application/gzip' },
  'application/x-gzip': { ext: 'gz', contentType: 'application/gzip' },
} as const;

type MediaType = (typeof MEDIA_TYPES)[keyof typeof MEDIA_TYPES];

const datasetName = z.string().trim().min(1).max(64);
const QuerySchema = z.object({ dataset: datasetName.optional() });
const HeadersSchema = z.object({
  'content-type': z.string().optional(),
  'x-sluice-dataset': datasetName.optional(),
});

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const GZIP_MAGIC = [0x1f, 0x8b];

function json(status: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyResult {
  return {
    statusCode: status,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  };
}

function parseOrFail<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ApiError('API.INVALID_REQUEST', `${what}: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

function mediaTypeOf(contentType: string | undefined): MediaType {
  const essence = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  const known = MEDIA_TYPES[essence as keyof typeof MEDIA_TYPES];
  if (!known) {
    throw new ApiError(
      'API.UNSUPPORTED_MEDIA_TYPE',
      `Content-Type ${JSON.stringify(essence)} is not accepted; send one of ${Object.keys(MEDIA_TYPES).join(', ')}`,
    );
  }
  return known;
}

/** API Gateway caps a payload at 10 MB, so decoding before measuring is bounded. */
function bodyBytes(event: APIGatewayProxyEvent, maxBytes: number): Buffer {
  const body = event.body ?? '';
  if (event.isBase64Encoded && !BASE64.test(body.replace(/\s+/g, ''))) {
    throw new ApiError('API.INVALID_BODY', 'the body is marked base64 but is not');
  }
  const bytes = Buffer.from(body, event.isBase64Encoded ? 'base64' : 'utf8');
  if (bytes.length === 0) throw new ApiError('API.EMPTY_BODY', 'the body is empty');
  if (bytes.length > maxBytes) {
    throw new ApiError(
      'API.PAYLOAD_TOO_LARGE',
      `the body has ${bytes.length} bytes, over the ${maxBytes}-byte limit`,
    );
  }
  return bytes;
}

/** Catches what the caller can fix now; everything else is ingest's to judge and report in the manifest. */
function checkContent(bytes: Buffer, media: MediaType): void {
  if (media.ext === 'gz') {
    if (bytes[0] !== GZIP_MAGIC[0] || bytes[1] !== GZIP_MAGIC[1]) {
      throw new ApiError('API.INVALID_BODY', 'the body is not gzip data');
    }
    return;
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ApiError('API.INVALID_BODY', 'the body is not valid UTF-8');
  }
  if (text.trim() === '') throw new ApiError('API.EMPTY_BODY', 'the body holds only white space');
  if (media.ext === 'json') {
    try {
      JSON.parse(text);
    } catch (error) {
      throw new ApiError('API.INVALID_BODY', `the body is not valid JSON: ${errorMessage(error)}`);
    }
  }
}

function datasetOf(event: APIGatewayProxyEvent, headers: Record<string, string>): string | undefined {
  const query = parseOrFail(QuerySchema, event.queryStringParameters ?? {}, 'query string');
  const header = parseOrFail(HeadersSchema, headers, 'headers');
  const dataset = query.dataset ?? header['x-sluice-dataset'];
  if (dataset !== undefined && !isDatasetId(dataset)) {
    throw new ApiError(
      'API.UNKNOWN_DATASET',
      `unknown dataset ${JSON.stringify(dataset)}; known: ${DATASETS.map((d) => d.id).join(', ')}`,
    );
  }
  return dataset;
}

async function accept(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  // API Gateway keeps the client's header case; HTTP says case does not matter.
  const headers = Object.fromEntries(
    Object.entries(event.headers ?? {}).flatMap(([k, v]) => (v === undefined ? [] : [[k.toLowerCase(), v]])),
  );
  const dataset = datasetOf(event, headers);
  const media = mediaTypeOf(headers['content-type']);
  const bytes = bodyBytes(event, runtime.env.SLUICE_API_MAX_BYTES);
  checkContent(bytes, media);
  const id = createHash('sha256').update(bytes).digest('hex');
  const key = keys.apiInput(id, media.ext, dataset);
  // Create-only: the same bytes posted twice are one input, and the first upload's event already ran.
  const { created } = await runtime
    .store()
    .put(key, bytes, { contentType: media.contentType, ifNoneMatch: true });
  runtime.observability.logger.info('api input accepted', { id, key, bytes: bytes.length, created });
  const manifest = keys.manifest(id);
  return json(202, { id, key, manifest }, { location: `s3://${runtime.env.SLUICE_BUCKET}/${manifest}` });
}

export const handler = instrument(
  runtime.observability,
  async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    try {
      return await accept(event);
    } catch (error) {
      if (error instanceof ApiError) return json(error.status, { error: error.toJSON() });
      // The details go to the log, not to the caller.
      runtime.observability.logger.error('api ingest failed', { error: errorMessage(error) });
      return json(500, { error: { code: 'INTERNAL', message: 'internal error; retry later' } });
    }
  },
);
