/**
 * Operations settings: how much traffic, memory, time, retention and retry each
 * stage gets, where metrics go and how resources are tagged. Each is a CDK context
 * value (`-c apiRateLimit=500`, or cdk.json), defaulting to sluice's own values;
 * `-c preset=financial` starts from the financial pipeline's values instead, and
 * any explicit value still wins over the preset. docs/deploy.md lists them all.
 */
import { z } from 'zod';

export const FUNCTION_NAMES = ['ingest', 'apiIngest', 'analyze', 'notify', 'aggregate', 'fetch'] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

/** The retention periods CloudWatch Logs offers, in days. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

export interface FunctionSize {
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
}

export interface OperationsSettings {
  /** API Gateway stage throttling: steady requests per second, and burst. */
  readonly apiRateLimit: number;
  readonly apiBurstLimit: number;
  /** Days every function's and the API's logs are kept. */
  readonly logRetentionDays: (typeof LOG_RETENTION_DAYS)[number];
  /** Receives of an analyze message before it moves to the DLQ. */
  readonly maxReceiveCount: number;
  /** Days an undelivered analyze message is kept. */
  readonly messageRetentionDays: number;
  /** Days every dead-letter queue keeps what failed. */
  readonly dlqRetentionDays: number;
  /** Analyze queue visibility timeout; undefined means 6 × the analyze timeout (AWS's rule). */
  readonly visibilityTimeoutSeconds: number | undefined;
  readonly functions: Readonly<Record<FunctionName, FunctionSize>>;
  /** Executions reserved (and capped) for ingest and POST /ingest, so a burst cannot take the account's pool. */
  readonly ingestConcurrency: number;
  readonly apiIngestConcurrency: number;
  /** Days before data objects move to Intelligent-Tiering, and before they expire. */
  readonly bucketTransitionDays: number;
  readonly bucketExpireDays: number;
  /** CloudWatch namespace of the handlers' metrics and the error-count metric filters. */
  readonly metricNamespace: string;
  /** Tags on every resource; `{stage}` in a value becomes the stage name. */
  readonly tags: Readonly<Record<string, string>>;
}

/** sluice's values: what a stack gets without any of these context keys. */
export const DEFAULT_OPERATIONS: OperationsSettings = {
  apiRateLimit: 10,
  apiBurstLimit: 20,
  logRetentionDays: 30,
  maxReceiveCount: 5,
  messageRetentionDays: 4,
  dlqRetentionDays: 14,
  visibilityTimeoutSeconds: undefined,
  functions: {
    // Streams the file (parse, validate, two multipart uploads); CPU scales with memory.
    ingest: { memoryMb: 1024, timeoutSeconds: 300 },
    // Holds one body of at most 4.5 MB while hashing and storing it; API Gateway stops waiting after 29 s.
    apiIngest: { memoryMb: 512, timeoutSeconds: 29 },
    // Holds every valid row of a file for the indicators, then waits on Bedrock.
    analyze: { memoryMb: 2048, timeoutSeconds: 300 },
    // Renders HTML and rasterizes charts (resvg) before sending.
    notify: { memoryMb: 1024, timeoutSeconds: 120 },
    // Reads the last hour of analyses and writes one small item.
    aggregate: { memoryMb: 256, timeoutSeconds: 60 },
    // A minute per 8 symbols on the Basic plan: the longest Lambda allows, about 100 symbols per run.
    fetch: { memoryMb: 256, timeoutSeconds: 900 },
  },
  ingestConcurrency: 10,
  apiIngestConcurrency: 10,
  bucketTransitionDays: 30,
  bucketExpireDays: 365,
  metricNamespace: 'Sluice',
  tags: { project: 'sluice', stage: '{stage}' },
};

/** The financial (market analytics) pipeline sluice replaces: its seeds' values. */
export const PRESETS = {
  financial: {
    apiRateLimit: 10_000,
    apiBurstLimit: 10_000,
    logRetentionDays: 7,
    maxReceiveCount: 3,
    dlqRetentionDays: 14,
    metricNamespace: 'MarketAnalytics',
    tags: { Environment: '{stage}', Project: 'MarketAnalytics' },
  },
} as const satisfies Record<string, Partial<OperationsSettings>>;

export type PresetName = keyof typeof PRESETS;

