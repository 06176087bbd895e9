import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { S3ObjectStore } from '../../src/adapters/aws/object-store.s3.js';
import { fetchCommand } from '../../src/cli/commands/fetch.js';
import type { CliIo } from '../../src/cli/io.js';
import { buildProgram, main } from '../../src/cli/main.js';
import { startS3Emulator } from '../helpers/emulators.js';
import { manualClock } from '../helpers/local-ports.js';
import { jsonReply } from '../helpers/scripted-server.js';
import { startTwelveDataServer, type TwelveDataServer } from '../helpers/twelvedata-server.js';

const KEY = 'cli-test-key-9f8e7d';

function capture(): { io: CliIo; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  const sink = (append: (text: string) => void) =>
    new Writable({
      write(chunk, _encoding, done) {
        append(String(chunk));
        done();
      },
    });
  return {
    io: { stdout: sink((t) => (out += t)), stderr: sink((t) => (err += t)) },
    out: () => out,
    err: () => err,
  };
}

/** The command in-process, as `sluice <args>` runs it; commander's own usage errors are not expected here. */
async function sluice(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { io, out, err } = capture();
  let code = 0;
  await buildProgram(io, (c) => {
    code = c;
  }).parseAsync(['node', 'sluice', ...args]);
  return { code, stdout: out(), stderr: err() };
}

let server: TwelveDataServer;
let dir: string;

beforeAll(async () => {
  server = await startTwelveDataServer({ apiKey: KEY, creditsPerMinute: 1000 });
});
afterAll(async () => {
  await server.close();
});
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-fetch-'));
  vi.stubEnv('TWELVEDATA_API_KEY', KEY);
  vi.stubEnv('TWELVEDATA_BASE_URL', server.url);
  vi.stubEnv('TWELVEDATA_CREDITS_PER_MINUTE', '1000');
  vi.stubEnv('SLUICE_LOG_LEVEL', 'error');
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await rm(dir, { recursive: true, force: true });
});

const fetchedFiles = async (): Promise<string[]> =>
  (await readdir(path.join(dir, 'inputs', 'twelvedata')).catch(() => [] as string[])).sort();

