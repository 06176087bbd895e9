/**
 * Local configuration from the environment, read once and validated, so a typo
 * fails at start with the variable's name rather than midway through a run.
 */
import { z } from 'zod';
import { PriceTableJsonSchema } from '../core/analyze/cost.js';
import { ConfigError } from '../core/errors.js';
import { DEFAULT_INGEST_OPTIONS } from '../core/ingest/stage.js';
import { DEFAULT_REJECT_PCT_THRESHOLD } from '../core/notify/failure-notice.js';
import { configEnv } from './config-file.js';
import { fileKeyOf } from './config-options.js';

const positiveInt = z.coerce.number().int().positive();

export const LocalConfigSchema = z.object({
  /** Where inputs, outputs, state and dead letters live. */
  SLUICE_DATA_DIR: z.string().min(1).default('.sluice'),
  /** The project's dataset contract files (`*.yaml`, `*.json`), read at start. */
  SLUICE_CONTRACTS_DIR: z.string().min(1).default('datasets'),
  /** Largest input accepted, in bytes. */
  SLUICE_MAX_BYTES: positiveInt.default(DEFAULT_INGEST_OPTIONS.maxBytes),
  /** Largest single record (CSV row, JSON element), in characters. */
  SLUICE_MAX_RECORD_CHARS: positiveInt.default(DEFAULT_INGEST_OPTIONS.limits.maxRecordChars),
  /** Port of `sluice dev`'s dashboard on 127.0.0.1; 0 picks a free one. */
  SLUICE_DEV_PORT: z.coerce.number().int().min(0).max(65_535).default(4400),
  SLUICE_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('warn'),
  /** Who writes the narrative: the offline writer, Amazon Bedrock, or an OpenAI-compatible server. */
  SLUICE_ANALYST: z.enum(['offline', 'bedrock', 'openai']).default('offline'),
  SLUICE_BEDROCK_MODEL_ID: z.string().min(1).default('amazon.nova-lite-v1:0'),
  AWS_REGION: z.string().min(1).default('us-east-1'),
  SLUICE_OPENAI_BASE_URL: z.url().optional(),
  SLUICE_OPENAI_MODEL: z.string().min(1).optional(),
  SLUICE_OPENAI_API_KEY: z.string().min(1).optional(),
  /** Most bytes of an LLM server's answer read before it is cut off as invalid. */
  SLUICE_LLM_MAX_RESPONSE_BYTES: positiveInt.default(1_048_576),
  /** Reject percentage above which an ingested file gets a failure notice (a refused file always does). */
  SLUICE_REJECT_PCT_THRESHOLD: z.coerce.number().min(0).max(100).default(DEFAULT_REJECT_PCT_THRESHOLD),
  /** Symbols of a large market file the narrative writes an outlook for: the prompt's token budget. */
  SLUICE_OUTLOOK_SYMBOLS: z.coerce.number().int().min(1).max(50).default(12),
  /** JSON price table merged over the defaults: {"model": {"inputPer1k": 0.1, "outputPer1k": 0.2}}. */
  // A blank variable means the defaults, as an unset one does.
  SLUICE_PRICES: z.preprocess(
    (value) => (typeof value === 'string' && value.trim() === '' ? undefined : value),
    PriceTableJsonSchema.optional(),
  ),
});

export type LocalConfig = z.infer<typeof LocalConfigSchema>;

/** Reads the environment over sluice.config.json (see config-file.ts). */
export function loadLocalConfig(env: NodeJS.ProcessEnv = configEnv()): LocalConfig {
  const parsed = LocalConfigSchema.superRefine((config, ctx) => {
    if (config.SLUICE_ANALYST !== 'openai') return;
    for (const name of ['SLUICE_OPENAI_BASE_URL', 'SLUICE_OPENAI_MODEL'] as const) {
      if (config[name] === undefined)
        ctx.addIssue({ code: 'custom', path: [name], message: 'required when SLUICE_ANALYST=openai' });
    }
  }).safeParse(env);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const name = String(first?.path[0] ?? '?');
    throw new ConfigError(`invalid ${name} (config key ${fileKeyOf(name)}): ${first?.message ?? 'invalid'}`);
  }
  return parsed.data;
}
