/**
 * `sluice fetch <SYMBOLS>`: Twelve Data time series into inputs/twelvedata/
 * (the local data dir, or an S3 bucket whose inputs/ triggers ingest), paced by
 * the plan's credits per minute. Exit 0 when every symbol came back, 1 when some
 * did not (or a file was refused by --ingest), 2 on a usage or configuration
 * error (a refused API key included), 75 when the API stayed rate-limited or
 * unreachable.
 */
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import { FsObjectStore } from '../../adapters/local/object-store.fs.js';
import {
  DEFAULT_BASE_URL,
  type FetchRetry,
  TwelveDataClient,
} from '../../adapters/twelvedata/time-series.client.js';
import { FetchPacingSchema, FetchParamsSchema } from '../../core/fetch/params.js';
import { type FetchProgress, type FetchReport, fetchTimeSeries } from '../../core/fetch/run.js';
import { type BucketWait, TokenBucket } from '../../core/fetch/token-bucket.js';
import { type Clock, type ObjectStore, systemClock } from '../../core/ports.js';
import { type LocalConfig, loadLocalConfig } from '../../local/config.js';
import { configEnv } from '../../local/config-file.js';
import { openLocalPorts } from '../../local/local-ports.js';
import type { CliIo, IngestedFile } from '../io.js';
import { ingestFiles } from './ingest.js';

export interface FetchCommandOptions {
  readonly interval?: string;
  readonly outputsize?: string;
  readonly start?: string;
  readonly end?: string;
  readonly timezone?: string;
  readonly batchSize?: string;
  readonly creditsPerMinute?: string;
  readonly baseUrl?: string;
  readonly bucket?: string;
  readonly ingest?: boolean;
  readonly json?: boolean;
}

export interface FetchCommandContext {
  readonly io: CliIo;
  /** The global --data-dir, when given. */
  readonly dataDir?: string;
  /** @default the environment over sluice.config.json */
  readonly env?: NodeJS.ProcessEnv;
  /** For tests: time, waiting and HTTP. */
  readonly clock?: Clock;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly fetch?: typeof fetch;
}

const blankIsUnset = (value: unknown) =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

export const FetchEnvSchema = z.object({
  TWELVEDATA_API_KEY: z.preprocess(blankIsUnset, z.string().optional()),
  TWELVEDATA_CREDITS_PER_MINUTE: z.preprocess(blankIsUnset, z.string().optional()),
  TWELVEDATA_BASE_URL: z.preprocess(blankIsUnset, z.url().optional()),
  /** Points --bucket at an S3 emulator (as the handlers' variable of the same name does). */
  SLUICE_S3_ENDPOINT: z.preprocess(blankIsUnset, z.url().optional()),
});

// Zod paths name schema fields; the user typed options.
const OPTION_NAMES: Readonly<Record<string, string>> = {
  symbols: '<SYMBOLS>',
  interval: '--interval',
  outputsize: '--outputsize',
  start: '--start',
  end: '--end',
  timezone: '--timezone',
  batchSize: '--batch-size',
  creditsPerMinute: '--credits-per-minute (or TWELVEDATA_CREDITS_PER_MINUTE)',
  TWELVEDATA_BASE_URL: 'TWELVEDATA_BASE_URL',
  SLUICE_S3_ENDPOINT: 'SLUICE_S3_ENDPOINT',
};

const usageError = (error: z.ZodError): string => {
  const issue = error.issues[0];
  const field = String(issue?.path[0] ?? '');
  return `invalid ${OPTION_NAMES[field] ?? field}: ${issue?.message ?? 'invalid'}`;
};

const seconds = (ms: number): string => `${Math.ceil(ms / 1000)} s`;

const EXIT = { ok: 0, partial: 1, usage: 2, temporary: 75 } as const;

function exitCode(report: FetchReport, refused: number): number {
  if (report.error?.code === 'FETCH.UNAUTHORIZED') return EXIT.usage;
  if (report.error?.temporary) return EXIT.temporary;
  return report.error || report.failed.length > 0 || refused > 0 ? EXIT.partial : EXIT.ok;
}

/** Imported only with --bucket: the S3 client is a large part of the AWS SDK. */
async function s3Store(
  bucket: string,
  region: string,
  endpoint: string | undefined,
): Promise<{ store: ObjectStore; close(): void }> {
  const [{ S3Client }, { S3ObjectStore }] = await Promise.all([
    import('@aws-sdk/client-s3'),
    import('../../adapters/aws/object-store.s3.js'),
  ]);
  const client = new S3Client({
    region,
    // Emulators answer on one host, not <bucket>.<host>.
    ...(endpoint === undefined ? {} : { endpoint, forcePathStyle: true }),
  });
  return { store: new S3ObjectStore({ client, bucket }), close: () => client.destroy() };
}

