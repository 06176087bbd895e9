import { createHash } from 'node:crypto';
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type S3Emulator, startS3Emulator } from '../../../test/helpers/emulators.js';
import { type ScriptedReply, startScriptedServer } from '../../../test/helpers/scripted-server.js';
import { describeObjectStore } from '../../../test/ports/object-store.contract.js';
import type { Logger, ObjectStore } from '../../core/ports.js';
import { fullObjectSha256, S3ObjectStore, type S3ObjectStoreOptions } from './object-store.s3.js';

const MiB = 1024 * 1024;

let s3: S3Emulator;

beforeAll(async () => {
  s3 = await startS3Emulator();
});

afterAll(async () => {
  await s3?.stop();
});

// s3rver 3.7.1 ignores If-None-Match on PutObject and CompleteMultipartUpload, and lists
// in directory-walk order ('a/1.txt' before 'a-side.txt') rather than S3's UTF-8 byte
// order. The adapter is written for real S3 (no emulation); those contract tests run only
// where the capability exists, and the 412/409 handling is tested against scripted replies below.
describeObjectStore(
  'S3ObjectStore on s3rver',
  async () => {
    const bucket = await s3.createBucket();
    // A bucket per test keeps tests apart; s3rver's files go when the emulator stops.
    return { store: new S3ObjectStore({ client: s3.client(), bucket }), cleanup: async () => {} };
  },
  { conditionalWrites: false, byteOrderedListing: false },
);

const collect = async <T>(items: AsyncIterable<T>): Promise<T[]> => {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
};

const readAll = async (stream: AsyncIterable<Uint8Array>): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
};

const sha256 = (bytes: Uint8Array | string): string => createHash('sha256').update(bytes).digest('hex');

interface SentRequest {
  readonly command: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** Records each command the client sends with its final (signed) headers; `hold` can delay a command. */
function recordRequests(client: S3Client, hold?: (command: string) => Promise<void>): SentRequest[] {
  const sent: SentRequest[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = String(context.commandName);
      await hold?.(command);
      const headers = (args.request as { headers?: Record<string, string> }).headers ?? {};
      sent.push({ command, headers: { ...headers } });
      return next(args);
    },
    { step: 'deserialize', name: 'recordRequests' },
  );
  return sent;
}

const commandsOf = (sent: readonly SentRequest[]): string[] => sent.map((request) => request.command);

async function storeOnEmulator(
  options: Partial<S3ObjectStoreOptions> = {},
  hold?: (command: string) => Promise<void>,
): Promise<{ store: S3ObjectStore; sent: SentRequest[] }> {
  const client = s3.client();
  const sent = recordRequests(client, hold);
  const bucket = await s3.createBucket();
  return { store: new S3ObjectStore({ client, bucket, ...options }), sent };
}

