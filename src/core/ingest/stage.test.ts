import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openFileDescriptors } from '../../../test/helpers/files.js';
import { makeTestPorts, type TestPorts } from '../../../test/helpers/local-ports.js';
import { IngestCompletedSchema } from '../events.js';
import { keys } from '../keys.js';
import type { ObjectStore } from '../ports.js';
import { ManifestSchema } from './manifest.js';
import { DEFAULT_INGEST_OPTIONS, type IngestOptions, ingestObject } from './stage.js';

const bar = (datetime: string, close = '10.5', extra: Record<string, unknown> = {}) => ({
  datetime,
  open: '10.0',
  high: '11.0',
  low: '9.5',
  close,
  volume: '1200',
  ...extra,
});

const timeSeries = (symbol: string, values: unknown[]) => ({
  meta: { symbol, interval: '1day', currency: 'USD', exchange: 'NASDAQ', type: 'Common Stock' },
  values,
  status: 'ok',
});

const twoSymbols = JSON.stringify({
  AAPL: timeSeries('AAPL', [bar('2024-01-03'), bar('2024-01-02'), bar('2024-01-02'), bar('2024-02-30')]),
  MSFT: timeSeries('MSFT', [bar('2024-01-03', '10.75'), bar('2024-01-02', 'abc')]),
  BAD: { code: 400, message: '**symbol** not found: BAD', status: 'error' },
});

