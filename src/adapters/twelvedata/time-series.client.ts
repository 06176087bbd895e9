/**
 * Twelve Data `GET /time_series` over global fetch. Each request first takes
 * one credit per symbol from the token bucket; 429s are retried after the
 * server's Retry-After (or once the bucket is full again), 5xx, timeouts and
 * network failures with exponential backoff, a bounded number of times. The API
 * key travels in the Authorization header, never in a URL, and is scrubbed from
 * every message the API sends back.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { type Backoff, retryDelayMs } from '../../core/analyze/retry.js';
import { ConfigError, FetchError } from '../../core/errors.js';
import type { FetchParams } from '../../core/fetch/params.js';
import { timeSeriesQuery } from '../../core/fetch/plan.js';
import { type HttpAnswer, readTimeSeriesReply, type TimeSeriesReply } from '../../core/fetch/reply.js';
import type { TimeSeriesSource } from '../../core/fetch/run.js';
import type { TokenBucket } from '../../core/fetch/token-bucket.js';
import { type Clock, systemClock } from '../../core/ports.js';
import { parseRetryAfter } from './retry-after.js';

export const DEFAULT_BASE_URL = 'https://api.twelvedata.com';

export interface FetchRetry {
  /** 1 for the first retry. */
  readonly retry: number;
  readonly maxRetries: number;
  readonly delayMs: number;
  readonly symbols: readonly string[];
  readonly error: FetchError;
}

export interface TwelveDataClientOptions {
  readonly apiKey: string;
  /** @default 'https://api.twelvedata.com' */
  readonly baseUrl?: string;
  /** Paces requests by the plan's credits per minute; shared by every request of a run. */
  readonly bucket: TokenBucket;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** One attempt (response and body) gives up after this long. @default 30000 */
  readonly timeoutMs?: number;
  /** Retries after the first attempt, on 429, 5xx, timeouts and network failures; 0..10. @default 3 */
  readonly maxRetries?: number;
  /** Waits between retries on 5xx, timeouts and network failures. @default { baseMs: 1000, capMs: 30000 } */
  readonly backoff?: Backoff;
  /**
   * The longest Retry-After honoured; a longer one (the day's credits are gone)
   * fails at once rather than holding the run for hours. @default 120000
   */
  readonly maxRetryAfterMs?: number;
  /** @default timers/promises setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** @default systemClock */
  readonly clock?: Clock;
  /** @default Math.random */
  readonly random?: () => number;
  /** Told before each retry's wait, for progress messages. */
  readonly onRetry?: (retry: FetchRetry) => void;
}

const seconds = (ms: number): string => `${Math.ceil(ms / 1000)} s`;

export class TwelveDataClient implements TimeSeriesSource {
  readonly #apiKey: string;
  readonly #endpoint: URL;
  readonly #bucket: TokenBucket;
  readonly #fetch: typeof fetch;
  readonly #timeoutMs: number;
  readonly #maxRetries: number;
  readonly #backoff: Backoff;
  readonly #maxRetryAfterMs: number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #onRetry: ((retry: FetchRetry) => void) | undefined;

  constructor(options: TwelveDataClientOptions) {
    const { timeoutMs = 30_000, maxRetries = 3, maxRetryAfterMs = 120_000 } = options;
    if (options.apiKey.trim() === '') throw new ConfigError('the Twelve Data API key is empty');
    if (!Number.isInteger(maxRetries) || maxRetries < 0 || maxRetries > 10)
      throw new ConfigError(`maxRetries must be between 0 and 10 inclusive (given ${maxRetries})`);
    if (!(timeoutMs > 0)) throw new ConfigError(`timeoutMs must be > 0 (given ${timeoutMs})`);
    this.#apiKey = options.apiKey;
    this.#endpoint = endpointOf(options.baseUrl ?? DEFAULT_BASE_URL);
    this.#bucket = options.bucket;
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#timeoutMs = timeoutMs;
    this.#maxRetries = maxRetries;
    this.#backoff = options.backoff ?? { baseMs: 1000, capMs: 30_000 };
    this.#maxRetryAfterMs = maxRetryAfterMs;
    this.#sleep = options.sleep ?? ((ms) => delay(ms));
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#onRetry = options.onRetry;
  }

