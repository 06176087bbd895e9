/**
 * A loopback stand-in for Twelve Data's `GET /time_series`: deterministic bars
 * from the repo's seeded PRNG, one credit per symbol counted against a 60 s
 * sliding window of its own injectable clock (stricter than the API's
 * per-minute reset, so a client that passes here passes there), 429 with
 * Retry-After when credits run out, 401 payloads for a bad key, error blocks for
 * unknown symbols. Faults (5xx, hangs, resets, junk) can be scripted ahead of
 * the normal answers; every request is recorded.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Clock, systemClock } from '../../src/core/ports.js';
import { seededRandom } from '../../src/samples/prng.js';
import type { ScriptedReply } from './scripted-server.js';

export { jsonReply } from './scripted-server.js';

const WINDOW_MS = 60_000;
const UNIT = 100_000;
const DAY_MS = 86_400_000;
const LAST_BAR = '2024-12-31';

export interface SymbolError {
  readonly code: number;
  readonly message: string;
}

export interface TwelveDataServerOptions {
  /** @default 'test-key' */
  readonly apiKey?: string;
  /** @default 8 */
  readonly creditsPerMinute?: number;
  /** The server's own time, for its credit window. @default systemClock */
  readonly clock?: Clock;
  /** A bad key as HTTP 200 with an error body (what the API usually does) or as HTTP 401. @default 'body' */
  readonly unauthorizedAs?: 'body' | 'status';
  /** Spent credits as HTTP 429 or as HTTP 200 with a `code: 429` body. @default 'status' */
  readonly rateLimitAs?: 'status' | 'body';
  /** Send Retry-After (whole seconds until enough credits are back) with 429s. @default true */
  readonly retryAfter?: boolean;
  /** The error block answered for a symbol, or undefined when it exists. @default NOSUCH* → 404 */
  readonly symbolError?: (symbol: string) => SymbolError | undefined;
  /** @default 1 */
  readonly seed?: number;
}

export interface RecordedTwelveDataRequest {
  /** Server time when it arrived. */
  readonly at: number;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly symbols: readonly string[];
  /** Where the key came from; the key itself is not recorded. */
  readonly auth: 'header' | 'query' | 'none';
  readonly authorization: string | undefined;
  /** HTTP status answered (0 for a hang or reset). */
  readonly status: number;
  /** `code` of an error body, when the answer was one at the top level. */
  readonly errorCode?: number;
  /** Credits this request cost. */
  readonly credits: number;
}

export interface TwelveDataServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly apiKey: string;
  readonly requests: readonly RecordedTwelveDataRequest[];
  /** Answers the next requests with these, before any check; scripted answers cost no credit. */
  script(...replies: ScriptedReply[]): void;
  /** Changes behaviour from the next request on. */
  configure(options: Partial<TwelveDataServerOptions>): void;
  close(): Promise<void>;
}

const notFound = (symbol: string): SymbolError | undefined =>
  symbol.startsWith('NOSUCH')
    ? {
        code: 404,
        message: `**symbol** not found: ${symbol}. Please specify it correctly according to API Documentation.`,
      }
    : undefined;

const INTERVAL_MS: Readonly<Record<string, number>> = {
  '1min': 60_000,
  '5min': 300_000,
  '15min': 900_000,
  '30min': 1_800_000,
  '45min': 2_700_000,
  '1h': 3_600_000,
  '2h': 7_200_000,
  '4h': 14_400_000,
  '1day': DAY_MS,
  '1week': 7 * DAY_MS,
};

const pad = (n: number): string => String(n).padStart(2, '0');
const price = (units: number): string => (units / UNIT).toFixed(5);

