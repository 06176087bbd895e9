/**
 * The scheduled market-data fetch: Twelve Data time series into the data bucket
 * under inputs/twelvedata/, where the ingest trigger picks them up. Invoked by
 * an EventBridge rule (the scheduled event) or by Scheduler or by hand with an
 * override `{symbols, interval, outputsize}`. Credits are waited for only while
 * the invocation has time left; symbols that would need longer are skipped and
 * counted. A refused API key throws, so the failure reaches the alarm and DLQ.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import { createSecretsManagerClient, secretsManagerApiKey } from '../adapters/aws/api-key.secretsmanager.js';
import { instrument } from '../adapters/aws/observability.js';
import { DEFAULT_BASE_URL, TwelveDataClient } from '../adapters/twelvedata/time-series.client.js';
import { ConfigError, EventValidationError, FetchError, type FetchErrorCode } from '../core/errors.js';
import { FetchPacingSchema, FetchParamsSchema, INTERVALS } from '../core/fetch/params.js';
import { type FetchProgress, fetchTimeSeries, type TimeSeriesSource } from '../core/fetch/run.js';
import { TokenBucket } from '../core/fetch/token-bucket.js';
import { type Clock, type Logger, type Metrics, type ObjectStore, systemClock } from '../core/ports.js';
import type { HandlerEnv } from './env.js';
import { createRuntime, type InvocationClock } from './runtime.js';

const ScheduledEventSchema = z.object({
  source: z.literal('aws.events'),
  'detail-type': z.literal('Scheduled Event'),
  time: z.iso.datetime({ offset: true }),
});

/** What Scheduler's input (or a manual invoke) may set; strict, so a misspelt field is not ignored. */
const FetchOverrideSchema = z.strictObject({
  symbols: z.union([z.string(), z.array(z.string()).min(1)]).optional(),
  interval: z.enum(INTERVALS).optional(),
  outputsize: z.coerce.number().int().optional(),
});

export const FetchEventSchema = z.union([ScheduledEventSchema, FetchOverrideSchema]);

/**
 * Time kept back from the invocation's end: one request may take the client's
 * 30 s timeout, then its answer is written to S3.
 */
export const DEADLINE_MARGIN_MS = 45_000;

export type FetchHandlerEnv = Pick<
  HandlerEnv,
  | 'SLUICE_FETCH_SYMBOLS'
  | 'SLUICE_FETCH_INTERVAL'
  | 'SLUICE_FETCH_OUTPUTSIZE'
  | 'SLUICE_FETCH_CREDITS_PER_MINUTE'
> & { readonly SLUICE_TWELVEDATA_ENDPOINT?: string | undefined };

export interface FetchHandlerDeps {
  readonly env: FetchHandlerEnv;
  /** Called once per invocation; the provider caches the key for the container's life. */
  readonly apiKey: () => Promise<string>;
  /** Where the answers are written (the data bucket). */
  readonly store: ObjectStore;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** @default systemClock */
  readonly clock?: Clock;
  /** @default timers/promises setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** @default DEADLINE_MARGIN_MS */
  readonly marginMs?: number;
}

export interface FetchSummary {
  /** Requests begun; the last may have stopped while waiting for credits. */
  readonly requests: number;
  readonly keys: readonly string[];
  readonly fetched: readonly string[];
  /** Symbols the API answered with an error block, or that a failed request did not fetch. */
  readonly failed: readonly { readonly symbol: string; readonly code: string; readonly message: string }[];
  /** Symbols left for lack of time (credits would have come back too late). */
  readonly skipped: readonly string[];
  readonly error?: { readonly code: FetchErrorCode; readonly message: string };
}

/** Thrown by the guarded sleep and source when the deadline would pass. */
class OutOfTime extends Error {}

/** An API error block has no code of sluice's; its failures are counted under this one. */
const SYMBOL_ERROR = 'FETCH.SYMBOL_ERROR';

