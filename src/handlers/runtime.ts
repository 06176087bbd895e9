import path from 'node:path';
/**
 * The composition root on AWS: configuration, observability, SDK clients and
 * adapters, built once per container at cold start. Each port is built on first
 * use, so a handler that never sends mail never builds a mailer (or needs its settings).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { InvocationDeadline } from '../adapters/aws/deadline.js';
import { createEventBridgeClient, EventBridgeBus } from '../adapters/aws/event-bus.eventbridge.js';
import { S3ObjectStore } from '../adapters/aws/object-store.s3.js';
import { createObservability, type Observability } from '../adapters/aws/observability.js';
import { DynamoDbStateStore } from '../adapters/aws/state-store.dynamodb.js';
import { loadPackagedContracts } from '../adapters/fs/packaged-contracts.js';
import { loadMailConfig } from '../adapters/mail/mail-config.js';
import { DEFAULT_PRICES } from '../core/analyze/cost.js';
import { type AnalyzeOptions, DEFAULT_ANALYZE_OPTIONS } from '../core/analyze/options.js';
import type { ContractSet } from '../core/datasets/registry.js';
import { ConfigError } from '../core/errors.js';
import { DEFAULT_INGEST_OPTIONS, type IngestOptions } from '../core/ingest/stage.js';
import type { NotifyOptions } from '../core/notify/stage.js';
import { DEFAULT_NOTIFY_TIMING } from '../core/notify/timing.js';
import {
  type Analyst,
  type ChartRasterizer,
  type Clock,
  type EventBus,
  type Mailer,
  type ObjectStore,
  type StateStore,
  systemClock,
} from '../core/ports.js';
import { type HandlerEnv, type HandlerName, loadHandlerEnv } from './env.js';

export interface Runtime {
  readonly name: HandlerName;
  readonly env: HandlerEnv;
  readonly observability: Observability;
  readonly clock: Clock;
  /**
   * The running invocation's deadline (set by the handler from its context): the Bedrock
   * and SES retry loops end before it, with SLUICE_DEADLINE_MARGIN_MS left to record the failure.
   */
  readonly deadline: InvocationDeadline;
  /** The project's contracts packaged with the function, and the built-ins; loaded at cold start. */
  readonly contracts: ContractSet;
  store(): ObjectStore;
  state(): StateStore;
  bus(): EventBus;
  /**
   * Undefined when SLUICE_ANALYST=offline: the stage writes the offline narrative.
   * Asynchronous, like mailer() and rasterizer(): their modules (Bedrock, nodemailer
   * and SES, a native rasterizer) load only in the handler that uses them, which
   * keeps every other bundle small and its cold start short.
   */
  analyst(): Promise<Analyst | undefined>;
  mailer(): Promise<Mailer>;
  rasterizer(): Promise<ChartRasterizer>;
  /** With the invocation's context, claims expire when the invocation must have ended (see claimTtlWithin). */
  ingestOptions(context?: InvocationClock): IngestOptions;
  analyzeOptions(context?: InvocationClock): AnalyzeOptions;
  notifyOptions(context?: InvocationClock): NotifyOptions;
}

/** The part of the Lambda context that says how long the invocation may still run. */
export interface InvocationClock {
  getRemainingTimeInMillis(): number;
}

/**
 * A claim must not outlive the invocation that holds it. An invocation that times out
 * or dies cannot release its claim, and the platform's retry (Lambda's async retry
 * after a minute, the stream's at once) comes before the stage's default expiry: it
 * would find the claim "in progress", succeed without doing the work, and the input
 * would be dropped. Nothing can still be working on the claim after the deadline.
 */
export function claimTtlWithin(defaultMs: number, context?: InvocationClock): number {
  if (!context) return defaultMs;
  return Math.max(1, Math.min(defaultMs, context.getRemainingTimeInMillis()));
}

/**
 * The notification record (notify's completed claim: who was mailed, when, which
 * message) is kept as long as the analysis it reports on, whose items have no TTL:
 * ten years stands in for never, since the TTL attribute needs a number.
 */
export const NOTIFICATION_RETAIN_MS = 10 * 365 * 24 * 3600 * 1000;

const once = <T>(build: () => T): (() => T) => {
  let built: { value: T } | undefined;
  return () => {
    built ??= { value: build() };
    return built.value;
  };
};

const endpointOf = (endpoint: string | undefined) => (endpoint === undefined ? {} : { endpoint });

