import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestPorts, type TestPorts } from '../../../test/helpers/local-ports.js';
import { API_ERRORS, ApiError, acceptUpload, type UploadRequest } from './accept-upload.js';

const MAX = 2000;
const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('acceptUpload', () => {
  let ports: TestPorts;
  beforeAll(async () => {
    ports = await makeTestPorts();
  });
  afterAll(async () => {
    await ports.cleanup();
  });

  const accept = (request: UploadRequest) => acceptUpload(ports.store, request, { maxBytes: MAX });

  it('stores raw bytes and API Gateway base64 text under the same key', async () => {
    const csv = 'symbol,datetime,open,high,low,close,volume\nAAPL,2026-01-05,1,2,0.5,1.5,100\n';
    const raw = await accept({
      headers: { 'Content-Type': 'text/csv' },
      query: {},
      body: new TextEncoder().encode(csv),
    });
    const encoded = await accept({
      headers: { 'content-type': 'text/csv' },
      query: {},
      body: { text: Buffer.from(csv).toString('base64'), base64: true },
    });
    expect(encoded).toEqual({ ...raw, created: false });
    expect(raw.key).toBe(`inputs/api/${raw.id}.csv`);
    expect(new TextDecoder().decode(await ports.store.getBytes(raw.key))).toBe(csv);
  });

  it('either stores the body under its SHA-256 or refuses it with an API error, for any request', async () => {
    const contentType = fc.constantFrom(
      'application/json',
      'text/csv; charset=utf-8',
      'application/gzip',
      'text/plain',
      '',
    );
    const dataset = fc.option(fc.constantFrom('ohlcv-csv', 'health-vitals', 'nope', ' ', 'x'.repeat(80)), {
      nil: undefined,
    });
    const body = fc.oneof(
      fc.uint8Array({ maxLength: 64 }),
      fc.string({ maxLength: 64 }).map((s) => new TextEncoder().encode(s)),
      fc.json().map((s) => new TextEncoder().encode(s)),
      fc.constant(new Uint8Array(MAX + 1)),
    );
    await fc.assert(
      fc.asyncProperty(contentType, dataset, body, async (type, name, bytes) => {
        try {
          const upload = await accept({
            headers: { 'content-type': type },
            query: { dataset: name },
            body: bytes,
          });
          expect(upload.id).toBe(sha(bytes));
          expect(upload.key.endsWith(`${upload.id}.${upload.key.split('.').pop()}`)).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(ApiError);
          const { code, status } = error as ApiError;
          expect(API_ERRORS[code as keyof typeof API_ERRORS]).toBe(status);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('accepts JSON nested past the parse limit for ingest to refuse, and refuses broken JSON at once', async () => {
    const deep = new TextEncoder().encode(`${'['.repeat(900)}${']'.repeat(900)}`);
    const upload = await accept({ headers: { 'content-type': 'application/json' }, query: {}, body: deep });
    expect(upload.id).toBe(sha(deep));
    await expect(
      accept({
        headers: { 'content-type': 'application/json' },
        query: {},
        body: new TextEncoder().encode('{"a":'),
      }),
    ).rejects.toMatchObject({ code: 'API.INVALID_BODY' });
  });
});
