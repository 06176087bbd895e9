/**
 * Notify, fed by the table's DynamoDB stream (NEW_IMAGE). Only the INSERT of an
 * analysis summary sends a report; every other record is a success with nothing
 * to do, and a record that cannot be read is reported in `batchItemFailures`.
 *
 * The same function reads the failure-notices queue (SQS): IngestRejected, and
 * IngestCompleted with rejects, each a failure notice when it needs one
 * (src/handlers/failure-notices.ts). Both send mail as the same identity.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type {
  Context,
  DynamoDBBatchResponse,
  DynamoDBRecord,
  DynamoDBStreamEvent,
  SQSBatchResponse,
  SQSEvent,
  SQSRecord,
} from 'aws-lambda';
import { z } from 'zod';
import { instrument } from '../adapters/aws/observability.js';
import { EventValidationError, errorCode, errorMessage, SluiceError } from '../core/errors.js';
import { itemKeys } from '../core/keys.js';
import { sendFailureNotice } from '../core/notify/failure-notice.js';
import { notifyAnalysis } from '../core/notify/stage.js';
import { manifestKeyOf } from './failure-notices.js';
import { createRuntime } from './runtime.js';

const runtime = createRuntime('notify');

const ANALYSIS_PREFIX = itemKeys.analysisPk('');

const StreamRecordSchema = z.object({
  eventName: z.enum(['INSERT', 'MODIFY', 'REMOVE']),
  dynamodb: z.object({ NewImage: z.record(z.string(), z.unknown()).optional() }),
});

const ItemKeySchema = z.object({ pk: z.string(), sk: z.string() });
// The summary item carries the analysis' correlation id, which ties notify's logs to ingest's and analyze's.
const CorrelationSchema = z.object({ data: z.object({ correlationId: z.string().min(1) }) });

interface Target {
  readonly id: string;
  readonly correlationId?: string;
}
const AnalysisIdSchema = z.string().regex(/^[0-9a-f]{64}$/, 'a hex SHA-256');

/** The analysis when the record is the INSERT of a summary item, undefined for any other record. */
function targetOf(record: DynamoDBRecord): Target | undefined {
  const parsed = StreamRecordSchema.safeParse(record);
  if (!parsed.success) {
    throw new EventValidationError(`stream record ${record.eventID}: ${z.prettifyError(parsed.error)}`);
  }
  const { eventName, dynamodb } = parsed.data;
  if (eventName !== 'INSERT') return undefined;
  if (!dynamodb.NewImage)
    throw new EventValidationError(`stream record ${record.eventID}: INSERT without NewImage`);
  let item: Record<string, unknown>;
  try {
    item = unmarshall(dynamodb.NewImage as Record<string, AttributeValue>);
  } catch (error) {
    throw new EventValidationError(
      `stream record ${record.eventID}: unreadable NewImage: ${errorMessage(error)}`,
    );
  }
  const keys = ItemKeySchema.safeParse(item);
  if (!keys.success)
    throw new EventValidationError(`stream record ${record.eventID}: item without pk and sk`);
  const { pk, sk } = keys.data;
  if (!pk.startsWith(ANALYSIS_PREFIX) || sk !== itemKeys.analysisSk) return undefined;
  const id = AnalysisIdSchema.safeParse(pk.slice(ANALYSIS_PREFIX.length));
  if (!id.success)
    throw new EventValidationError(`stream record ${record.eventID}: bad analysis id in ${pk}`);
  const correlation = CorrelationSchema.safeParse(item);
  return {
    id: id.data,
    ...(correlation.success ? { correlationId: correlation.data.data.correlationId } : {}),
  };
}

async function notifyRecord(record: DynamoDBRecord, context: Context): Promise<string> {
  try {
    return await notifyStreamRecord(record, context);
  } catch (error) {
    // A batch item failure is retried by the stream and, in the end, sent to the DLQ: count it on the way.
    runtime.observability.metrics.add('RecordsFailed', 'Count', 1, { reason: errorCode(error) });
    throw error;
  }
}

/** Less than this left, and a report is not started (render, rasterize, send, mark). */
const MIN_START_MS = 3_000;

async function notifyStreamRecord(record: DynamoDBRecord, context: Context): Promise<string> {
  const target = targetOf(record);
  if (target === undefined) return 'skipped';
  runtime.deadline.require(`sending report ${target.id}`, MIN_START_MS);
  const { id, correlationId } = target;
  const { metrics } = runtime.observability;
  const requestId = `${context.awsRequestId}:${record.dynamodb?.SequenceNumber ?? record.eventID}`;
  const logger = runtime.observability.logger.child({ correlationId: correlationId ?? `${id}:${requestId}` });
  const result = await notifyAnalysis(
    {
      state: runtime.state(),
      clock: runtime.clock,
      logger,
      metrics,
      mailer: await runtime.mailer(),
      rasterizer: await runtime.rasterizer(),
    },
    { id, requestId },
    runtime.notifyOptions(context),
  );
  return result.outcome;
}

async function noticeRecord(record: SQSRecord, context: Context): Promise<string> {
  try {
    runtime.deadline.require(`failure notice ${record.messageId}`, MIN_START_MS);
    const notify = runtime.notifyOptions(context);
    const sent = await sendFailureNotice(
      {
        store: runtime.store(),
        state: runtime.state(),
        mailer: await runtime.mailer(),
        clock: runtime.clock,
        logger: runtime.observability.logger,
        contracts: runtime.contracts,
      },
      {
        manifestKey: manifestKeyOf(record.messageId, record.body),
        requestId: `${context.awsRequestId}:${record.messageId}`,
      },
      {
        from: notify.mail.from,
        to: notify.mail.to,
        rejectPctThreshold: runtime.env.SLUICE_REJECT_PCT_THRESHOLD,
        claimTtlMs: notify.claimTtlMs,
        retainMs: notify.retainMs,
      },
    );
    // Acked, the notice would be lost if the worker holding its claim died; SQS shows it again later.
    if (sent.outcome === 'in_progress') {
      throw new SluiceError(
        'CLAIM.BUSY',
        `the failure notice of ${sent.manifest.id} is being sent by another worker`,
      );
    }
    return sent.outcome;
  } catch (error) {
    runtime.observability.metrics.add('RecordsFailed', 'Count', 1, { reason: errorCode(error) });
    throw error;
  }
}

const isSqsEvent = (event: DynamoDBStreamEvent | SQSEvent): event is SQSEvent =>
  event.Records[0]?.eventSource === 'aws:sqs';

export const handler = instrument(
  runtime.observability,
  async (
    event: DynamoDBStreamEvent | SQSEvent,
    context: Context,
  ): Promise<DynamoDBBatchResponse | SQSBatchResponse> => {
    // SES retries end before the invocation does; the stage then gives the claim back and the record fails.
    runtime.deadline.start(context, runtime.env.SLUICE_DEADLINE_MARGIN_MS);
    if (isSqsEvent(event)) {
      return processPartialResponse(
        event,
        (record: SQSRecord) => noticeRecord(record, context),
        // One per invocation: a processor collects its batch's failures, and invocations may overlap.
        new BatchProcessor(EventType.SQS),
        {
          context,
        },
      );
    }
    return processPartialResponse(
      event,
      (record: DynamoDBRecord) => notifyRecord(record, context),
      new BatchProcessor(EventType.DynamoDBStreams),
      {
        context,
      },
    );
  },
);
