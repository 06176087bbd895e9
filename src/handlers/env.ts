/**
 * Lambda configuration from the environment, read once at cold start and
 * validated, so a missing variable fails the first invocation with its name.
 * The `*_ENDPOINT` variables exist for tests that point the clients at
 * emulators and loopback servers; they are never set in a deployment.
 */
import { z } from 'zod';
import { PriceTableJsonSchema } from '../core/analyze/cost.js';
import { ConfigError } from '../core/errors.js';

const positiveInt = z.coerce.number().int().positive();
const optionalUrl = z.url().optional();

export const HandlerEnvSchema = z.object({
  /** The data bucket (inputs/, processed/, rejects/, manifests/). */
  SLUICE_BUCKET: z.string().min(3),
  /** The single DynamoDB table (pk, sk, ttl). */
  SLUICE_TABLE: z.string().min(3),
  /** The custom EventBridge bus, `sluice-<stage>`. */
  SLUICE_EVENT_BUS: z.string().min(1),
  AWS_REGION: z.string().min(1),
  SLUICE_MAX_BYTES: positiveInt.default(512 * 1024 * 1024),
  /** Largest POST /ingest body, in bytes (API Gateway caps payloads at 10 MB). */
  SLUICE_API_MAX_BYTES: positiveInt.default(6 * 1024 * 1024),
  SLUICE_ANALYST: z.enum(['offline', 'bedrock']).default('bedrock'),
  SLUICE_BEDROCK_MODEL_ID: z.string().min(1).default('amazon.nova-lite-v1:0'),
  SLUICE_MAIL_FROM: z.string().min(3).optional(),
  SLUICE_MAIL_TO: z.string().min(3).optional(),
  SLUICE_MAIL_SUBJECT: z.string().optional(),
  SLUICE_SES_CONFIGURATION_SET: z.string().optional(),
  /** JSON price table merged over the defaults. */
  SLUICE_PRICES: PriceTableJsonSchema.optional(),
  /** How far back the 5-minute aggregate looks, in minutes. */
  SLUICE_AGGREGATE_WINDOW_MINUTES: positiveInt.default(60),
  SLUICE_S3_ENDPOINT: optionalUrl,
  SLUICE_DYNAMODB_ENDPOINT: optionalUrl,
  SLUICE_EVENTS_ENDPOINT: optionalUrl,
  SLUICE_SES_ENDPOINT: optionalUrl,
  SLUICE_BEDROCK_ENDPOINT: optionalUrl,
});

export type HandlerEnv = z.infer<typeof HandlerEnvSchema>;

/** Variables each handler needs beyond the common ones. */
export const REQUIRED_BY = {
  ingest: [],
  'api-ingest': [],
  analyze: [],
  notify: ['SLUICE_MAIL_FROM', 'SLUICE_MAIL_TO'],
  aggregate: [],
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