/** Throws ConfigError naming the variable when the environment is incomplete or invalid. */
export function createRuntime(name: HandlerName, source: NodeJS.ProcessEnv = process.env): Runtime {
  const env = loadHandlerEnv(name, source);
  const observability = createObservability(name, source);
  const { logger, metrics, traced } = observability;
  const region = env.AWS_REGION;
  // Validated now, not at the first mail: a bad address must fail the cold start with its name.
  const mail =
    name === 'notify' ? loadMailConfig({ ...source, SLUICE_MAILER: 'ses' }, { dataDir: '/tmp' }) : undefined;
  const prices = env.SLUICE_PRICES ?? DEFAULT_PRICES;
  const deadline = new InvocationDeadline(systemClock);
  // A bad contract fails the cold start with every problem named, before any event is taken.
  const contracts = loadPackagedContracts(
    env.SLUICE_CONTRACTS_DIR ?? path.join(source.LAMBDA_TASK_ROOT ?? process.cwd(), 'datasets'),
  );

  return {
    name,
    env,
    contracts,
    observability,
    clock: systemClock,
    deadline,
    store: once(
      () =>
        new S3ObjectStore({
          client: traced(
            new S3Client({
              region,
              ...endpointOf(env.SLUICE_S3_ENDPOINT),
              // Emulators answer on one host, not <bucket>.<host>.
              forcePathStyle: env.SLUICE_S3_ENDPOINT !== undefined,
            }),
          ),
          bucket: env.SLUICE_BUCKET,
          ...(env.SLUICE_KMS_KEY_ARN ? { kmsKeyId: env.SLUICE_KMS_KEY_ARN } : {}),
          logger,
        }),
    ),
    state: once(
      () =>
        new DynamoDbStateStore({
          client: DynamoDBDocumentClient.from(
            traced(new DynamoDBClient({ region, ...endpointOf(env.SLUICE_DYNAMODB_ENDPOINT) })),
            { marshallOptions: { removeUndefinedValues: true } },
          ),
          table: env.SLUICE_TABLE,
          metrics,
        }),
    ),
    bus: once(
      () =>
        new EventBridgeBus({
          client: traced(createEventBridgeClient({ region, ...endpointOf(env.SLUICE_EVENTS_ENDPOINT) })),
          busName: env.SLUICE_EVENT_BUS,
          metrics,
        }),
    ),
    analyst: once(async () => {
      if (env.SLUICE_ANALYST === 'offline') return undefined;
      const { BedrockAnalyst, createBedrockClient } = await import('../adapters/aws/analyst.bedrock.js');
      return new BedrockAnalyst({
        client: deadline.bind(
          traced(createBedrockClient({ region, ...endpointOf(env.SLUICE_BEDROCK_ENDPOINT) })),
          'a Bedrock call',
        ),
        sleep: deadline.sleep(),
        modelId: env.SLUICE_BEDROCK_MODEL_ID,
        logger,
        metrics,
      });
    }),
    mailer: once(async () => {
      if (mail?.mailer !== 'ses') throw new ConfigError(`the ${name} handler sends no mail`);
      const { createMailer } = await import('../adapters/mail/create-mailer.js');
      const { createSesClient } = await import('../adapters/mail/mailer.ses.js');
      return createMailer(mail, {
        sesClient: deadline.bind(
          traced(createSesClient({ region: mail.ses.region, ...endpointOf(env.SLUICE_SES_ENDPOINT) })),
          'an SES send',
        ),
        sleep: deadline.sleep(),
        logger,
        metrics,
      });
    }),
    rasterizer: once(async () => {
      const { ResvgRasterizer } = await import('../adapters/local/chart-rasterizer.resvg.js');
      return new ResvgRasterizer();
    }),
    ingestOptions: (context) => ({
      ...DEFAULT_INGEST_OPTIONS,
      claimTtlMs: claimTtlWithin(DEFAULT_INGEST_OPTIONS.claimTtlMs, context),
      maxBytes: env.SLUICE_MAX_BYTES,
      producer: 'sluice-lambda',
    }),
    analyzeOptions: (context) => ({
      ...DEFAULT_ANALYZE_OPTIONS,
      claimTtlMs: claimTtlWithin(DEFAULT_ANALYZE_OPTIONS.claimTtlMs, context),
      prices,
      outlookSymbols: env.SLUICE_OUTLOOK_SYMBOLS,
    }),
    notifyOptions: (context) => {
      if (!mail) throw new ConfigError(`the ${name} handler sends no mail`);
      return {
        ...DEFAULT_NOTIFY_TIMING,
        claimTtlMs: claimTtlWithin(DEFAULT_NOTIFY_TIMING.claimTtlMs, context),
        retainMs: NOTIFICATION_RETAIN_MS,
        mail: { from: mail.from, to: mail.to, subjectTemplate: mail.subjectTemplate },
      };
    },
  };
}
