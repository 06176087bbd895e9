/**
 * ObjectStore on one S3 bucket. Keys follow the local store's rules (object-keys.ts),
 * create-only writes are S3 conditional writes (If-None-Match: *), and streaming
 * writes are multipart uploads that become visible only when completed.
 */
import { PassThrough, Readable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import {
  GetObjectCommand,
  type GetObjectCommandOutput,
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { ConfigError, errorMessage, ObjectNotFoundError, SluiceError } from '../../core/errors.js';
import {
  type Logger,
  type ObjectInfo,
  type ObjectStore,
  type ObjectWriter,
  type PutOptions,
  silentLogger,
} from '../../core/ports.js';
import { assertSafeKey, assertSafePrefix } from '../object-keys.js';

const MiB = 1024 * 1024;
/** S3's limits on a multipart part (the last part may be smaller). */
const MIN_PART_BYTES = 5 * MiB;
const MAX_PART_BYTES = 5 * 1024 * MiB;
const DEFAULT_CONTENT_TYPE = 'application/octet-stream';
// S3 answers 409 when another conditional write on the key is in flight; the retry
// then sees the winner's object (412) or, if it failed, writes ours.
const CONFLICT_ATTEMPTS = 5;
const CONFLICT_BASE_DELAY_MS = 50;

export type S3Encryption = 'AES256' | 'aws:kms';

export interface S3ObjectStoreOptions {
  readonly client: S3Client;
  readonly bucket: string;
  /** Multipart part size of openWriter, 5 MiB..5 GiB. A writer buffers up to (queueSize + 1) parts. @default 8 MiB */
  readonly partSizeBytes?: number;
  /** Parts one writer uploads in parallel, 1..64. @default 4 */
  readonly queueSize?: number;
  /** Server-side encryption of every write: SSE-S3 or SSE-KMS. @default 'aws:kms' with kmsKeyId, else 'AES256' */
  readonly serverSideEncryption?: S3Encryption;
  /**
   * The customer-managed key SSE-KMS writes name, with an S3 Bucket Key. Without a key id,
   * S3 would use the AWS-managed aws/s3 key, not the bucket's.
   * @default none
   */
  readonly kmsKeyId?: string;
  /** Told about multipart uploads that could not be aborted (their parts wait for the bucket lifecycle rule). @default silentLogger */
  readonly logger?: Logger;
}

/** An S3 call failed for a reason other than a missing object or a lost create-only race. */
export class ObjectStoreError extends SluiceError {
  constructor(code: 'STORE.FAILED' | 'STORE.CONFLICT', message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

interface ProviderError {
  readonly name?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

const statusOf = (error: unknown): number | undefined =>
  (error as ProviderError | undefined)?.$metadata?.httpStatusCode;
const nameOf = (error: unknown): string | undefined => (error as ProviderError | undefined)?.name;

const isPreconditionFailed = (error: unknown): boolean =>
  nameOf(error) === 'PreconditionFailed' || statusOf(error) === 412;
const isConditionalConflict = (error: unknown): boolean =>
  nameOf(error) === 'ConditionalRequestConflict' || statusOf(error) === 409;

const failed = (action: string, key: string, error: unknown): ObjectStoreError =>
  new ObjectStoreError('STORE.FAILED', `S3 ${action} ${JSON.stringify(key)} failed: ${errorMessage(error)}`, {
    cause: error,
  });

const conflict = (key: string, error: unknown): ObjectStoreError =>
  new ObjectStoreError(
    'STORE.CONFLICT',
    `create-only write of ${JSON.stringify(key)} kept colliding with concurrent writes; retry later`,
    { cause: error },
  );

/**
 * The hex SHA-256 of the whole object when S3 holds one: a FULL_OBJECT SHA-256
 * checksum, which a single PutObject with ChecksumAlgorithm SHA256 records. A
 * multipart object's SHA-256 is COMPOSITE (a hash of part hashes), not the bytes'.
 */
export function fullObjectSha256(
  head: Pick<HeadObjectCommandOutput, 'ChecksumSHA256' | 'ChecksumType'>,
): string | undefined {
  if (head.ChecksumType !== 'FULL_OBJECT' || head.ChecksumSHA256 === undefined) return undefined;
  const digest = Buffer.from(head.ChecksumSHA256, 'base64');
  return digest.length === 32 ? digest.toString('hex') : undefined;
}

const toBuffer = (chunk: string | Uint8Array): Buffer =>
  typeof chunk === 'string'
    ? Buffer.from(chunk, 'utf8')
    : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);

const checkRange = (name: string, value: number, min: number, max: number): number => {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max} inclusive (given ${value})`);
  }
  return value;
};

export class S3ObjectStore implements ObjectStore {
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #partSize: number;
  readonly #queueSize: number;
  readonly #encryption: S3Encryption;
  readonly #kmsKeyId: string | undefined;
  readonly #logger: Logger;

  constructor(options: S3ObjectStoreOptions) {
    if (options.bucket.trim() === '') throw new ConfigError('bucket must not be empty');
    this.#client = options.client;
    this.#bucket = options.bucket;
    this.#partSize = checkRange(
      'partSizeBytes',
      options.partSizeBytes ?? 8 * MiB,
      MIN_PART_BYTES,
      MAX_PART_BYTES,
    );
    this.#queueSize = checkRange('queueSize', options.queueSize ?? 4, 1, 64);
    this.#kmsKeyId = options.kmsKeyId;
    this.#encryption = options.serverSideEncryption ?? (options.kmsKeyId ? 'aws:kms' : 'AES256');
    this.#logger = options.logger ?? silentLogger;
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    assertSafeKey(key);
    let out: HeadObjectCommandOutput;
    try {
      out = await this.#client.send(
        new HeadObjectCommand({ Bucket: this.#bucket, Key: key, ChecksumMode: 'ENABLED' }),
      );
    } catch (error) {
      // HEAD has no body, so S3 cannot say which: a missing bucket is also 'NotFound'.
      if (nameOf(error) === 'NotFound' || statusOf(error) === 404) return undefined;
      throw failed('HeadObject', key, error);
    }
    const sha256 = fullObjectSha256(out);
    return {
      key,
      size: out.ContentLength ?? 0,
      ...(out.LastModified ? { lastModified: out.LastModified } : {}),
      ...(sha256 ? { sha256 } : {}),
    };
  }

  async getStream(key: string): Promise<AsyncIterable<Uint8Array>> {
    const body = (await this.#get(key)).Body;
    if (!(body instanceof Readable)) {
      throw failed('GetObject', key, new TypeError('the response body is not a Node.js stream'));
    }
    return body;
  }

  async getBytes(key: string): Promise<Uint8Array> {
    const out = await this.#get(key);
    try {
      return (await out.Body?.transformToByteArray()) ?? new Uint8Array();
    } catch (error) {
      throw failed('GetObject', key, error);
    }
  }

  async put(key: string, body: string | Uint8Array, options: PutOptions = {}): Promise<{ created: boolean }> {
    assertSafeKey(key);
    const input = { ...this.#writeParams(key, options), Body: toBuffer(body) };
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#client.send(new PutObjectCommand(input));
        return { created: true };
      } catch (error) {
        if (options.ifNoneMatch && isPreconditionFailed(error)) return { created: false };
        if (!(options.ifNoneMatch && isConditionalConflict(error))) throw failed('PutObject', key, error);
        if (attempt >= CONFLICT_ATTEMPTS) throw conflict(key, error);
        await delay(Math.random() * CONFLICT_BASE_DELAY_MS * 2 ** attempt);
      }
    }
  }

  async openWriter(key: string, options: PutOptions = {}): Promise<ObjectWriter> {
    assertSafeKey(key);
    const upload = (body: PassThrough) =>
      new Upload({
        client: this.#client,
        params: { ...this.#writeParams(key, options), Body: body },
        partSize: this.#partSize,
        queueSize: this.#queueSize,
      });
    return new S3ObjectWriter(key, upload, {
      ifNoneMatch: options.ifNoneMatch === true,
      head: () => this.head(key),
      logger: this.#logger,
    });
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    assertSafePrefix(prefix);
    let token: string | undefined;
    do {
      let page: ListObjectsV2CommandOutput;
      try {
        page = await this.#client.send(
          new ListObjectsV2Command({ Bucket: this.#bucket, Prefix: prefix, ContinuationToken: token }),
        );
      } catch (error) {
        throw failed('ListObjectsV2', prefix, error);
      }
      for (const object of page.Contents ?? []) {
        if (object.Key === undefined) continue;
        yield {
          key: object.Key,
          size: object.Size ?? 0,
          ...(object.LastModified ? { lastModified: object.LastModified } : {}),
        };
      }
      token = page.NextContinuationToken;
    } while (token);
  }

  async #get(key: string): Promise<GetObjectCommandOutput> {
    assertSafeKey(key);
    try {
      return await this.#client.send(new GetObjectCommand({ Bucket: this.#bucket, Key: key }));
    } catch (error) {
      // Only NoSuchKey: a missing bucket (NoSuchBucket) is a deployment error, not an absent object.
      if (nameOf(error) === 'NoSuchKey') throw new ObjectNotFoundError(key, { cause: error });
      throw failed('GetObject', key, error);
    }
  }

  #writeParams(key: string, options: PutOptions) {
    return {
      Bucket: this.#bucket,
      Key: key,
      ContentType: options.contentType ?? DEFAULT_CONTENT_TYPE,
      // A single PutObject then records a FULL_OBJECT SHA-256 that head() hands to ingest.
      ChecksumAlgorithm: 'SHA256',
      ServerSideEncryption: this.#encryption,
      ...(this.#encryption === 'aws:kms' && this.#kmsKeyId
        ? { SSEKMSKeyId: this.#kmsKeyId, BucketKeyEnabled: true }
        : {}),
      ...(options.ifNoneMatch ? { IfNoneMatch: '*' } : {}),
    } as const;
  }
}

const WriterState = { open: 'open', closed: 'closed', aborted: 'aborted' } as const;
type WriterState = (typeof WriterState)[keyof typeof WriterState];

/** Resolves when the stream can take more, or is closed and never will. */
const drainedOrClosed = (stream: PassThrough): Promise<void> =>
  new Promise((resolve) => {
    const settle = () => {
      stream.off('drain', settle);
      stream.off('close', settle);
      resolve();
    };
    stream.on('drain', settle);
    stream.on('close', settle);
  });

/**
 * Feeds one lib-storage Upload through a PassThrough. The Upload buffers a part at
 * a time and pulls only when an uploader is free, so awaited writes stall once
 * `queueSize` parts are in flight: memory stays near (queueSize + 1) × partSize.
 */
class S3ObjectWriter implements ObjectWriter {
  readonly #key: string;
  readonly #body = new PassThrough();
  readonly #done: Promise<unknown>;
  readonly #ifNoneMatch: boolean;
  readonly #head: () => Promise<ObjectInfo | undefined>;
  readonly #logger: Logger;
  /** Our own reason for failing the body stream on abort, told apart from real failures. */
  readonly #abortReason = new Error('writer aborted');
  #size = 0;
  #state: WriterState = WriterState.open;
  #failure: unknown;

  constructor(
    key: string,
    upload: (body: PassThrough) => Upload,
    options: { ifNoneMatch: boolean; head: () => Promise<ObjectInfo | undefined>; logger: Logger },
  ) {
    this.#key = key;
    this.#ifNoneMatch = options.ifNoneMatch;
    this.#head = options.head;
    this.#logger = options.logger;
    // The Upload starts now and pulls parts as writes arrive; nothing is sent before a part fills or close().
    this.#done = upload(this.#body).done();
    this.#done.catch((error: unknown) => {
      this.#failure ??= error;
      // Wakes a write waiting for 'drain' that the failed Upload will never give.
      this.#body.destroy();
    });
    // Errors reach callers through #done; this keeps a destroyed body from crashing the process.
    this.#body.on('error', () => {});
  }

  async write(chunk: string | Uint8Array): Promise<void> {
    this.#assertWritable('write');
    const bytes = toBuffer(chunk);
    this.#size += bytes.byteLength;
    if (!this.#body.write(bytes)) await drainedOrClosed(this.#body);
    this.#assertWritable('write');
  }

  async close(): Promise<ObjectInfo> {
    this.#assertWritable('close');
    this.#state = WriterState.closed;
    this.#body.end();
    try {
      await this.#done;
    } catch (error) {
      if (this.#ifNoneMatch && isPreconditionFailed(error)) {
        // Lost a create-only race: describe the object that was already there, as the local store does.
        const existing = await this.#head();
        if (existing) return { key: this.#key, size: existing.size, lastModified: existing.lastModified };
      }
      if (this.#ifNoneMatch && isConditionalConflict(error)) throw conflict(this.#key, error);
      throw failed('upload of', this.#key, error);
    }
    return { key: this.#key, size: this.#size };
  }

  async abort(): Promise<void> {
    if (this.#state !== WriterState.open) return;
    this.#state = WriterState.aborted;
    // Already failed: lib-storage has aborted the multipart upload itself.
    if (this.#failure !== undefined) return;
    // Failing the body makes the Upload stop, wait for parts in flight, then send AbortMultipartUpload.
    this.#body.destroy(this.#abortReason);
    const outcome = await this.#done.then(
      () => undefined,
      (error: unknown) => error,
    );
    if (outcome !== undefined && outcome !== this.#abortReason) {
      // Nothing became visible, so the port's promise holds; the parts cost storage until
      // the bucket's AbortIncompleteMultipartUpload lifecycle rule removes them.
      this.#logger.warn('multipart upload not aborted', {
        key: this.#key,
        error: errorMessage(outcome),
      });
    }
  }

  #assertWritable(action: string): void {
    if (this.#state !== WriterState.open) {
      throw new SluiceError(
        'STORE.WRITER_CLOSED',
        `cannot ${action} ${this.#key}: the writer is ${this.#state}`,
      );
    }
    if (this.#failure !== undefined) throw failed('upload of', this.#key, this.#failure);
  }
}
