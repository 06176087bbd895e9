/**
 * Lambda configuration from the environment, read once at cold start and
 * validated, so a missing variable fails the first invocation with its name.
 * The `*_ENDPOINT` variables exist for tests that point the clients at
 * emulators and loopback servers; they are never set in a deployment.
 */
import { z } from 'zod';
import { PriceTableJsonSchema } from '../core/analyze/cost.js';
import { ConfigError } from '../core/errors.js';
import { INTERVALS, MAX_OUTPUTSIZE, SymbolListSchema } from '../core/fetch/params.js';
import { DEFAULT_REJECT_PCT_THRESHOLD } from '../core/notify/failure-notice.js';

const positiveInt = z.coerce.number().int().positive();

/** 6,000,000 base64 characters, leaving Lambda's 6 MB request limit room for the rest of the event. */
export const API_MAX_BYTES = 4_500_000;
const optionalUrl = z.url().optional();

export const HandlerEnvSchema = z.object({
  /** The data bucket (inputs/, processed/, rejects/, manifests/). */
  SLUICE_BUCKET: z.string().min(3),
  /** The single DynamoDB table (pk, sk, ttl). */
  SLUICE_TABLE: z.string().min(3),
  /** The custom EventBridge bus, `sluice-<stage>`. */
  SLUICE_EVENT_BUS: z.string().min(1),
  AWS_REGION: z.string().min(1),
  /** The data bucket's customer-managed key; writes name it (unset with S3-managed keys). */
  SLUICE_KMS_KEY_ARN: z.string().startsWith('arn:').optional(),
  SLUICE_MAX_BYTES: positiveInt.default(512 * 1024 * 1024),
  /** The project's contracts as JSON documents, packaged beside the bundle by the CDK app (infra/lib/contracts-code.ts). */
  SLUICE_CONTRACTS_DIR: z.string().min(1).optional(),
  /**
   * Largest POST /ingest body, decoded, in bytes. Lambda takes at most 6 MB of request
   * payload, and API Gateway base64-encodes binary bodies (CSV, gzip) by 4/3, so about
   * 4.5 MB is what can arrive; the check runs on the encoded length, before decoding.
   */
  SLUICE_API_MAX_BYTES: positiveInt.default(API_MAX_BYTES),
  SLUICE_ANALYST: z.enum(['offline', 'bedrock']).default('bedrock'),
  SLUICE_BEDROCK_MODEL_ID: z.string().min(1).default('amazon.nova-lite-v1:0'),
  SLUICE_MAIL_FROM: z.string().min(3).optional(),
  SLUICE_MAIL_TO: z.string().min(3).optional(),
  SLUICE_MAIL_SUBJECT: z.string().optional(),
  SLUICE_SES_CONFIGURATION_SET: z.string().optional(),
  /** JSON price table merged over the defaults. */
  SLUICE_PRICES: PriceTableJsonSchema.optional(),
  /** Symbols of a large market file the narrative writes an outlook for: the prompt's token budget. */
  SLUICE_OUTLOOK_SYMBOLS: z.coerce.number().int().min(1).max(50).default(12),
  /**
   * Time kept back from the end of an invocation for recording a failure: retry loops
   * (Bedrock, SES) stop this long before Lambda's timeout would.
   */
  SLUICE_DEADLINE_MARGIN_MS: positiveInt.default(10_000),
  /**
   * The analyze queue's receives before the DLQ. On the last one, a record that runs out
   * of time stores the offline narrative instead of being delivered again.
   */
  SLUICE_MAX_RECEIVE_COUNT: positiveInt.default(5),
  /** Reject percentage of an ingested file above which it gets a failure notice (the reject-pct alarm's too). */
  SLUICE_REJECT_PCT_THRESHOLD: z.coerce.number().min(0).max(100).default(DEFAULT_REJECT_PCT_THRESHOLD),
  /** How far back the 5-minute aggregate looks, in minutes. */
  SLUICE_AGGREGATE_WINDOW_MINUTES: positiveInt.default(60),
  /** Comma-separated symbols the scheduled fetch asks for, unless its event names others. */
  SLUICE_FETCH_SYMBOLS: SymbolListSchema.optional(),
  SLUICE_FETCH_INTERVAL: z.enum(INTERVALS).default('1day'),
  /** Bars per symbol and fetch. */
  SLUICE_FETCH_OUTPUTSIZE: positiveInt.max(MAX_OUTPUTSIZE).default(30),
  /** The Twelve Data plan's API credits per minute (Basic: 8). */
  SLUICE_FETCH_CREDITS_PER_MINUTE: positiveInt.default(8),
  /** The Secrets Manager secret holding the Twelve Data API key. */
  SLUICE_TWELVEDATA_SECRET_ARN: z.string().min(1).optional(),
  SLUICE_S3_ENDPOINT: optionalUrl,
  SLUICE_DYNAMODB_ENDPOINT: optionalUrl,
  SLUICE_EVENTS_ENDPOINT: optionalUrl,
  SLUICE_SES_ENDPOINT: optionalUrl,
  SLUICE_BEDROCK_ENDPOINT: optionalUrl,
  SLUICE_SECRETSMANAGER_ENDPOINT: optionalUrl,
  SLUICE_TWELVEDATA_ENDPOINT: optionalUrl,
});

export type HandlerEnv = z.infer<typeof HandlerEnvSchema>;

/** Variables each handler needs beyond the common ones. */
export const REQUIRED_BY = {
  ingest: [],
  'api-ingest': [],
  analyze: [],
  notify: ['SLUICE_MAIL_FROM', 'SLUICE_MAIL_TO'],
  aggregate: [],
  fetch: ['SLUICE_TWELVEDATA_SECRET_ARN'],
} as const satisfies Record<string, ReadonlyArray<keyof HandlerEnv>>;

export type HandlerName = keyof typeof REQUIRED_BY;

export function loadHandlerEnv(name: HandlerName, env: NodeJS.ProcessEnv = process.env): HandlerEnv {
  const parsed = HandlerEnvSchema.safeParse(env);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const variable = String(first?.path[0] ?? '?');
    const missing = env[variable] === undefined;
    throw new ConfigError(
      `${name} handler: environment variable ${variable} ${missing ? 'is missing' : `is invalid: ${first?.message}`}`,
    );
  }
  for (const variable of REQUIRED_BY[name] as ReadonlyArray<keyof HandlerEnv>) {
    if (parsed.data[variable] === undefined) {
      throw new ConfigError(`${name} handler: environment variable ${variable} is missing`);
    }
  }
  return parsed.data;
}