async function lines(store: ObjectStore, key: string): Promise<Record<string, unknown>[]> {
  const text = new TextDecoder().decode(await store.getBytes(key));
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('ingest stage', () => {
  let ports: TestPorts;
  beforeEach(async () => {
    ports = await makeTestPorts();
  });
  afterEach(async () => {
    await ports.cleanup();
  });

  const ingest = (
    key: string,
    extra: Partial<Parameters<typeof ingestObject>[1]> = {},
    options?: IngestOptions,
  ) => ingestObject(ports, { key, requestId: 'req-1', ...extra }, options);

  it('splits a Twelve Data file into normalized valid rows and rejects with every reason', async () => {
    await ports.store.put('inputs/prices.json', twoSymbols);
    const { outcome, manifest } = await ingest('inputs/prices.json');
    expect(outcome).toBe('processed');
    expect(manifest?.status).toBe('ingested');
    expect(manifest?.dataset).toBe('twelvedata-ohlcv');
    expect(manifest?.counts).toMatchObject({ total: 7, valid: 3, rejected: 4 });
    expect(manifest?.counts.reasons).toEqual({
      duplicate_row: 1,
      invalid_date: 1,
      not_a_number: 1,
      source_error: 1,
    });
    expect(manifest?.counts.groups.AAPL).toEqual({
      total: 4,
      valid: 2,
      rejected: 2,
      reasons: { duplicate_row: 1, invalid_date: 1 },
    });
    const valid = await lines(ports.store, manifest?.outputs.processed as string);
    expect(valid[0]).toEqual({
      symbol: 'AAPL',
      datetime: '2024-01-03',
      open: 10,
      high: 11,
      low: 9.5,
      close: 10.5,
      volume: 1200,
      interval: '1day',
    });
    const rejected = await lines(ports.store, manifest?.outputs.rejects as string);
    const sourceError = rejected.find((r) => r.group === 'BAD');
    expect(sourceError?.reasons).toEqual([
      expect.objectContaining({ code: 'source_error', message: expect.stringContaining('not found: BAD') }),
    ]);
    expect(rejected.find((r) => r.group === 'MSFT')?.raw).toEqual(bar('2024-01-02', 'abc'));
  });

  it('writes the manifest and publishes one valid IngestCompleted with the correlation id', async () => {
    await ports.store.put('inputs/prices.json', twoSymbols);
    const { manifest } = await ingest('inputs/prices.json');
    const stored = ManifestSchema.parse(
      JSON.parse(new TextDecoder().decode(await ports.store.getBytes(keys.manifest(manifest?.id as string)))),
    );
    expect(stored).toEqual(manifest);
    expect(ports.bus.published).toHaveLength(1);
    const event = ports.bus.published[0];
    expect(event?.detailType).toBe('IngestCompleted');
    const detail = IngestCompletedSchema.parse(event?.detail);
    expect(detail.correlationId).toBe(`${manifest?.id}:req-1`);
    expect(detail.counts).toEqual({ total: 7, valid: 3, rejected: 4 });
  });

  it('puts every row in exactly one of processed and rejects', async () => {
    const values = Array.from({ length: 300 }, (_, i) => {
      const day = new Date(Date.UTC(2020, 0, 1) + i * 86_400_000).toISOString().slice(0, 10);
      return i % 7 === 0 ? bar(day, '-1') : i % 11 === 0 ? bar('2020-13-01') : bar(day);
    });
    await ports.store.put('inputs/big.json', JSON.stringify(timeSeries('IBM', values)));
    const { manifest } = await ingest('inputs/big.json');
    const valid = await lines(ports.store, manifest?.outputs.processed as string);
    const rejected = await lines(ports.store, manifest?.outputs.rejects as string);
    expect(valid.length + rejected.length).toBe(300);
    expect(manifest?.counts.total).toBe(300);
    const rejectedIndexes = new Set(rejected.map((r) => r.index));
    expect(rejectedIndexes.size).toBe(rejected.length);
  });

  it('returns the stored manifest and publishes nothing when the same bytes come again', async () => {
    await ports.store.put('inputs/a.json', twoSymbols);
    await ports.store.put('inputs/copy-of-a.json', twoSymbols);
    const first = await ingest('inputs/a.json');
    const again = await ingest('inputs/copy-of-a.json', { requestId: 'req-2' });
    expect(again.outcome).toBe('duplicate');
    expect(again.manifest).toEqual(first.manifest);
    expect(ports.bus.published).toHaveLength(1);
  });

  it('reprocesses and publishes again when forced', async () => {
    await ports.store.put('inputs/a.json', twoSymbols);
    await ingest('inputs/a.json');
    const forced = await ingest('inputs/a.json', { requestId: 'req-2', force: true });
    expect(forced.outcome).toBe('processed');
    expect(forced.manifest?.requestId).toBe('req-2');
    expect(ports.bus.published).toHaveLength(2);
  });

  it('leaves a live claim alone and takes over one whose holder crashed once it expires', async () => {
    await ports.store.put('inputs/a.json', twoSymbols);
    const crashed = await ports.anotherState().claim(`ingest#${await sha(twoSymbols)}`, {
      owner: 'ingest:crashed',
      now: ports.clock.now(),
      ttlMs: DEFAULT_INGEST_OPTIONS.claimTtlMs,
    });
    expect(crashed.acquired).toBe(true);
    expect((await ingest('inputs/a.json')).outcome).toBe('in_progress');
    expect(ports.bus.published).toHaveLength(0);
    ports.clock.advance(DEFAULT_INGEST_OPTIONS.claimTtlMs + 1);
    const retried = await ingest('inputs/a.json', { requestId: 'req-3' });
    expect(retried.outcome).toBe('processed');
    expect(ports.bus.published).toHaveLength(1);
  });

  it('reads gzip inputs transparently', async () => {
    await ports.store.put('inputs/prices.json.gz', gzipSync(twoSymbols));
    const { manifest } = await ingest('inputs/prices.json.gz');
    expect(manifest?.status).toBe('ingested');
    expect(manifest?.input.gzip).toBe(true);
    expect(manifest?.counts.valid).toBe(3);
  });

  it('honours a dataset forced by the key prefix and refuses content that does not fit it', async () => {
    await ports.store.put('inputs/health-vitals/x.json', twoSymbols);
    const { manifest } = await ingest('inputs/health-vitals/x.json');
    expect(manifest?.status).toBe('rejected');
    expect(manifest?.reason?.code).toBe('dataset_mismatch');
  });

  const refused: ReadonlyArray<[string, string | Uint8Array, string, Partial<IngestOptions>?]> = [
    ['an empty file', '', 'empty_file'],
    ['a file of white space', '  \n\t\n', 'empty_file'],
    ['a CSV with only its header', 'symbol,datetime,open,high,low,close,volume\n', 'empty_file'],
    ['binary content', new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 1, 2, 3]), 'unsupported_format'],
    ['an unknown CSV header', 'a,b,c\n1,2,3\n', 'unknown_dataset'],
    ['truncated JSON', twoSymbols.slice(0, twoSymbols.length - 40), 'truncated_json'],
    [
      'broken UTF-8 (UTF-8 text, then a bad byte)',
      new Uint8Array([...new TextEncoder().encode('symbol,datetime é\n'), 0xc3, 0x28]),
      'invalid_utf8',
    ],
    ['UTF-16 text', new Uint8Array([0xff, 0xfe, 0x7b, 0x00, 0x7d, 0x00]), 'invalid_utf8'],
    ['a file of 100 KiB of white space before its content', `${' '.repeat(100_000)}{}`, 'unknown_dataset'],
    ['a file over the size limit', twoSymbols, 'too_large', { maxBytes: 100 }],
    [
      'a gzip bomb',
      gzipSync(
        `symbol,datetime,open,high,low,close,volume\n${'AAPL,2024-01-02,1,1,1,1,1\n'.repeat(200_000)}`,
      ),
      'decompressed_too_large',
      { maxBytes: 1_000_000 },
    ],
    ['corrupt gzip', new Uint8Array([0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6, 7, 8]), 'invalid_gzip'],
    ['a file with no valid row', JSON.stringify(timeSeries('X', [bar('nope')])), 'no_valid_rows'],
    [
      'a response whose every block failed',
      JSON.stringify({ code: 401, message: 'bad key', status: 'error' }),
      'all_blocks_failed',
    ],
  ];

  it.each(refused)('refuses %s with a manifest that says why', async (_name, body, code, options) => {
    await ports.store.put('inputs/bad', body);
    const { outcome, manifest } = await ingest('inputs/bad', {}, { ...DEFAULT_INGEST_OPTIONS, ...options });
    expect(outcome).toBe('processed');
    expect(manifest?.status).toBe('rejected');
    expect(manifest?.reason?.code).toBe(code);
    expect(manifest?.reason?.message.length).toBeGreaterThan(10);
    expect(ports.bus.published.map((e) => e.detailType)).toEqual(['IngestRejected']);
    const listed: string[] = [];
    for await (const o of ports.store.list('processed/')) listed.push(o.key);
    expect(listed).toEqual([]);
  });

  it.runIf(openFileDescriptors() !== undefined)(
    'closes the input file when it refuses the content',
    async () => {
      const openFds = () => openFileDescriptors() as number;
      await ports.store.put('inputs/unknown.csv', `a,b,c\n${'1,2,3\n'.repeat(50_000)}`);
      // The first run opens what stays open by design (the SQLite file, its WAL).
      await ingest('inputs/unknown.csv', { requestId: 'warm-up', force: true });
      const before = openFds();
      for (let i = 0; i < 20; i++) {
        const { manifest } = await ingest('inputs/unknown.csv', { requestId: `r-${i}`, force: true });
        expect(manifest?.reason?.code).toBe('unknown_dataset');
      }
      expect(openFds() - before).toBeLessThan(5);
    },
  );

  it('gives the claim back and rethrows when storage fails midway, so a retry can run at once', async () => {
    await ports.store.put('inputs/a.json', twoSymbols);
    const store = ports.store;
    const failing: ObjectStore = {
      head: (k) => store.head(k),
      getStream: (k) => store.getStream(k),
      getBytes: (k) => store.getBytes(k),
      put: (k, b, o) => store.put(k, b, o),
      list: (p) => store.list(p),
      openWriter: async () => {
        throw new Error('disk full');
      },
    };
    await expect(
      ingestObject({ ...ports, store: failing }, { key: 'inputs/a.json', requestId: 'r' }),
    ).rejects.toThrow('disk full');
    expect(await ports.state.getClaim(`ingest#${await sha(twoSymbols)}`)).toBeUndefined();
    expect((await ingest('inputs/a.json')).outcome).toBe('processed');
  });

  it('fails and releases the claim when the event cannot be published', async () => {
    await ports.store.put('inputs/a.json', twoSymbols);
    const bus = {
      publish: async (events: readonly unknown[]) => ({
        published: 0,
        failed: events.map((event) => ({ event, error: 'bus down' })),
      }),
    };
    await expect(
      ingestObject({ ...ports, bus: bus as never }, { key: 'inputs/a.json', requestId: 'r' }),
    ).rejects.toMatchObject({ code: 'BUS.PUBLISH_FAILED' });
    expect(await ports.state.getClaim(`ingest#${await sha(twoSymbols)}`)).toBeUndefined();
  });
});

async function sha(text: string): Promise<string> {
  const { createHash } = await import('node:crypto');
  return createHash('sha256').update(text).digest('hex');
}
