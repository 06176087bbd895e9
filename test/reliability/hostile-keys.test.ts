/**
 * Hostile object keys (issue 9, item 5): traversal spelled plainly, percent-encoded,
 * double-encoded or with NUL, through S3 event decoding, the ingest handler on
 * emulated AWS and the local folder store; and an ordinary key with spaces and '+'
 * ingested end to end against s3rver.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { assertSafeKey, decodeS3EventKey } from '../../src/adapters/object-keys.js';
import { InvalidKeyError } from '../../src/core/errors.js';
import { ohlcvCsv, randomWalkMarket } from '../helpers/analysis-fixtures.js';
import { lambdaContext, s3NotificationEvent, s3ObjectCreatedEvent } from '../helpers/aws-events.js';
import { type AwsTestbed, startAwsTestbed } from '../helpers/aws-testbed.js';
import { makeTestPorts, type TestPorts } from '../helpers/local-ports.js';
import { UNSAFE_KEYS } from '../ports/object-store.contract.js';
import { startHarness } from './harness.js';

/** Keys as they arrive in an event: each decodes (or not) to something outside inputs/. */
const HOSTILE_EVENT_KEYS = [
  'inputs/../secret.csv',
  'inputs/..%2fsecret.csv',
  'inputs/%2e%2e%2fsecret.csv',
  'inputs/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd',
  'inputs/%252e%252e%252fsecret.csv',
  'inputs/a%00b.csv',
  'inputs/a\u0000b.csv',
  'inputs/a%5c..%5csecret.csv',
  'inputs/bad%E0%A4%A.csv',
  'inputs//double-slash.csv',
] as const;

const isRefused = (key: string): boolean => {
  try {
    assertSafeKey(decodeS3EventKey(key));
    return false;
  } catch (error) {
    return error instanceof InvalidKeyError;
  }
};

describe('S3 event key decoding and the key rules', () => {
  it.each(HOSTILE_EVENT_KEYS.map((key) => [JSON.stringify(key), key]))(
    'refuses %s with STORE.INVALID_KEY once decoded',
    (_label, key) => {
      expect(isRefused(key)).toBe(true);
    },
  );

  it('never lets a decoded key climb out of the store, whatever the encoded key', () => {
    const piece = fc.constantFrom(
      '..',
      '.',
      '%2e',
      '%2E',
      '%2f',
      '%25',
      '%00',
      '/',
      '\\',
      '+',
      'a',
      ' ',
      '%5c',
    );
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 12 }).map((p) => `inputs/${p.join('')}`),
        (key) => {
          let decoded: string;
          try {
            decoded = decodeS3EventKey(key);
            assertSafeKey(decoded);
          } catch (error) {
            expect(error).toBeInstanceOf(InvalidKeyError);
            return;
          }
          const root = path.resolve('/store');
          expect(path.resolve(root, decoded).startsWith(`${root}${path.sep}`)).toBe(true);
          expect(decoded.split('/')).not.toContain('..');
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('the local folder store', () => {
  let ports: TestPorts;
  beforeAll(async () => {
    ports = await makeTestPorts();
  });
  afterAll(() => ports.cleanup());

  it.each(UNSAFE_KEYS.map((key) => [JSON.stringify(key), key]))(
    'refuses to write, read or head %s and writes nothing outside its folder',
    async (_label, key) => {
      await expect(ports.store.put(key, 'x')).rejects.toThrow(InvalidKeyError);
      await expect(ports.store.head(key)).rejects.toThrow(InvalidKeyError);
      await expect(ports.store.getStream(key)).rejects.toThrow(InvalidKeyError);
      expect(existsSync(path.join(ports.root, '..', 'outside.txt'))).toBe(false);
    },
  );

  it('ingests a key with spaces, plus signs and non-ASCII as the same key', async () => {
    const harness = await startHarness();
    try {
      const key = 'inputs/my prices + more (ünïcødé).csv';
      const { manifest } = await harness.ingest(ohlcvCsv(randomWalkMarket(['AAPL'], 5)), { key });
      expect(manifest).toMatchObject({ status: 'ingested', input: { key }, counts: { valid: 5 } });
    } finally {
      await harness.cleanup();
    }
  });
});

describe('the ingest handler on emulated AWS', () => {
  let testbed: AwsTestbed;
  beforeAll(async () => {
    testbed = await startAwsTestbed({ busName: 'sluice-reliability', mailTo: 'ops@example.com' });
  });
  afterAll(() => testbed.stop());

  async function loadIngest() {
    vi.resetModules();
    return (await import('../../src/handlers/ingest.js')).handler;
  }

  it('refuses every hostile key once, with a rejected manifest and one IngestRejected, without throwing', async () => {
    const ingest = await loadIngest();
    for (const key of HOSTILE_EVENT_KEYS) {
      const bridged = await ingest(s3ObjectCreatedEvent(testbed.s3.bucket, key), lambdaContext());
      const notified = await ingest(s3NotificationEvent(testbed.s3.bucket, key), lambdaContext());
      const refused = { key, outcome: 'refused', status: 'rejected', id: expect.any(String) };
      expect([bridged.results, notified.results]).toEqual([[refused], [refused]]);
      // The id is the key's: the second delivery of the same key finds the first one's manifest.
      expect(notified.results[0]?.id).toBe(bridged.results[0]?.id);
    }
    // A retry would only refuse the key again, so each is announced once and nothing else is published.
    expect(testbed.events.accepted.map((e) => e.DetailType)).toEqual(
      HOSTILE_EVENT_KEYS.map(() => 'IngestRejected'),
    );
  });

  it('ingests an object whose key holds spaces and "+" from either event, end to end', async () => {
    const key = 'inputs/my prices + more.csv';
    await testbed.s3Client.send(
      new PutObjectCommand({
        Bucket: testbed.s3.bucket,
        Key: key,
        Body: ohlcvCsv(randomWalkMarket(['MSFT'], 8)),
      }),
    );
    const ingest = await loadIngest();
    // S3 notifications form-encode keys ('+' for a space, '%2B' for '+'); EventBridge may or may not.
    const formEncoded = 'inputs/my+prices+%2B+more.csv';
    const notified = await ingest(s3NotificationEvent(testbed.s3.bucket, formEncoded), lambdaContext());
    const bridgedEncoded = await ingest(
      s3ObjectCreatedEvent(testbed.s3.bucket, formEncoded),
      lambdaContext(),
    );
    const bridgedRaw = await ingest(s3ObjectCreatedEvent(testbed.s3.bucket, key), lambdaContext());
    expect(notified.results[0]).toMatchObject({ key, outcome: 'processed', status: 'ingested' });
    // The same bytes again: the stored manifest comes back, nothing is processed twice.
    expect(bridgedEncoded.results[0]).toMatchObject({ key, outcome: 'duplicate', status: 'ingested' });
    expect(bridgedRaw.results[0]).toMatchObject({ key, outcome: 'duplicate', status: 'ingested' });
    const completed = testbed.events.accepted.filter((e) => e.DetailType === 'IngestCompleted');
    expect(completed).toHaveLength(1);
    expect(JSON.parse(completed[0]?.Detail ?? '{}')).toMatchObject({ inputKey: key, counts: { valid: 8 } });
  });
});