/** An integer in range from a `-c` string or a cdk.json number, refused with the value received. */
const int = (min: number, max: number) =>
  z.unknown().transform((value, ctx) => {
    const n =
      typeof value === 'number'
        ? value
        : typeof value === 'string' && value.trim() !== ''
          ? Number(value)
          : Number.NaN;
    if (Number.isNaN(n)) {
      ctx.addIssue({ code: 'custom', message: `must be a number (given ${JSON.stringify(value)})` });
      return z.NEVER;
    }
    if (!Number.isInteger(n) || n < min || n > max) {
      ctx.addIssue({
        code: 'custom',
        message: `must be an integer between ${min} and ${max} inclusive (given ${n})`,
      });
      return z.NEVER;
    }
    return n;
  });

const TAG_KEY = /^[\w .:/=+@-]{1,128}$/;
const TAG_VALUE = /^[\w .:/=+@{}-]{0,256}$/;

/** `Key=Value,Key=Value` on the command line, or an object in cdk.json; `{stage}` stands for the stage. */
const TagsSchema = z.unknown().transform((value, ctx) => {
  let tags: Record<string, unknown>;
  if (typeof value === 'string') {
    tags = {};
    for (const pair of value.split(',').filter((p) => p.trim() !== '')) {
      const at = pair.indexOf('=');
      if (at <= 0) {
        ctx.addIssue({
          code: 'custom',
          message: `must be Key=Value pairs separated by commas (given ${value})`,
        });
        return z.NEVER;
      }
      tags[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
    }
  } else if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    tags = value as Record<string, unknown>;
  } else {
    ctx.addIssue({
      code: 'custom',
      message: `must be Key=Value pairs or an object (given ${JSON.stringify(value)})`,
    });
    return z.NEVER;
  }
  const bad = Object.entries(tags).find(
    ([k, v]) => !TAG_KEY.test(k) || typeof v !== 'string' || !TAG_VALUE.test(v),
  );
  if (bad) {
    ctx.addIssue({
      code: 'custom',
      message: `must be AWS tag keys and values (given ${bad[0]}=${String(bad[1])})`,
    });
    return z.NEVER;
  }
  return tags as Record<string, string>;
});

const sizeKeys = FUNCTION_NAMES.flatMap((fn) => [`${fn}MemoryMb`, `${fn}TimeoutSeconds`] as const);