export async function fetchCommand(
  symbols: string,
  options: FetchCommandOptions,
  context: FetchCommandContext,
): Promise<number> {
  const { io } = context;
  const env = context.env ?? configEnv();
  const fail = (message: string, code: number): number => {
    io.stderr.write(`sluice: ${message}\n`);
    return code;
  };

  const vars = FetchEnvSchema.safeParse(env);
  if (!vars.success) return fail(usageError(vars.error), EXIT.usage);
  const params = FetchParamsSchema.safeParse({ symbols, ...options });
  if (!params.success) return fail(usageError(params.error), EXIT.usage);
  const pacing = FetchPacingSchema.safeParse({
    batchSize: options.batchSize,
    creditsPerMinute: options.creditsPerMinute ?? vars.data.TWELVEDATA_CREDITS_PER_MINUTE,
  });
  if (!pacing.success) return fail(usageError(pacing.error), EXIT.usage);
  if (options.ingest && options.bucket !== undefined) {
    return fail(
      '--ingest works on the local data dir; a bucket ingests what lands in its inputs/',
      EXIT.usage,
    );
  }
  const apiKey = vars.data.TWELVEDATA_API_KEY;
  if (apiKey === undefined) {
    return fail(
      'TWELVEDATA_API_KEY is not set: export your Twelve Data API key (https://twelvedata.com/apikey) as TWELVEDATA_API_KEY',
      EXIT.usage,
    );
  }

  const config = loadLocalConfig(env);
  const dataDir = path.resolve(context.dataDir ?? config.SLUICE_DATA_DIR);
  const clock = context.clock ?? systemClock;
  const { creditsPerMinute } = pacing.data;
  const bucket = new TokenBucket({
    capacity: creditsPerMinute,
    clock,
    sleep: context.sleep ?? ((ms) => delay(ms)),
    onWait: (wait: BucketWait) =>
      io.stderr.write(`waiting ${seconds(wait.waitMs)} for API credits (${wait.capacity}/min)\n`),
  });
  const client = new TwelveDataClient({
    apiKey,
    baseUrl: options.baseUrl ?? vars.data.TWELVEDATA_BASE_URL ?? DEFAULT_BASE_URL,
    bucket,
    clock,
    ...(context.sleep ? { sleep: context.sleep } : {}),
    ...(context.fetch ? { fetch: context.fetch } : {}),
    onRetry: (retry: FetchRetry) =>
      io.stderr.write(
        `${retry.error.message}; retrying in ${seconds(retry.delayMs)} (${retry.retry}/${retry.maxRetries})\n`,
      ),
  });

  const target =
    options.bucket === undefined
      ? { store: new FsObjectStore(dataDir), close: () => {} }
      : await s3Store(options.bucket, config.AWS_REGION, vars.data.SLUICE_S3_ENDPOINT);
  const { store } = target;
  const where = (key: string): string =>
    options.bucket === undefined ? path.join(dataDir, key) : `s3://${options.bucket}/${key}`;

  const onProgress = (progress: FetchProgress): void => {
    for (const f of progress.failed) {
      io.stderr.write(`sluice: ${f.symbol}: ${f.code === null ? '' : `${f.code} `}${f.message}\n`);
    }
    if (progress.kind === 'written') {
      io.stderr.write(`fetched ${progress.file.symbols.join(', ')} → ${where(progress.file.key)}\n`);
    } else {
      io.stderr.write(
        `sluice: every symbol of ${progress.failed.map((f) => f.symbol).join(', ')} failed; nothing written for them\n`,
      );
    }
  };

  let report: FetchReport;
  try {
    report = await fetchTimeSeries(
      { source: client, store, clock },
      { params: params.data, pacing: pacing.data, onProgress },
    );
  } finally {
    target.close();
  }
  if (report.error) io.stderr.write(`sluice: ${report.error.message}\n`);
  if (report.notFetched.length > 0) io.stderr.write(`sluice: not fetched: ${report.notFetched.join(', ')}\n`);

  const ingested =
    options.ingest && report.files.length > 0 ? await ingestWritten(report, config, dataDir, io) : [];
  const refused = ingested.filter((i) => i.result.manifest?.status !== 'ingested').length;

  if (options.json) {
    const summary = {
      requests: report.requests,
      files: report.files.map((f) => ({ ...f, location: where(f.key) })),
      failed: report.failed,
      notFetched: report.notFetched,
      error: report.error ?? null,
      ...(options.ingest
        ? {
            ingested: ingested.map(({ key, result }) => ({
              key,
              outcome: result.outcome,
              status: result.manifest?.status ?? null,
              counts: result.manifest?.counts ?? null,
            })),
          }
        : {}),
    };
    io.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  } else {
    for (const f of report.files) io.stdout.write(`${where(f.key)}\n`);
    for (const { key, result } of ingested) {
      const m = result.manifest;
      io.stdout.write(
        `ingested ${key}: ${m ? `${m.status}, ${m.counts.valid} valid, ${m.counts.rejected} rejected` : result.outcome}\n`,
      );
    }
  }
  return exitCode(report, refused);
}

async function ingestWritten(
  report: FetchReport,
  config: LocalConfig,
  dataDir: string,
  io: CliIo,
): Promise<IngestedFile[]> {
  const ports = openLocalPorts(config, dataDir);
  try {
    const files = report.files.map((f) => path.join(dataDir, f.key));
    return await ingestFiles(ports, config, files, { json: true }, io);
  } finally {
    await ports.close();
  }
}