describe('S3ObjectStore on s3rver', () => {
  it('round-trips keys with spaces, plus signs and non-ASCII characters', async () => {
    const { store } = await storeOnEmulator();
    const keys = ['inputs/my prices 2024.json', 'inputs/c++ & a+b=c.csv', 'inputs/ünïcødé/文件 €.csv'];
    for (const key of keys) await store.put(key, `body of ${key}`);
    for (const key of keys) {
      expect(Buffer.from(await store.getBytes(key)).toString('utf8')).toBe(`body of ${key}`);
      expect(await store.head(key)).toMatchObject({ key, size: Buffer.byteLength(`body of ${key}`) });
    }
    expect((await collect(store.list('inputs/'))).map((info) => info.key).sort()).toEqual([...keys].sort());
  });

  it('uploads a large streamed object in parts of the configured size, visible only at close', async () => {
    const { store, sent } = await storeOnEmulator({ partSizeBytes: 5 * MiB, queueSize: 2 });
    const writer = await store.openWriter('processed/ds/large.jsonl', {
      contentType: 'application/x-ndjson',
    });
    const chunk = Buffer.alloc(256 * 1024, 'sluice-multipart-');
    const hash = createHash('sha256');
    for (let i = 0; i < 68; i++) {
      await writer.write(chunk);
      hash.update(chunk);
    }
    expect(await store.head('processed/ds/large.jsonl')).toBeUndefined();

    const info = await writer.close();

    expect(info).toMatchObject({ key: 'processed/ds/large.jsonl', size: 17 * MiB });
    const commands = commandsOf(sent);
    expect(commands.filter((c) => c === 'CreateMultipartUploadCommand')).toHaveLength(1);
    expect(commands.filter((c) => c === 'UploadPartCommand')).toHaveLength(4);
    expect(commands.filter((c) => c === 'CompleteMultipartUploadCommand')).toHaveLength(1);
    expect(commands).not.toContain('PutObjectCommand');
    const back = await readAll(await store.getStream('processed/ds/large.jsonl'));
    expect(sha256(back)).toBe(hash.digest('hex'));
  });

  it('holds writes back while every uploader is busy, so memory stays bounded', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let partRequested!: () => void;
    const requested = new Promise<void>((resolve) => {
      partRequested = resolve;
    });
    const { store } = await storeOnEmulator({ partSizeBytes: 5 * MiB, queueSize: 1 }, async (command) => {
      if (command !== 'UploadPartCommand') return;
      partRequested();
      await gate;
    });
    const writer = await store.openWriter('processed/ds/slow.bin');
    const chunk = Buffer.alloc(64 * 1024, 1);
    let written = 0;
    const writing = (async () => {
      while (written < 12 * MiB) {
        await writer.write(chunk);
        written += chunk.length;
      }
    })();
    // Part 1 goes out only once more than 5 MiB was written; then its upload is held.
    await requested;
    await new Promise((resolve) => setTimeout(resolve, 300));
    const writtenWhileHeld = written;
    release();
    await writing;
    await writer.close();

    // The held part plus the stream buffers, not the whole 12 MiB.
    expect(writtenWhileHeld).toBeGreaterThanOrEqual(5 * MiB);
    expect(writtenWhileHeld).toBeLessThan(6 * MiB);
    expect((await store.head('processed/ds/slow.bin'))?.size).toBe(12 * MiB);
  });

  it('aborts a multipart upload on abort, leaving nothing at the key', async () => {
    const { store, sent } = await storeOnEmulator({ partSizeBytes: 5 * MiB });
    const writer = await store.openWriter('processed/ds/dropped.jsonl');
    const chunk = Buffer.alloc(512 * 1024, 'x');
    for (let i = 0; i < 12; i++) await writer.write(chunk);
    await vi.waitFor(() => expect(commandsOf(sent)).toContain('UploadPartCommand'));

    await writer.abort();

    const abort = sent.find((request) => request.command === 'AbortMultipartUploadCommand');
    expect(abort).toBeDefined();
    expect(commandsOf(sent)).not.toContain('CompleteMultipartUploadCommand');
    expect(await store.head('processed/ds/dropped.jsonl')).toBeUndefined();
    expect(await collect(store.list(''))).toEqual([]);
    await expect(writer.write('late')).rejects.toMatchObject({ code: 'STORE.WRITER_CLOSED' });
  });

  it('resolves abort and warns when S3 refuses to abort the multipart upload', async () => {
    // s3rver answers AbortMultipartUpload with 405 MethodNotAllowed: the parts stay behind
    // (on S3, until the bucket's AbortIncompleteMultipartUpload rule), nothing is visible.
    const warn = vi.fn();
    const logger: Logger = { debug() {}, info() {}, warn, error() {}, child: () => logger };
    const { store } = await storeOnEmulator({ partSizeBytes: 5 * MiB, logger });
    const writer = await store.openWriter('processed/ds/left.jsonl');
    for (let i = 0; i < 6; i++) await writer.write(Buffer.alloc(MiB, 'y'));

    await writer.abort();

    expect(warn).toHaveBeenCalledWith(
      'multipart upload not aborted',
      expect.objectContaining({ key: 'processed/ds/left.jsonl' }),
    );
    expect(await store.head('processed/ds/left.jsonl')).toBeUndefined();
  });

  it('fails pending and later writes instead of hanging when the upload fails', async () => {
    const missing = new S3ObjectStore({
      client: s3.client(),
      bucket: 'no-such-bucket',
      partSizeBytes: 5 * MiB,
    });
    const writer = await missing.openWriter('processed/ds/x.bin');
    const chunk = Buffer.alloc(MiB, 'z');
    const failure = await (async () => {
      for (let i = 0; i < 64; i++) await writer.write(chunk);
    })().catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'STORE.FAILED', cause: { name: 'NoSuchBucket' } });
    await expect(writer.close()).rejects.toMatchObject({ code: 'STORE.FAILED' });
    await expect(writer.abort()).resolves.toBeUndefined();
  });

  it('sends a SHA-256 checksum, encryption, content type and If-None-Match on a create-only put', async () => {
    const { store, sent } = await storeOnEmulator();
    await store.put('inputs/api/x.json', '{"a":1}', { contentType: 'application/json', ifNoneMatch: true });
    const put = sent.find((request) => request.command === 'PutObjectCommand');
    expect(put?.headers).toMatchObject({
      'x-amz-checksum-sha256': createHash('sha256').update('{"a":1}').digest('base64'),
      'x-amz-server-side-encryption': 'AES256',
      'content-type': 'application/json',
      'if-none-match': '*',
    });
  });

  it('sends no If-None-Match on an ordinary put, and SSE-KMS when configured', async () => {
    const { store, sent } = await storeOnEmulator({ serverSideEncryption: 'aws:kms' });
    await store.put('processed/x.jsonl', 'row\n');
    const put = sent.find((request) => request.command === 'PutObjectCommand');
    expect(put?.headers['if-none-match']).toBeUndefined();
    expect(put?.headers['x-amz-server-side-encryption']).toBe('aws:kms');
    expect(put?.headers['content-type']).toBe('application/octet-stream');
  });

  it("names the bucket's customer-managed key, with a bucket key, on every write when given one", async () => {
    const keyArn = 'arn:aws:kms:us-east-1:111111111111:key/0000aaaa-bb11-cc22-dd33-eeeeee444444';
    const { store, sent } = await storeOnEmulator({ kmsKeyId: keyArn });
    await store.put('manifests/x.json', '{}');
    const writer = await store.openWriter('processed/x.jsonl');
    await writer.write('row\n');
    await writer.close();
    const writes = sent.filter((r) =>
      ['PutObjectCommand', 'CreateMultipartUploadCommand'].includes(r.command),
    );
    expect(writes.length).toBeGreaterThanOrEqual(2);
    for (const write of writes) {
      expect(write.headers).toMatchObject({
        'x-amz-server-side-encryption': 'aws:kms',
        'x-amz-server-side-encryption-aws-kms-key-id': keyArn,
        'x-amz-server-side-encryption-bucket-key-enabled': 'true',
      });
    }
  });

  it('asks HeadObject for checksums', async () => {
    const { store, sent } = await storeOnEmulator();
    await store.put('inputs/x.csv', 'a,b\n');
    await store.head('inputs/x.csv');
    const head = sent.find((request) => request.command === 'HeadObjectCommand');
    expect(head?.headers['x-amz-checksum-mode']).toBe('ENABLED');
  });

  it('refuses options outside S3 limits with the range and the value given', () => {
    const client = s3.client();
    expect(() => new S3ObjectStore({ client, bucket: 'b', partSizeBytes: MiB })).toThrow(
      'partSizeBytes must be an integer between 5242880 and 5368709120 inclusive (given 1048576)',
    );
    expect(() => new S3ObjectStore({ client, bucket: 'b', queueSize: 0 })).toThrow(/queueSize/);
    expect(() => new S3ObjectStore({ client, bucket: ' ' })).toThrow(/bucket/);
  });
});