/** FNV-1a, so each symbol gets its own stable seed. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

const parseDateTime = (text: string): number =>
  Date.parse(`${text.replace(' ', 'T')}${text.length === 10 ? 'T00:00:00' : ''}Z`);

function formatBar(at: number, interval: string): string {
  const d = new Date(at);
  const day = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  return (INTERVAL_MS[interval] ?? DAY_MS) < DAY_MS
    ? `${day} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:00`
    : day;
}

/** Bar times, newest first, from `end` back, skipping weekends below a week. */
function* barTimes(interval: string, end: number): Generator<number> {
  if (interval === '1month') {
    const d = new Date(end);
    for (let m = d.getUTCFullYear() * 12 + d.getUTCMonth(); ; m--)
      yield Date.UTC(Math.floor(m / 12), m % 12, 1);
  } else {
    const step = INTERVAL_MS[interval] ?? DAY_MS;
    for (let at = Math.floor(end / step) * step; ; at -= step) {
      const weekday = new Date(at).getUTCDay();
      if (step <= DAY_MS && (weekday === 0 || weekday === 6)) continue;
      yield at;
    }
  }
}

/** A valid series: prices in 0.00001 units so low <= open, close <= high survives rounding. */
export function fakeSeries(
  symbol: string,
  query: { interval: string; outputsize: number; start?: string; end?: string },
  seed = 1,
): Array<Record<string, string>> {
  const rand = seededRandom(hash(symbol) ^ seed);
  const end = parseDateTime(query.end ?? LAST_BAR);
  const start = query.start === undefined ? Number.NEGATIVE_INFINITY : parseDateTime(query.start);
  const bars: Array<Record<string, string>> = [];
  let close = Math.round((5 + rand() * 495) * UNIT);
  for (const at of barTimes(query.interval, end)) {
    if (bars.length >= query.outputsize || at < start) break;
    const open = Math.max(1, Math.round(close * (1 + 0.01 * (rand() - 0.5))));
    close = Math.max(1, Math.round(open * (1 + 0.03 * (rand() - 0.5))));
    const high = Math.max(open, close) + 1 + Math.round(open * 0.008 * rand());
    const low = Math.max(0, Math.min(open, close) - 1 - Math.round(open * 0.008 * rand()));
    bars.push({
      datetime: formatBar(at, query.interval),
      open: price(open),
      high: price(high),
      low: price(low),
      close: price(close),
      volume: String(Math.round(1e5 + rand() * 5e6)),
    });
  }
  return bars;
}

interface Answer {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Record<string, string>;
  readonly credits: number;
  readonly errorCode?: number;
}

const UNAUTHORIZED_MESSAGE =
  '**apikey** parameter is incorrect or not specified. You can get your free API key instantly following this link: https://twelvedata.com/pricing.';