/** Every context key of this file, each optional; see DEFAULT_OPERATIONS for what is used without it. */
export const OperationsContextSchema = z
  .object({
    preset: z.enum(Object.keys(PRESETS) as [PresetName, ...PresetName[]], {
      error: (issue) =>
        `must be one of ${Object.keys(PRESETS).join(', ')} (given ${JSON.stringify(issue.input)})`,
    }),
    apiRateLimit: int(1, 10_000),
    // CloudFormation takes more, but API Gateway caps a stage at the account's burst quota (5,000 unless raised).
    apiBurstLimit: int(1, 10_000),
    logRetentionDays: int(1, 3653).refine(
      (days) => (LOG_RETENTION_DAYS as readonly number[]).includes(days),
      { error: (issue) => `must be one of ${LOG_RETENTION_DAYS.join(', ')} (given ${issue.input})` },
    ),
    maxReceiveCount: int(1, 1000),
    messageRetentionDays: int(1, 14),
    dlqRetentionDays: int(1, 14),
    visibilityTimeoutSeconds: int(0, 43_200),
    ingestConcurrency: int(1, 1000),
    apiIngestConcurrency: int(1, 1000),
    bucketTransitionDays: int(1, 3650),
    bucketExpireDays: int(2, 3650),
    metricNamespace: z
      .string()
      .regex(/^[A-Za-z0-9._/#:-]{1,255}$/, 'must be a CloudWatch namespace (letters, digits, . _ / # : -)')
      .refine((ns) => !ns.startsWith('AWS/'), 'must not start with AWS/ (reserved for AWS services)'),
    tags: TagsSchema,
    ...Object.fromEntries(
      sizeKeys.map((key) => [key, key.endsWith('MemoryMb') ? int(128, 10_240) : int(1, 900)]),
    ),
  })
  .partial();

export type OperationsContext = z.infer<typeof OperationsContextSchema>;

export const OPERATIONS_CONTEXT_KEYS = Object.keys(OperationsContextSchema.shape);

/** The settings a stack gets from its context: defaults, then the preset, then each explicit value. */
export function resolveOperations(context: OperationsContext): OperationsSettings {
  const preset: Partial<OperationsSettings> = context.preset ? PRESETS[context.preset] : {};
  const base = { ...DEFAULT_OPERATIONS, ...preset };
  const record = context as Record<string, unknown>;
  const functions = Object.fromEntries(
    FUNCTION_NAMES.map((fn) => [
      fn,
      {
        memoryMb: (record[`${fn}MemoryMb`] as number | undefined) ?? base.functions[fn].memoryMb,
        timeoutSeconds:
          (record[`${fn}TimeoutSeconds`] as number | undefined) ?? base.functions[fn].timeoutSeconds,
      },
    ]),
  ) as Record<FunctionName, FunctionSize>;
  const settings: OperationsSettings = {
    apiRateLimit: context.apiRateLimit ?? base.apiRateLimit,
    apiBurstLimit: context.apiBurstLimit ?? base.apiBurstLimit,
    logRetentionDays: (context.logRetentionDays ??
      base.logRetentionDays) as OperationsSettings['logRetentionDays'],
    maxReceiveCount: context.maxReceiveCount ?? base.maxReceiveCount,
    messageRetentionDays: context.messageRetentionDays ?? base.messageRetentionDays,
    dlqRetentionDays: context.dlqRetentionDays ?? base.dlqRetentionDays,
    visibilityTimeoutSeconds: context.visibilityTimeoutSeconds ?? base.visibilityTimeoutSeconds,
    functions,
    ingestConcurrency: context.ingestConcurrency ?? base.ingestConcurrency,
    apiIngestConcurrency: context.apiIngestConcurrency ?? base.apiIngestConcurrency,
    bucketTransitionDays: context.bucketTransitionDays ?? base.bucketTransitionDays,
    bucketExpireDays: context.bucketExpireDays ?? base.bucketExpireDays,
    metricNamespace: context.metricNamespace ?? base.metricNamespace,
    tags: context.tags ?? base.tags,
  };
  assertConsistent(settings);
  return settings;
}

/** Rules between values, with the values received. */
function assertConsistent(settings: OperationsSettings): void {
  const problems: string[] = [];
  if (settings.bucketExpireDays <= settings.bucketTransitionDays) {
    problems.push(
      `-c bucketExpireDays: must be more than bucketTransitionDays (given ${settings.bucketExpireDays} and ${settings.bucketTransitionDays})`,
    );
  }
  const analyzeTimeout = settings.functions.analyze.timeoutSeconds;
  if (settings.visibilityTimeoutSeconds !== undefined && settings.visibilityTimeoutSeconds < analyzeTimeout) {
    problems.push(
      `-c visibilityTimeoutSeconds: must be at least analyzeTimeoutSeconds, or a batch is delivered twice while it runs (given ${settings.visibilityTimeoutSeconds} and ${analyzeTimeout})`,
    );
  }
  if (problems.length > 0) throw new Error(`invalid CDK context:\n  ${problems.join('\n  ')}`);
}

/** The tags of one stage, `{stage}` filled in. */
export const tagsFor = (settings: OperationsSettings, stage: string): Record<string, string> =>
  Object.fromEntries(Object.entries(settings.tags).map(([k, v]) => [k, v.replaceAll('{stage}', stage)]));

/** Reads and validates the operations context; every problem is named by its `-c` key. */
export function parseOperationsContext(read: (key: string) => unknown): OperationsContext {
  const raw = Object.fromEntries(
    OPERATIONS_CONTEXT_KEYS.map((key) => [key, read(key)]).filter(([, value]) => value !== undefined),
  );
  const parsed = OperationsContextSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `-c ${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`invalid CDK context:\n  ${problems.join('\n  ')}`);
  }
  return parsed.data;
}

/** The context values as `-c` flags take them, for a synth inside the delivery pipeline. */
export function operationsContextFlags(context: OperationsContext): Record<string, string> {
  return Object.fromEntries(
    Object.entries(context)
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => [
        key,
        typeof value === 'object'
          ? Object.entries(value as Record<string, string>)
              .map(([k, v]) => `${k}=${v}`)
              .join(',')
          : String(value),
      ]),
  );
}