describe('sluice fetch', () => {
  it('writes one file per request under inputs/twelvedata/ and prints a JSON summary', async () => {
    const run = await sluice([
      '--data-dir',
      dir,
      'fetch',
      'AAPL,MSFT,EUR/USD',
      '--batch-size',
      '2',
      '--json',
    ]);
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({ requests: 2, failed: [], notFetched: [], error: null });
    expect(summary.files.map((f: { symbols: string[] }) => f.symbols)).toEqual([
      ['AAPL', 'MSFT'],
      ['EUR/USD'],
    ]);
    expect(await fetchedFiles()).toHaveLength(2);
    const body = JSON.parse(await readFile(summary.files[1].location, 'utf8'));
    expect(body.meta.symbol).toBe('EUR/USD');
    expect(run.stderr).not.toContain(KEY);
  });

  it('replaces the file when the same thing is fetched again', async () => {
    await sluice(['--data-dir', dir, 'fetch', 'AAPL', '--outputsize', '5']);
    const first = await fetchedFiles();
    const again = await sluice(['--data-dir', dir, 'fetch', 'AAPL', '--outputsize', '5']);
    expect(again.code).toBe(0);
    expect(await fetchedFiles()).toEqual(first);
    expect(again.stdout.trim()).toBe(path.join(dir, 'inputs', 'twelvedata', first[0] as string));
  });

  it('ingests what it wrote with --ingest', async () => {
    const run = await sluice([
      '--data-dir',
      dir,
      'fetch',
      'AAPL,MSFT',
      '--outputsize',
      '10',
      '--ingest',
      '--json',
    ]);
    expect(run.code).toBe(0);
    const { ingested } = JSON.parse(run.stdout);
    expect(ingested).toHaveLength(1);
    expect(ingested[0]).toMatchObject({ status: 'ingested', counts: { valid: 20, rejected: 0 } });
  });

  it('writes a partial answer, names the failed symbols and exits 1', async () => {
    const run = await sluice(['--data-dir', dir, 'fetch', 'AAPL,NOSUCH1']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('NOSUCH1: 404 **symbol** not found');
    expect(await fetchedFiles()).toHaveLength(1);
  });

  it('writes nothing when every symbol failed and exits 1', async () => {
    const run = await sluice(['--data-dir', dir, 'fetch', 'NOSUCH1,NOSUCH2', '--json']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('nothing written');
    expect(JSON.parse(run.stdout).files).toEqual([]);
    expect(await fetchedFiles()).toEqual([]);
  });

  it('exits 2 naming TWELVEDATA_API_KEY, before any request, when the key is not set', async () => {
    vi.stubEnv('TWELVEDATA_API_KEY', '');
    const before = server.requests.length;
    const run = await sluice(['--data-dir', dir, 'fetch', 'AAPL']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/TWELVEDATA_API_KEY is not set/);
    expect(server.requests.length).toBe(before);
  });

  it('exits 2 with a hint to check the key, without printing it, when the API refuses the key', async () => {
    vi.stubEnv('TWELVEDATA_API_KEY', 'wrong-key-123456');
    const run = await sluice(['--data-dir', dir, 'fetch', 'AAPL']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('check TWELVEDATA_API_KEY');
    expect(run.stderr).not.toContain('wrong-key-123456');
    expect(await fetchedFiles()).toEqual([]);
  });

  it.each([
    [['--outputsize', '0'], '--outputsize'],
    [['--start', '2024-02-01', '--end', '2024-01-01'], '--start'],
    [['--batch-size', '500'], '--batch-size'],
  ])('exits 2 before any request on %j, naming the option', async (extra, option) => {
    const before = server.requests.length;
    const run = await sluice(['--data-dir', dir, 'fetch', 'AAPL', ...extra]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`invalid ${option}`);
    expect(server.requests.length).toBe(before);
  });

  it('exits 2 on a symbol list with an empty symbol', async () => {
    const run = await sluice(['--data-dir', dir, 'fetch', 'AAPL,,MSFT']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('invalid <SYMBOLS>: symbol 2 of 3 is empty');
  });

  it('exits 2 on an interval the API does not offer, as commander refuses it', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await main(['node', 'sluice', '--data-dir', dir, 'fetch', 'AAPL', '--interval', '2day'])).toBe(
        2,
      );
      expect(stderr.mock.calls.join('')).toContain('2day');
    } finally {
      stderr.mockRestore();
    }
  });

  it('exits 75 with the symbols not fetched when the rate limit outlasts the retries', async () => {
    const limited = jsonReply(
      429,
      { code: 429, message: 'out of credits', status: 'error' },
      { 'retry-after': '5' },
    );
    server.script(limited, limited, limited, limited);
    const clock = manualClock();
    const sleeps: number[] = [];
    const { io, err } = capture();
    const code = await fetchCommand(
      'AAPL,MSFT,IBM',
      { batchSize: '2' },
      {
        io,
        dataDir: dir,
        clock,
        sleep: async (ms) => {
          sleeps.push(ms);
          clock.advance(ms);
        },
      },
    );
    expect(code).toBe(75);
    expect(sleeps).toEqual([5_000, 5_000, 5_000]);
    expect(err()).toContain('retrying in 5 s (1/3)');
    expect(err()).toContain('not fetched: AAPL, MSFT, IBM');
    expect(await fetchedFiles()).toEqual([]);
  });

  it('prints its waits for credits on stderr', async () => {
    const clock = manualClock();
    const { io, err } = capture();
    const code = await fetchCommand(
      'AAPL,MSFT,IBM',
      { batchSize: '2', creditsPerMinute: '2' },
      { io, dataDir: dir, clock, sleep: async (ms) => clock.advance(ms) },
    );
    expect(code).toBe(0);
    expect(err()).toContain('waiting 60 s for API credits (2/min)');
  });
});

describe('sluice fetch --bucket', () => {
  it('writes the files to the bucket under inputs/twelvedata/', async () => {
    const s3 = await startS3Emulator();
    try {
      const bucket = await s3.createBucket();
      vi.stubEnv('SLUICE_S3_ENDPOINT', s3.endpoint);
      vi.stubEnv('AWS_ACCESS_KEY_ID', 'S3RVER');
      vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'S3RVER');
      vi.stubEnv('AWS_REGION', 'us-east-1');
      const run = await sluice([
        'fetch',
        'AAPL,MSFT,NVDA',
        '--batch-size',
        '2',
        '--bucket',
        bucket,
        '--json',
      ]);
      expect(run.code).toBe(0);
      const summary = JSON.parse(run.stdout);
      expect(summary.files[0].location).toMatch(new RegExp(`^s3://${bucket}/inputs/twelvedata/`));

      const store = new S3ObjectStore({ client: s3.client(), bucket });
      const keys: string[] = [];
      for await (const info of store.list('inputs/twelvedata/')) keys.push(info.key);
      expect(keys.sort()).toEqual(summary.files.map((f: { key: string }) => f.key).sort());
      const body = JSON.parse(new TextDecoder().decode(await store.getBytes(summary.files[0].key)));
      expect(Object.keys(body)).toEqual(['AAPL', 'MSFT']);
    } finally {
      await s3.stop();
    }
  });

  it('refuses --ingest with --bucket, since the bucket ingests what lands in it', async () => {
    const run = await sluice(['fetch', 'AAPL', '--bucket', 'some-bucket', '--ingest']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--ingest works on the local data dir');
  });
});