  async timeSeries(symbols: readonly string[], params: FetchParams): Promise<TimeSeriesReply> {
    const url = new URL(this.#endpoint);
    for (const [name, value] of Object.entries(timeSeriesQuery(symbols, params))) {
      url.searchParams.set(name, value);
    }
    let grant = await this.#bucket.take(symbols.length);
    for (let retry = 1; ; retry++) {
      let failure: FetchError;
      let retryAfter: string | null = null;
      try {
        const answer = await this.#get(url).finally(() => {
          // The server counted the credits at some moment before its answer; counting them
          // from the answer on keeps latency from letting the next request in a little early.
          grant = this.#bucket.settle(grant);
        });
        retryAfter = answer.retryAfter;
        const reply = readTimeSeriesReply(symbols, answer);
        return { ...reply, failed: reply.failed.map((f) => ({ ...f, message: this.#redact(f.message) })) };
      } catch (error) {
        failure = this.#asFetchError(error, symbols);
      }
      if (!failure.temporary) throw failure;
      if (retry > this.#maxRetries) throw this.#exhausted(failure, symbols);
      if (failure.code === 'FETCH.RATE_LIMITED') {
        const asked = parseRetryAfter(retryAfter, this.#clock.now());
        if (asked !== undefined && asked > this.#maxRetryAfterMs) {
          throw new FetchError(
            'FETCH.RATE_LIMITED',
            `${failure.message}; it asks to wait ${seconds(asked)}, longer than the ${seconds(this.#maxRetryAfterMs)} ` +
              `this fetch waits (the day's credits may be spent); not fetched: ${symbols.join(', ')}`,
            { symbols },
          );
        }
        // The server counts differently from the bucket (another client, another window):
        // believe it and count the window as spent.
        this.#bucket.drain();
        const delayMs = asked ?? this.#bucket.fullInMs();
        this.#onRetry?.({ retry, maxRetries: this.#maxRetries, delayMs, symbols, error: failure });
        await this.#sleep(delayMs);
        // A refused request was not charged: its credits pay for the retry.
        this.#bucket.release(grant);
      } else {
        // The failed attempt may have been charged, so the retry takes credits of its own.
        const delayMs = retryDelayMs(retry, this.#backoff, this.#random);
        this.#onRetry?.({ retry, maxRetries: this.#maxRetries, delayMs, symbols, error: failure });
        await this.#sleep(delayMs);
      }
      grant = await this.#bucket.take(symbols.length);
    }
  }

  async #get(url: URL): Promise<HttpAnswer & { retryAfter: string | null }> {
    const signal = AbortSignal.timeout(this.#timeoutMs);
    const response = await this.#fetch(url, {
      headers: { authorization: `apikey ${this.#apiKey}`, accept: 'application/json' },
      signal,
    });
    const body = await response.text();
    return { status: response.status, body, retryAfter: response.headers.get('retry-after') };
  }

  #asFetchError(error: unknown, symbols: readonly string[]): FetchError {
    if (error instanceof FetchError) {
      return new FetchError(error.code, this.#redact(error.message), { symbols, cause: error });
    }
    const name = error instanceof Error ? error.name : '';
    if (name === 'TimeoutError' || name === 'AbortError') {
      return new FetchError(
        'FETCH.TIMEOUT',
        `Twelve Data did not answer within ${seconds(this.#timeoutMs)} (${this.#endpoint.origin})`,
        { symbols, cause: error },
      );
    }
    // fetch rejects with a TypeError when no response came (refused, reset, DNS...).
    if (error instanceof TypeError) {
      const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
      const why = typeof cause?.code === 'string' ? cause.code : String(cause?.message ?? error.message);
      return new FetchError(
        'FETCH.UNAVAILABLE',
        `could not reach Twelve Data at ${this.#endpoint.origin}: ${this.#redact(why)}`,
        { symbols, cause: error },
      );
    }
    throw error;
  }

  #exhausted(failure: FetchError, symbols: readonly string[]): FetchError {
    const tries = `${this.#maxRetries} ${this.#maxRetries === 1 ? 'retry' : 'retries'}`;
    return new FetchError(
      failure.code,
      `${failure.message}, still after ${tries}; not fetched: ${symbols.join(', ')}`,
      { symbols, cause: failure },
    );
  }

  #redact(text: string): string {
    return text.replaceAll(this.#apiKey, '[redacted]');
  }
}

function endpointOf(baseUrl: string): URL {
  let base: URL;
  try {
    base = new URL(baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  } catch (error) {
    throw new ConfigError(`the Twelve Data base URL must be an absolute http(s) URL (given ${baseUrl})`, {
      cause: error,
    });
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new ConfigError(`the Twelve Data base URL must be an absolute http(s) URL (given ${baseUrl})`);
  }
  return new URL('time_series', base);
}
