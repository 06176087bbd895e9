import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTestPorts, type TestPorts } from '../../../test/helpers/local-ports.js';
import { jsonReply } from '../../../test/helpers/scripted-server.js';
import { startTwelveDataServer, type TwelveDataServer } from '../../../test/helpers/twelvedata-server.js';
import { FetchError } from '../../core/errors.js';
import { type FetchParams, FetchParamsSchema } from '../../core/fetch/params.js';
import { fetchTimeSeries } from '../../core/fetch/run.js';
import { TokenBucket } from '../../core/fetch/token-bucket.js';
import { DEFAULT_INGEST_OPTIONS, ingestObject } from '../../core/ingest/stage.js';
import { type FetchRetry, TwelveDataClient, type TwelveDataClientOptions } from './time-series.client.js';

const KEY = 'td-secret-key-0123456789';
const symbols = (n: number) => Array.from({ length: n }, (_, i) => `SYM${String(i + 1).padStart(2, '0')}`);
const params = (list: readonly string[], extra: Record<string, unknown> = {}): FetchParams =>
  FetchParamsSchema.parse({ symbols: list.join(','), ...extra });

let ports: TestPorts;
let server: TwelveDataServer;
let sleeps: number[];
let retries: FetchRetry[];

const sleep = async (ms: number) => {
  sleeps.push(ms);
  ports.clock.advance(ms);
};

function client(options: Partial<TwelveDataClientOptions> & { credits?: number } = {}): TwelveDataClient {
  const { credits = 8, ...rest } = options;
  return new TwelveDataClient({
    apiKey: KEY,
    baseUrl: server.url,
    bucket: new TokenBucket({ capacity: credits, clock: ports.clock, sleep }),
    clock: ports.clock,
    sleep,
    random: () => 0.5,
    onRetry: (retry) => retries.push(retry),
    ...rest,
  });
}

async function rejection(promise: Promise<unknown>): Promise<FetchError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (error instanceof FetchError) return error;
  throw new Error(`expected a FetchError, got ${String(error)}`);
}

/** The most credits the server saw spent inside any 60 s window of its own clock. */
function busiestMinute(): number {
  const spent = server.requests.filter((r) => r.credits > 0);
  return Math.max(
    0,
    ...spent.map((first) =>
      spent
        .filter((r) => r.at >= first.at && r.at < first.at + 60_000)
        .reduce((sum, r) => sum + r.credits, 0),
    ),
  );
}

/** Spends credits on the server as another program using the same key would. */
async function spendElsewhere(list: readonly string[]): Promise<void> {
  const url = new URL('/time_series', server.url);
  url.searchParams.set('symbol', list.join(','));
  url.searchParams.set('interval', '1day');
  const response = await fetch(url, { headers: { authorization: `apikey ${KEY}` } });
  expect(response.status).toBe(200);
  await response.text();
}

beforeEach(async () => {
  ports = await makeTestPorts();
  server = await startTwelveDataServer({ apiKey: KEY, clock: ports.clock });
  sleeps = [];
  retries = [];
});

afterEach(async () => {
  await server.close();
  await ports.cleanup();
});

describe('fetching in batches', () => {
  it('asks for 20 symbols in requests of 8, 8 and 4 and writes one ingestible file per request', async () => {
    const list = symbols(20);
    const report = await fetchTimeSeries(
      { source: client(), store: ports.store, clock: ports.clock },
      { params: params(list), pacing: { batchSize: 8, creditsPerMinute: 8 } },
    );
    expect(server.requests.map((r) => r.symbols.length)).toEqual([8, 8, 4]);
    expect(report).toMatchObject({ requests: 3, failed: [], notFetched: [] });
    expect(report.files.map((f) => f.symbols)).toEqual([list.slice(0, 8), list.slice(8, 16), list.slice(16)]);

    const first = report.files[0]?.key as string;
    const { manifest } = await ingestObject(
      ports,
      { key: first, requestId: 'req-1' },
      DEFAULT_INGEST_OPTIONS,
    );
    expect(manifest).toMatchObject({
      dataset: 'twelvedata-ohlcv',
      status: 'ingested',
      counts: { total: 240, valid: 240, rejected: 0 },
    });
  });

  it('sends the key in the Authorization header, never in the URL', async () => {
    await client().timeSeries(['AAPL'], params(['AAPL']));
    expect(server.requests[0]).toMatchObject({ auth: 'header', authorization: `apikey ${KEY}` });
    expect(JSON.stringify(server.requests[0]?.query)).not.toContain(KEY);
  });

  it('passes interval, outputsize, dates and timezone on to the API', async () => {
    const p = params(['AAPL'], {
      interval: '1week',
      outputsize: 4,
      start: '2024-11-01',
      end: '2024-12-31',
      timezone: 'UTC',
    });
    const reply = await client().timeSeries(['AAPL'], p);
    expect(server.requests[0]?.query).toEqual({
      symbol: 'AAPL',
      interval: '1week',
      outputsize: '4',
      start_date: '2024-11-01',
      end_date: '2024-12-31',
      timezone: 'UTC',
    });
    expect(JSON.parse(reply.body).values).toHaveLength(4);
  });
});