export async function startTwelveDataServer(
  initial: TwelveDataServerOptions = {},
): Promise<TwelveDataServer> {
  let options: TwelveDataServerOptions = initial;
  const apiKey = initial.apiKey ?? 'test-key';
  const queue: ScriptedReply[] = [];
  const requests: RecordedTwelveDataRequest[] = [];
  const spends: Array<{ at: number; credits: number }> = [];
  const clock = (): Clock => options.clock ?? systemClock;

  const errorAnswer = (
    status: number,
    code: number,
    message: string,
    headers?: Record<string, string>,
  ): Answer => ({
    status,
    body: { code, message, status: 'error' },
    headers,
    credits: 0,
    errorCode: code,
  });

  const block = (symbol: string, query: Record<string, string>): Record<string, unknown> => {
    const interval = query.interval as string;
    const meta = { symbol, interval, exchange: '' };
    const error = (options.symbolError ?? notFound)(symbol);
    if (error) return { ...error, status: 'error', meta };
    const values = fakeSeries(
      symbol,
      { interval, outputsize: Number(query.outputsize ?? 30), start: query.start_date, end: query.end_date },
      options.seed,
    );
    if (values.length === 0) {
      return { code: 400, message: 'No data is available on the specified dates.', status: 'error', meta };
    }
    return {
      meta: {
        symbol,
        interval,
        currency: 'USD',
        exchange_timezone: 'America/New_York',
        exchange: 'NASDAQ',
        mic_code: 'XNGS',
        type: 'Common Stock',
      },
      values,
      status: 'ok',
    };
  };

  const answer = (
    path: string,
    query: Record<string, string>,
    symbols: readonly string[],
    given: string | undefined,
    now: number,
  ): Answer => {
    if (path !== '/time_series') return errorAnswer(404, 404, `no such endpoint: ${path}`);
    if (given !== apiKey) {
      return errorAnswer(options.unauthorizedAs === 'status' ? 401 : 200, 401, UNAUTHORIZED_MESSAGE);
    }
    const interval = query.interval ?? '';
    const outputsize = Number(query.outputsize ?? 30);
    if (symbols.length === 0) return errorAnswer(400, 400, '**symbol** parameter is missing or invalid.');
    if (!(interval in INTERVAL_MS) && interval !== '1month') {
      return errorAnswer(400, 400, `**interval** is invalid: ${interval}`);
    }
    if (!Number.isInteger(outputsize) || outputsize < 1 || outputsize > 5000) {
      return errorAnswer(400, 400, '**outputsize** must be between 1 and 5000');
    }
    const capacity = options.creditsPerMinute ?? 8;
    const live = spends.filter((s) => s.at + WINDOW_MS > now);
    const used = live.reduce((sum, s) => sum + s.credits, 0);
    if (used + symbols.length > capacity) {
      let excess = used + symbols.length - capacity;
      let backAt = now + WINDOW_MS;
      for (const s of live) {
        excess -= s.credits;
        if (excess <= 0) {
          backAt = s.at + WINDOW_MS;
          break;
        }
      }
      return errorAnswer(
        options.rateLimitAs === 'body' ? 200 : 429,
        429,
        `You have run out of API credits for the current minute. ${used + symbols.length} API credits were used, ` +
          `with the current limit being ${capacity}. Wait for the next minute or consider switching to a higher tier plan at https://twelvedata.com/pricing`,
        options.retryAfter === false ? {} : { 'retry-after': String(Math.ceil((backAt - now) / 1000)) },
      );
    }
    spends.push({ at: now, credits: symbols.length });
    if (symbols.length === 1) {
      const only = block(symbols[0] as string, query);
      const errorCode = only.status === 'error' ? (only.code as number) : undefined;
      return { status: 200, body: only, credits: 1, errorCode };
    }
    const body = Object.fromEntries(symbols.map((s) => [s, block(s, query)]));
    return { status: 200, body, credits: symbols.length };
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const { apikey, ...query } = Object.fromEntries(url.searchParams);
    const header = req.headers.authorization;
    const fromHeader = header?.startsWith('apikey ') ? header.slice('apikey '.length) : undefined;
    const symbols = (query.symbol ?? '').split(',').filter((s) => s !== '');
    const now = clock().now();
    const record = (status: number, credits: number, errorCode: number | undefined) => {
      requests.push({
        at: now,
        path: url.pathname,
        query,
        symbols,
        auth: fromHeader !== undefined ? 'header' : apikey !== undefined ? 'query' : 'none',
        authorization: header,
        status,
        ...(errorCode === undefined ? {} : { errorCode }),
        credits,
      });
    };

    const scripted = queue.shift();
    if (scripted?.kind === 'hang') {
      record(0, 0, undefined);
    } else if (scripted?.kind === 'reset') {
      record(0, 0, undefined);
      req.socket.destroy();
    } else if (scripted?.kind === 'reply') {
      record(scripted.status, 0, undefined);
      res.writeHead(scripted.status, {
        ...scripted.headers,
        'content-length': Buffer.byteLength(scripted.body),
      });
      res.end(scripted.body);
    } else {
      const reply = answer(url.pathname, query, symbols, fromHeader ?? apikey, now);
      record(reply.status, reply.credits, reply.errorCode);
      const text = JSON.stringify(reply.body);
      res.writeHead(reply.status, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(text),
        ...reply.headers,
      });
      res.end(text);
    }
  };

  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    apiKey,
    requests,
    script: (...replies) => {
      queue.push(...replies);
    },
    configure(changes) {
      options = { ...options, ...changes };
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