export function createFetchHandler(
  deps: FetchHandlerDeps,
): (event: unknown, context: InvocationClock) => Promise<FetchSummary> {
  const { env, logger, metrics } = deps;
  const clock = deps.clock ?? systemClock;
  const sleep = deps.sleep ?? ((ms: number) => delay(ms));
  const marginMs = deps.marginMs ?? DEADLINE_MARGIN_MS;
  const pacing = FetchPacingSchema.parse({ creditsPerMinute: env.SLUICE_FETCH_CREDITS_PER_MINUTE });

  return async (event, context) => {
    const parsedEvent = FetchEventSchema.safeParse(event);
    if (!parsedEvent.success) {
      throw new EventValidationError(
        `not a scheduled event or fetch override: ${z.prettifyError(parsedEvent.error)}`,
      );
    }
    const override = 'source' in parsedEvent.data ? {} : parsedEvent.data;
    const symbols = override.symbols ?? env.SLUICE_FETCH_SYMBOLS;
    if (symbols === undefined) {
      throw new ConfigError('fetch handler: no symbols: set SLUICE_FETCH_SYMBOLS or pass {"symbols": ...}');
    }
    const params = FetchParamsSchema.safeParse({
      symbols: typeof symbols === 'string' ? symbols : symbols.join(','),
      interval: override.interval ?? env.SLUICE_FETCH_INTERVAL,
      outputsize: override.outputsize ?? env.SLUICE_FETCH_OUTPUTSIZE,
    });
    if (!params.success) {
      throw new EventValidationError(`invalid fetch request: ${z.prettifyError(params.error)}`);
    }

    const apiKey = await deps.apiKey();
    const deadline = clock.now() + context.getRemainingTimeInMillis() - marginMs;
    const guardedSleep = async (ms: number): Promise<void> => {
      if (clock.now() + ms > deadline) throw new OutOfTime();
      await sleep(ms);
    };
    const bucket = new TokenBucket({
      capacity: pacing.creditsPerMinute,
      clock,
      sleep: guardedSleep,
      onWait: (wait) => logger.info('waiting for API credits', { waitMs: wait.waitMs, tokens: wait.tokens }),
    });
    const client = new TwelveDataClient({
      apiKey,
      baseUrl: env.SLUICE_TWELVEDATA_ENDPOINT ?? DEFAULT_BASE_URL,
      bucket,
      clock,
      sleep: guardedSleep,
      ...(deps.fetch ? { fetch: deps.fetch } : {}),
      onRetry: (retry) =>
        logger.warn('retrying a Twelve Data request', {
          code: retry.error.code,
          retry: retry.retry,
          delayMs: retry.delayMs,
          symbols: retry.symbols,
        }),
    });
    let requests = 0;
    const source: TimeSeriesSource = {
      timeSeries: async (batch, request) => {
        if (clock.now() > deadline) throw new OutOfTime();
        requests++;
        return client.timeSeries(batch, request);
      },
    };

    // Kept as the run goes, so the symbols already handled are known if time runs out midway.
    const keys: string[] = [];
    const fetched: string[] = [];
    const failed: Array<FetchSummary['failed'][number]> = [];
    const onProgress = (progress: FetchProgress): void => {
      for (const f of progress.failed) {
        failed.push({ symbol: f.symbol, code: SYMBOL_ERROR, message: f.message });
      }
      if (progress.kind === 'written') {
        keys.push(progress.file.key);
        fetched.push(...progress.file.symbols);
      }
    };

    let skipped: string[] = [];
    let error: FetchSummary['error'];
    try {
      const report = await fetchTimeSeries(
        { source, store: deps.store, clock },
        { params: params.data, pacing, onProgress },
      );
      if (report.error) {
        error = { code: report.error.code, message: report.error.message };
        for (const symbol of report.notFetched) {
          failed.push({ symbol, code: report.error.code, message: report.error.message });
        }
      }
    } catch (thrown) {
      if (!(thrown instanceof OutOfTime)) throw thrown;
      const handled = new Set([...fetched, ...failed.map((f) => f.symbol)]);
      skipped = params.data.symbols.filter((symbol) => !handled.has(symbol));
    }

    metrics.add('FetchSymbolsFetched', 'Count', fetched.length);
    metrics.add('FetchSymbolsSkipped', 'Count', skipped.length);
    const failedBy = new Map<string, number>();
    for (const f of failed) failedBy.set(f.code, (failedBy.get(f.code) ?? 0) + 1);
    for (const [code, count] of failedBy) metrics.add('FetchFailed', 'Count', count, { reason: code });
    if (skipped.length > 0) {
      logger.warn('symbols skipped: credits would come back after the invocation ends', { skipped });
    }
    for (const f of failed) logger.warn('symbol not fetched', { ...f });
    logger.info('fetch done', {
      keys,
      fetched: fetched.length,
      failed: failed.length,
      skipped: skipped.length,
    });

    if (error?.code === 'FETCH.UNAUTHORIZED') {
      throw new FetchError(error.code, error.message, { symbols: failed.map((f) => f.symbol) });
    }
    return { requests, keys, fetched, failed, skipped, ...(error ? { error } : {}) };
  };
}

/** The environment is validated at import, as in every handler; the secret is read at the first invocation. */
function lambdaHandler() {
  const runtime = createRuntime('fetch');
  const { env, observability } = runtime;
  const apiKey = secretsManagerApiKey({
    client: observability.traced(
      createSecretsManagerClient({
        region: env.AWS_REGION,
        ...(env.SLUICE_SECRETSMANAGER_ENDPOINT === undefined
          ? {}
          : { endpoint: env.SLUICE_SECRETSMANAGER_ENDPOINT }),
      }),
    ),
    secretId: env.SLUICE_TWELVEDATA_SECRET_ARN as string,
  });
  return instrument(
    observability,
    createFetchHandler({
      env,
      apiKey,
      store: runtime.store(),
      logger: observability.logger,
      metrics: observability.metrics,
    }),
  );
}

export const handler = lambdaHandler();
