/**
 * Ingest, started by an S3 event: from EventBridge ("Object Created", the default
 * trigger), from an S3 event notification invoking it directly, or from an SQS queue
 * that S3 notifications are sent to (see src/handlers/s3-events.ts). Infrastructure
 * failures are thrown (or, from SQS, reported per message) so the platform retries;
 * bad data and unusable keys never throw: they end in a rejected manifest.
 */
import type { Context, SQSBatchItemFailure } from 'aws-lambda';
import { instrument, recordIngestMetrics } from '../adapters/aws/observability.js';
import { assertSafeKey, decodeS3EventKey } from '../adapters/object-keys.js';
import { errorCode, errorMessage, InvalidKeyError } from '../core/errors.js';
import { refuseKey } from '../core/ingest/refused-key.js';
import { type IngestOutcome, type IngestResult, ingestObject } from '../core/ingest/stage.js';
import { INPUT_PREFIX } from '../core/keys.js';
import type { ObjectStore } from '../core/ports.js';
import { createRuntime } from './runtime.js';
import {
  type ObjectTarget,
  type S3Trigger,
  s3TriggersOf,
  s3TriggersOfMessage,
  sqsMessagesOf,
} from './s3-events.js';

const runtime = createRuntime('ingest');

type Resolved = { readonly key: string } | { readonly refused: string };

const isSafe = (key: string): boolean => {
  try {
    assertSafeKey(key);
    return true;
  } catch {
    return false;
  }
};

const exists = async (store: ObjectStore, key: string): Promise<boolean> =>
  isSafe(key) && (await store.head(key)) !== undefined;

/**
 * The object's real key. Notification keys are form-encoded ('+' for a space).
 * Reports disagree on EventBridge's, so its key is decoded and, when nothing is
 * there but something is at the raw key, the raw key wins: one extra HEAD, only
 * for keys with '+' or '%'. A key that does not decode (a literal '%') is looked
 * up as it came and with '+' read as a space before it is refused.
 */
async function resolveKey(store: ObjectStore, target: ObjectTarget): Promise<Resolved> {
  let decoded: string | undefined;
  let decodeProblem = 'the key does not decode';
  try {
    decoded = decodeS3EventKey(target.key);
  } catch (error) {
    decodeProblem = errorMessage(error);
  }
  let key: string | undefined;
  if (decoded !== undefined) {
    if (target.encoding === 'form' || decoded === target.key || (await exists(store, decoded))) key = decoded;
    else key = (await exists(store, target.key)) ? target.key : decoded;
  } else if (target.encoding === 'maybe-form') {
    for (const candidate of [target.key, target.key.replace(/\+/g, ' ')]) {
      if (await exists(store, candidate)) {
        key = candidate;
        break;
      }
    }
  }
  if (key === undefined) return { refused: decodeProblem };
  try {
    assertSafeKey(key);
  } catch (error) {
    if (error instanceof InvalidKeyError) return { refused: error.message };
    throw error;
  }
  return { key };
}

export interface IngestHandlerResult {
  readonly results: ReadonlyArray<{
    readonly key: string;
    /** `refused`: the key does not decode or can name something outside the store; it has a rejected manifest. */
    readonly outcome: IngestOutcome | 'ignored' | 'refused';
    readonly status?: string;
    readonly id?: string;
  }>;
  /** Present when the event came from SQS: the messages to deliver again. */
  readonly batchItemFailures?: SQSBatchItemFailure[];
}

type Result = IngestHandlerResult['results'][number];

const resultOf = (key: string, outcome: Result['outcome'], result: IngestResult): Result => ({
  key,
  outcome,
  ...(result.manifest ? { status: result.manifest.status, id: result.manifest.id } : {}),
});

/** `requestId`: the invocation's, or `<invocation>:<message>` from SQS, where one batch may carry one input twice. */
async function handleTrigger(trigger: S3Trigger, context: Context, requestId: string): Promise<Result> {
  const { logger, metrics } = runtime.observability;
  if (trigger.kind === 'ignored') {
    // Not an error: a retry would read the same event, so it is dropped here and never reaches the DLQ.
    logger.info('S3 event is not an object creation; ignored', { ...trigger });
    return { key: trigger.key ?? '', outcome: 'ignored' };
  }
  const ours = trigger.bucket === runtime.env.SLUICE_BUCKET;
  const store = runtime.store();
  const resolved = ours ? await resolveKey(store, trigger) : { key: trigger.key };
  const deps = {
    store,
    state: runtime.state(),
    bus: runtime.bus(),
    clock: runtime.clock,
    logger,
    contracts: runtime.contracts,
  };
  const options = runtime.ingestOptions(context);
  if ('refused' in resolved) {
    if (!trigger.key.startsWith(INPUT_PREFIX)) {
      logger.info('object outside the inputs of this bucket; ignored', { key: trigger.key });
      return { key: trigger.key, outcome: 'ignored' };
    }
    const refused = await refuseKey(deps, { key: trigger.key, requestId, why: resolved.refused }, options);
    if (refused.outcome === 'processed' && refused.manifest) recordIngestMetrics(metrics, refused.manifest);
    return resultOf(trigger.key, 'refused', refused);
  }
  const { key } = resolved;
  if (!ours || !key.startsWith(INPUT_PREFIX)) {
    logger.info('object outside the inputs of this bucket; ignored', { bucket: trigger.bucket, key });
    return { key, outcome: 'ignored' };
  }
  const result = await ingestObject(deps, { key, requestId }, options);
  // A duplicate delivery was counted the first time.
  if (result.outcome === 'processed' && result.manifest) recordIngestMetrics(metrics, result.manifest);
  return resultOf(key, result.outcome, result);
}

/** S3 → SQS: each message stands alone; a failed one is delivered again, then dead-lettered by the queue. */
async function handleMessages(
  messages: NonNullable<ReturnType<typeof sqsMessagesOf>>,
  context: Context,
): Promise<IngestHandlerResult> {
  const results: Result[] = [];
  const batchItemFailures: SQSBatchItemFailure[] = [];
  for (const message of messages) {
    try {
      for (const trigger of s3TriggersOfMessage(message.messageId, message.body)) {
        results.push(await handleTrigger(trigger, context, `${context.awsRequestId}:${message.messageId}`));
      }
    } catch (error) {
      runtime.observability.logger.error('ingest of a queued S3 event failed', {
        messageId: message.messageId,
        error: errorMessage(error),
      });
      runtime.observability.metrics.add('RecordsFailed', 'Count', 1, { reason: errorCode(error) });
      batchItemFailures.push({ itemIdentifier: message.messageId });
    }
  }
  return { results, batchItemFailures };
}

export const handler = instrument(
  runtime.observability,
  async (event: unknown, context: Context): Promise<IngestHandlerResult> => {
    const messages = sqsMessagesOf(event);
    if (messages) return handleMessages(messages, context);
    const results: Result[] = [];
    for (const trigger of s3TriggersOf(event)) {
      results.push(await handleTrigger(trigger, context, context.awsRequestId));
    }
    return { results };
  },
);