describe('pacing by the credits per minute', () => {
  it('waits 60 s twice for 20 symbols at 8 credits a minute, and the server never sees more than 8 in a minute', async () => {
    const bucketWaits: number[] = [];
    const paced = client({
      bucket: new TokenBucket({
        capacity: 8,
        clock: ports.clock,
        sleep,
        onWait: (w) => bucketWaits.push(w.waitMs),
      }),
    });
    await fetchTimeSeries(
      { source: paced, store: ports.store, clock: ports.clock },
      { params: params(symbols(20)), pacing: { batchSize: 8, creditsPerMinute: 8 } },
    );
    expect(sleeps).toEqual([60_000, 60_000]);
    expect(bucketWaits).toEqual(sleeps);
    expect(server.requests.every((r) => r.status === 200)).toBe(true);
    expect(busiestMinute()).toBe(8);
  });

  it('stays within the plan with small uneven batches too', async () => {
    await fetchTimeSeries(
      { source: client(), store: ports.store, clock: ports.clock },
      { params: params(symbols(23)), pacing: { batchSize: 3, creditsPerMinute: 8 } },
    );
    expect(server.requests.map((r) => r.symbols.length)).toEqual([3, 3, 3, 3, 3, 3, 3, 2]);
    expect(server.requests.every((r) => r.status === 200)).toBe(true);
    expect(busiestMinute()).toBeLessThanOrEqual(8);
    // 23 credits at 8 a minute cannot be spent in less than two minutes.
    expect(ports.clock.now() - (server.requests[0]?.at as number)).toBeGreaterThanOrEqual(120_000);
  });

  it('counts credits from the answer on, so latency never gets the next request refused', async () => {
    // 300 ms on the way there and 300 ms back: the server counts each request mid-way.
    const slow: typeof fetch = async (input, init) => {
      ports.clock.advance(300);
      const response = await fetch(input, init);
      ports.clock.advance(300);
      return response;
    };
    await fetchTimeSeries(
      { source: client({ fetch: slow }), store: ports.store, clock: ports.clock },
      { params: params(symbols(24)), pacing: { batchSize: 8, creditsPerMinute: 8 } },
    );
    expect(server.requests.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(sleeps).toEqual([60_000, 60_000]);
  });

  it('waits the Retry-After of a 429 and then succeeds', async () => {
    await spendElsewhere(symbols(8));
    ports.clock.advance(53_000);
    const reply = await client().timeSeries(['AAPL'], params(['AAPL']));
    expect(reply.fetched).toEqual(['AAPL']);
    expect(server.requests.slice(1).map((r) => r.status)).toEqual([429, 200]);
    expect(sleeps).toEqual([7_000]);
    expect(retries[0]).toMatchObject({ retry: 1, maxRetries: 3, delayMs: 7_000 });
    expect(busiestMinute()).toBeLessThanOrEqual(8);
  });

  it('honours a Retry-After given as an HTTP-date', async () => {
    const at = new Date(ports.clock.now() + 12_000).toUTCString();
    server.script(
      jsonReply(429, { code: 429, message: 'out of credits', status: 'error' }, { 'retry-after': at }),
    );
    await client().timeSeries(['AAPL'], params(['AAPL']));
    expect(sleeps).toEqual([12_000]);
  });

  it('waits for a full minute of credits after a 429 in the body without Retry-After', async () => {
    server.configure({ rateLimitAs: 'body', retryAfter: false });
    await spendElsewhere(symbols(8));
    const reply = await client().timeSeries(['AAPL'], params(['AAPL']));
    expect(reply.fetched).toEqual(['AAPL']);
    expect(server.requests.slice(1).map((r) => [r.status, r.errorCode])).toEqual([
      [200, 429],
      [200, undefined],
    ]);
    expect(sleeps).toEqual([60_000]);
  });

  it('gives up with FETCH.RATE_LIMITED naming the symbols after 3 retries', async () => {
    const limited = jsonReply(
      429,
      { code: 429, message: 'out of credits', status: 'error' },
      { 'retry-after': '1' },
    );
    server.script(limited, limited, limited, limited);
    const error = await rejection(client().timeSeries(['AAPL', 'MSFT'], params(['AAPL', 'MSFT'])));
    expect(error).toMatchObject({ code: 'FETCH.RATE_LIMITED', temporary: true, symbols: ['AAPL', 'MSFT'] });
    expect(error.message).toContain('3 retries');
    expect(error.message).toContain('not fetched: AAPL, MSFT');
    expect(server.requests).toHaveLength(4);
    expect(sleeps).toEqual([1_000, 1_000, 1_000]);
  });

  it('fails at once when Retry-After asks for longer than it waits (the day’s credits are gone)', async () => {
    server.script(
      jsonReply(
        429,
        { code: 429, message: 'out of credits for the day', status: 'error' },
        { 'retry-after': '3600' },
      ),
    );
    const error = await rejection(client().timeSeries(['AAPL'], params(['AAPL'])));
    expect(error.code).toBe('FETCH.RATE_LIMITED');
    expect(error.message).toContain('3600 s');
    expect(sleeps).toEqual([]);
  });

  it('stops the run at an exhausted rate limit and reports the symbols of every request not made', async () => {
    const limited = jsonReply(
      429,
      { code: 429, message: 'out of credits', status: 'error' },
      { 'retry-after': '1' },
    );
    const list = symbols(12);
    server.script(limited, limited, limited, limited);
    const report = await fetchTimeSeries(
      { source: client({ maxRetries: 3 }), store: ports.store, clock: ports.clock },
      { params: params(list), pacing: { batchSize: 4, creditsPerMinute: 8 } },
    );
    expect(report.error).toMatchObject({ code: 'FETCH.RATE_LIMITED', temporary: true });
    expect(report.notFetched).toEqual(list);
    expect(report.files).toEqual([]);
  });
});

describe('error answers', () => {
  it.each(['body', 'status'] as const)(
    'turns a refused key (401 as %s) into FETCH.UNAUTHORIZED without retrying or showing the key',
    async (unauthorizedAs) => {
      const wrong = await startTwelveDataServer({
        apiKey: 'the-right-key',
        unauthorizedAs,
        clock: ports.clock,
      });
      try {
        const error = await rejection(client({ baseUrl: wrong.url }).timeSeries(['AAPL'], params(['AAPL'])));
        expect(error).toMatchObject({ code: 'FETCH.UNAUTHORIZED', temporary: false });
        expect(error.message).toMatch(/check TWELVEDATA_API_KEY/);
        expect(error.message).not.toContain(KEY);
        expect(wrong.requests.map((r) => r.status)).toEqual([unauthorizedAs === 'body' ? 200 : 401]);
        expect(sleeps).toEqual([]);
      } finally {
        await wrong.close();
      }
    },
  );

  it('scrubs the key from any message the API echoes back', async () => {
    server.script(
      jsonReply(200, { code: 401, message: `apikey ${KEY} is not valid`, status: 'error' }),
      jsonReply(200, { code: 400, message: `symbol invalid for key ${KEY}`, status: 'error' }),
    );
    const error = await rejection(client().timeSeries(['AAPL'], params(['AAPL'])));
    expect(error.message).not.toContain(KEY);
    expect(error.message).toContain('[redacted]');
    const reply = await client().timeSeries(['AAPL'], params(['AAPL']));
    expect(reply.failed[0]?.message).toBe('symbol invalid for key [redacted]');
  });

  it('writes a partial answer and reports the symbols that failed with their code and message', async () => {
    server.configure({
      symbolError: (s) =>
        s === 'NOSUCH1'
          ? { code: 404, message: '**symbol** not found: NOSUCH1' }
          : s === 'BAD'
            ? { code: 400, message: '**symbol** or **figi** parameter is missing or invalid' }
            : undefined,
    });
    const report = await fetchTimeSeries(
      { source: client(), store: ports.store, clock: ports.clock },
      { params: params(['AAPL', 'NOSUCH1', 'BAD', 'MSFT']), pacing: { batchSize: 8, creditsPerMinute: 8 } },
    );
    expect(report.files.map((f) => f.symbols)).toEqual([['AAPL', 'MSFT']]);
    expect(report.failed).toEqual([
      { symbol: 'NOSUCH1', code: 404, message: '**symbol** not found: NOSUCH1' },
      { symbol: 'BAD', code: 400, message: '**symbol** or **figi** parameter is missing or invalid' },
    ]);
    const { manifest } = await ingestObject(
      ports,
      { key: report.files[0]?.key as string, requestId: 'req-1' },
      DEFAULT_INGEST_OPTIONS,
    );
    expect(manifest?.counts).toMatchObject({ valid: 60, reasons: { source_error: 2 } });
  });

  it('writes nothing when every symbol of a request failed, and goes on with the next request', async () => {
    const report = await fetchTimeSeries(
      { source: client(), store: ports.store, clock: ports.clock },
      {
        params: params(['NOSUCH1', 'NOSUCH2', 'NOSUCH3', 'AAPL']),
        pacing: { batchSize: 2, creditsPerMinute: 8 },
      },
    );
    expect(report.failed.map((f) => [f.symbol, f.code])).toEqual([
      ['NOSUCH1', 404],
      ['NOSUCH2', 404],
      ['NOSUCH3', 404],
    ]);
    expect(report.files.map((f) => f.symbols)).toEqual([['AAPL']]);
    const keys: string[] = [];
    for await (const info of ports.store.list('inputs/')) keys.push(info.key);
    expect(keys).toEqual([report.files[0]?.key]);
  });

  it('writes nothing for a one-symbol request answered with a top-level error block', async () => {
    const report = await fetchTimeSeries(
      { source: client(), store: ports.store, clock: ports.clock },
      { params: params(['NOSUCH1']), pacing: { batchSize: 8, creditsPerMinute: 8 } },
    );
    expect(report).toMatchObject({ files: [], failed: [{ symbol: 'NOSUCH1', code: 404 }] });
  });

  it.each([
    ['a body that is not JSON', { kind: 'reply', status: 200, body: '<html>maintenance</html>' } as const],
    ['a JSON body of the wrong shape', jsonReply(200, { data: [1, 2, 3] })],
  ])('fails with FETCH.BAD_RESPONSE on %s, without retrying', async (_, reply) => {
    server.script(reply);
    const error = await rejection(client().timeSeries(['AAPL', 'MSFT'], params(['AAPL', 'MSFT'])));
    expect(error.code).toBe('FETCH.BAD_RESPONSE');
    expect(server.requests).toHaveLength(1);
  });

  it('retries a 500 after a backoff and then succeeds', async () => {
    server.script(jsonReply(500, { code: 500, message: 'internal error', status: 'error' }));
    const reply = await client().timeSeries(['AAPL'], params(['AAPL']));
    expect(reply.fetched).toEqual(['AAPL']);
    expect(server.requests.map((r) => r.status)).toEqual([500, 200]);
    // Full jitter with random() = 0.5 over a 1 s first ceiling.
    expect(sleeps).toEqual([500]);
    expect(retries[0]?.error.code).toBe('FETCH.UNAVAILABLE');
  });

  it('retries a dropped connection and then succeeds', async () => {
    server.script({ kind: 'reset' });
    const reply = await client().timeSeries(['AAPL'], params(['AAPL']));
    expect(reply.fetched).toEqual(['AAPL']);
    expect(retries[0]?.error.code).toBe('FETCH.UNAVAILABLE');
  });

  it('retries an answer that does not come in time, then fails with FETCH.TIMEOUT', async () => {
    server.script({ kind: 'hang' }, { kind: 'hang' });
    const error = await rejection(
      client({ timeoutMs: 100, maxRetries: 1 }).timeSeries(['AAPL'], params(['AAPL'])),
    );
    expect(error).toMatchObject({ code: 'FETCH.TIMEOUT', temporary: true });
    expect(error.message).toContain('1 retry');
    expect(server.requests).toHaveLength(2);
  });

  it('recovers when only the first answer is late', async () => {
    server.script({ kind: 'hang' });
    const reply = await client({ timeoutMs: 100 }).timeSeries(['AAPL'], params(['AAPL']));
    expect(reply.fetched).toEqual(['AAPL']);
    expect(retries.map((r) => r.error.code)).toEqual(['FETCH.TIMEOUT']);
  });

  it('refuses a base URL that is not http(s)', () => {
    expect(() => client({ baseUrl: 'ftp://example.com' })).toThrow(/absolute http\(s\) URL/);
  });
});