describe('fullObjectSha256', () => {
  // s3rver stores no checksums, so head() never sees one there: the parsing is tested here.
  const digest = createHash('sha256').update('hello').digest();

  it('turns a FULL_OBJECT base64 SHA-256 into hex', () => {
    expect(fullObjectSha256({ ChecksumSHA256: digest.toString('base64'), ChecksumType: 'FULL_OBJECT' })).toBe(
      sha256('hello'),
    );
  });

  it('ignores a COMPOSITE checksum, which hashes part hashes rather than the bytes', () => {
    expect(
      fullObjectSha256({ ChecksumSHA256: `${digest.toString('base64')}-3`, ChecksumType: 'COMPOSITE' }),
    ).toBeUndefined();
  });

  it('ignores a missing checksum, type or malformed value', () => {
    expect(fullObjectSha256({ ChecksumType: 'FULL_OBJECT' })).toBeUndefined();
    expect(fullObjectSha256({ ChecksumSHA256: digest.toString('base64') })).toBeUndefined();
    expect(fullObjectSha256({ ChecksumSHA256: 'c2hvcnQ=', ChecksumType: 'FULL_OBJECT' })).toBeUndefined();
  });
});

describe('S3ObjectStore against scripted S3 answers', () => {
  const s3Error = (status: number, code: string): ScriptedReply => ({
    kind: 'reply',
    status,
    headers: { 'content-type': 'application/xml' },
    body: `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${code}</Message><RequestId>r</RequestId></Error>`,
  });
  const ok: ScriptedReply = { kind: 'reply', status: 200, headers: { etag: '"e"' }, body: '' };

  async function scripted(
    ...replies: ScriptedReply[]
  ): Promise<{ store: ObjectStore; close(): Promise<void> }> {
    const server = await startScriptedServer('http1');
    server.enqueue(...replies);
    const client = new S3Client({
      region: 'us-east-1',
      endpoint: server.url,
      forcePathStyle: true,
      credentials: { accessKeyId: 'AKIAFAKEFORTESTS', secretAccessKey: 'fake' },
      maxAttempts: 1,
    });
    return {
      store: new S3ObjectStore({ client, bucket: 'bucket' }),
      close: async () => {
        client.destroy();
        await server.close();
      },
    };
  }

  // Real S3 behaviour s3rver lacks: a create-only put that finds an object gets 412.
  it('reports created false when S3 answers 412 PreconditionFailed', async () => {
    const { store, close } = await scripted(s3Error(412, 'PreconditionFailed'));
    try {
      expect(await store.put('inputs/x.json', 'x', { ifNoneMatch: true })).toEqual({ created: false });
    } finally {
      await close();
    }
  });

  it('retries a 409 ConditionalRequestConflict until S3 decides', async () => {
    const { store, close } = await scripted(
      s3Error(409, 'ConditionalRequestConflict'),
      s3Error(409, 'ConditionalRequestConflict'),
      ok,
    );
    try {
      expect(await store.put('inputs/x.json', 'x', { ifNoneMatch: true })).toEqual({ created: true });
    } finally {
      await close();
    }
  });

  it('gives up with STORE.CONFLICT when the conflict persists', async () => {
    const { store, close } = await scripted(
      ...Array.from({ length: 5 }, () => s3Error(409, 'ConditionalRequestConflict')),
    );
    try {
      await expect(store.put('inputs/x.json', 'x', { ifNoneMatch: true })).rejects.toMatchObject({
        code: 'STORE.CONFLICT',
      });
    } finally {
      await close();
    }
  });

  it('translates other failures to STORE.FAILED with the provider error as cause', async () => {
    const { store, close } = await scripted(s3Error(403, 'AccessDenied'), s3Error(404, 'NoSuchBucket'));
    try {
      const denied = await store.put('inputs/x.json', 'x').catch((error: unknown) => error);
      expect(denied).toMatchObject({ code: 'STORE.FAILED', cause: { name: 'AccessDenied' } });
      // A missing bucket is a deployment error, not a missing object.
      await expect(store.getBytes('inputs/x.json')).rejects.toMatchObject({ code: 'STORE.FAILED' });
    } finally {
      await close();
    }
  });
});
