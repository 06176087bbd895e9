/**
 * `POST /ingest`, whoever serves it: the API Gateway Lambda handler and
 * `sluice dev` both hand the request here, so both answer the same statuses
 * and bodies. The body is checked for what the caller can fix now, then stored
 * create-only under `inputs/`, where the usual ingest picks it up.
 *
 * Keys: `inputs/api/<sha256>.<ext>`, or `inputs/<dataset>/api-<sha256>.<ext>`
 * when the caller names a dataset, so the key prefix forces the contract (and
 * ingest still refuses content that does not match it: `dataset_mismatch`).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { DEFAULT_PARSE_LIMITS } from '../datasets/contract.js';
import { BUILTINS, type ContractSet } from '../datasets/registry.js';
import { errorMessage, SluiceError, UnreadableFileError } from '../errors.js';
import { checkJsonSyntax } from '../ingest/json-scanner.js';
import { keys } from '../keys.js';
import type { ObjectStore } from '../ports.js';
import { sniffUpload } from './sniff-upload.js';

export const API_ERRORS = {
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

/** What an unexpected failure answers: the details belong in the log, not to the caller. */
export const INTERNAL_ERROR_BODY = {
  error: { code: 'INTERNAL', message: 'internal error; retry later' },
} as const;

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

/** The body as API Gateway hands it over: text, possibly base64 of the real bytes. */
export interface EncodedBody {
  readonly text: string | null;
  readonly base64: boolean;
}

export interface UploadRequest {
  /** Any case; HTTP says header names are case-insensitive. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly query: Readonly<Record<string, string | undefined>>;
  /** The raw bytes (a plain HTTP server) or API Gateway's encoded text. */
  readonly body: Uint8Array | EncodedBody;
}

export interface UploadOptions {
  /** Largest body accepted, in bytes; larger is 413. */
  readonly maxBytes: number;
  /** The datasets a caller may name. @default BUILTINS */
  readonly contracts?: ContractSet;
}

export interface AcceptedUpload {
  readonly id: string;
  readonly key: string;
  readonly manifest: string;
  readonly bytes: number;
  /** False when the same bytes were stored before: one input, whose ingest already ran or is running. */
  readonly created: boolean;
}

function parseOrFail<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ApiError('API.INVALID_REQUEST', `${what}: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

const essenceOf = (contentType: string | undefined): string =>
  contentType?.split(';')[0]?.trim().toLowerCase() ?? '';

const declaredMediaType = (essence: string): MediaType | undefined =>
  MEDIA_TYPES[essence as keyof typeof MEDIA_TYPES];

/** Any other Content-Type (or none) is judged by the body: see sniff-upload.ts. */
function sniffedMediaType(bytes: Uint8Array, essence: string, dataset: string | undefined): MediaType {
  const sniffed = sniffUpload(bytes, dataset);
  if (sniffed.ok) return sniffed.media;
  throw new ApiError(
    'API.UNSUPPORTED_MEDIA_TYPE',
    `Content-Type ${JSON.stringify(essence)} is not one sluice reads and the body was sniffed as ${sniffed.sniffed}; send one of ${Object.keys(MEDIA_TYPES).join(', ')}, or a body a dataset recognizes`,
  );
}

const tooLarge = (bytes: number, maxBytes: number) =>
  new ApiError('API.PAYLOAD_TOO_LARGE', `the body has ${bytes} bytes, over the ${maxBytes}-byte limit`);

/** Bytes a base64 text decodes to, from its length alone. */
export function base64DecodedLength(text: string): number {
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  return Math.floor((text.length * 3) / 4) - padding;
}

/** The size is known from the encoded text, so an oversized body is refused before it is decoded. */
function bodyBytes(body: Uint8Array | EncodedBody, maxBytes: number): Uint8Array {
  let bytes: Uint8Array;
  if (body instanceof Uint8Array) {
    bytes = body;
  } else {
    const text = body.base64 ? (body.text ?? '').replace(/\s+/g, '') : (body.text ?? '');
    const size = body.base64 ? base64DecodedLength(text) : Buffer.byteLength(text, 'utf8');
    if (size > maxBytes) throw tooLarge(size, maxBytes);
    if (body.base64 && !BASE64.test(text)) {
      throw new ApiError('API.INVALID_BODY', 'the body is marked base64 but is not');
    }
    bytes = Buffer.from(text, body.base64 ? 'base64' : 'utf8');
  }
  if (bytes.length === 0) throw new ApiError('API.EMPTY_BODY', 'the body is empty');
  if (bytes.length > maxBytes) throw tooLarge(bytes.length, maxBytes);
  return bytes;
}

/** Catches what the caller can fix now; everything else is ingest's to judge and report in the manifest. */
function checkContent(bytes: Uint8Array, media: MediaType): void {
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
      checkJsonSyntax(text, DEFAULT_PARSE_LIMITS);
    } catch (error) {
      // Too deep is the ingest stage's to report (nesting_too_deep, with a manifest), like any limit.
      if (error instanceof UnreadableFileError && error.reason === 'nesting_too_deep') return;
      throw new ApiError('API.INVALID_BODY', `the body is not valid JSON: ${errorMessage(error)}`);
    }
  }
}

function datasetOf(
  query: UploadRequest['query'],
  headers: Record<string, string | undefined>,
  contracts: ContractSet,
): string | undefined {
  const fromQuery = parseOrFail(QuerySchema, query, 'query string');
  const fromHeaders = parseOrFail(HeadersSchema, headers, 'headers');
  const dataset = fromQuery.dataset ?? fromHeaders['x-sluice-dataset'];
  if (dataset !== undefined && !contracts.has(dataset)) {
    throw new ApiError(
      'API.UNKNOWN_DATASET',
      `unknown dataset ${JSON.stringify(dataset)}; known: ${contracts.all.map((d) => d.id).join(', ')}`,
    );
  }
  return dataset;
}

/**
 * Validates the request and stores its body; throws ApiError (with the HTTP
 * status) for anything the caller must fix. Other errors are the store's.
 */
export async function acceptUpload(
  store: ObjectStore,
  request: UploadRequest,
  options: UploadOptions,
): Promise<AcceptedUpload> {
  const headers = Object.fromEntries(
    Object.entries(request.headers).flatMap(([k, v]) => (v === undefined ? [] : [[k.toLowerCase(), v]])),
  );
  const dataset = datasetOf(request.query, headers, options.contracts ?? BUILTINS);
  const essence = essenceOf(headers['content-type']);
  const declared = declaredMediaType(essence);
  const bytes = bodyBytes(request.body, options.maxBytes);
  const media = declared ?? sniffedMediaType(bytes, essence, dataset);
  checkContent(bytes, media);
  const id = createHash('sha256').update(bytes).digest('hex');
  const key = keys.apiInput(id, media.ext, dataset);
  // Create-only: the same bytes posted twice are one input, and the first upload's event already ran.
  const { created } = await store.put(key, bytes, { contentType: media.contentType, ifNoneMatch: true });
  return { id, key, manifest: keys.manifest(id), bytes: bytes.length, created };
}

/** The 202 body both servers answer. */
export const acceptedBody = (upload: AcceptedUpload) => ({
  id: upload.id,
  key: upload.key,
  manifest: upload.manifest,
});
