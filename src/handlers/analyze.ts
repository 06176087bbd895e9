/**
 * Analyze, fed by the analyze queue (SQS, with a DLQ) whose messages are the
 * EventBridge envelopes of IngestCompleted. Each message stands alone: a poison
 * one is reported in `batchItemFailures` and the rest of the batch is kept.
 *
 * Deadlines: the Bedrock retry loop ends SLUICE_DEADLINE_MARGIN_MS before the
 * invocation would time out (src/adapters/aws/deadline.ts). A record whose model
 * ran out of time is reported as failed, so SQS delivers it again to an invocation
 * with a whole budget, rather than being stored with the offline narrative as if
 * the model had been asked in time; on its last delivery it takes the offline
 * narrative, so the input still gets its report instead of the DLQ.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { DeadlineExceededError, isDeadlineExceeded } from '../adapters/aws/deadline.js';
import { instrument } from '../adapters/aws/observability.js';
import { analyzeIngested } from '../core/analyze/stage.js';
import {
  EventValidationError,
  errorCode,
  errorMessage,
  SluiceError,
  WorkWithdrawnError,
} from '../core/errors.js';
import { parseEvent, SOURCES } from '../core/events.js';
import type { Analyst } from '../core/ports.js';
import { createRuntime } from './runtime.js';

const runtime = createRuntime('analyze');

/** Less than this left, and a record is not started: reading, computing and storing take time too. */
const MIN_START_MS = 5_000;

const EnvelopeSchema = z.object({
  'detail-type': z.literal('IngestCompleted'),
  source: z.literal(SOURCES.ingest),
  detail: z.unknown(),
});

function ingestCompletedOf(record: SQSRecord) {
  let body: unknown;
  try {
    body = JSON.parse(record.body);
  } catch (error) {
    throw new EventValidationError(`message ${record.messageId} is not JSON: ${errorMessage(error)}`);
  }
  const envelope = EnvelopeSchema.safeParse(body);
  if (!envelope.success) {
    throw new EventValidationError(
      `message ${record.messageId} is not an IngestCompleted envelope: ${z.prettifyError(envelope.error)}`,
    );
  }
  return parseEvent('IngestCompleted', envelope.data.detail);
}

async function analyzeRecord(record: SQSRecord, context: Context): Promise<string> {
  try {
    runtime.deadline.require(`starting message ${record.messageId}`, MIN_START_MS);
    return await analyzeWithinDeadline(record, context);
  } catch (error) {
    if (isDeadlineExceeded(error)) {
      runtime.observability.logger.warn('out of time; the message is reported for redelivery', {
        messageId: record.messageId,
        error: errorMessage(error),
      });
    }
    // A batch item failure is retried by SQS and, in the end, dead-lettered: count it on the way.
    runtime.observability.metrics.add('RecordsFailed', 'Count', 1, { reason: errorCode(error) });
    throw error;
  }
}

/**
 * Past the deadline, the analyst handed to the stage gives up with a
 * WorkWithdrawnError: the stage stores nothing for the record (not even a
 * fallback), gives its claim back and stops renewing it, and the record is
 * reported for redelivery. On the last delivery the stage's own fallback applies.
 */
async function analyzeWithinDeadline(record: SQSRecord, context: Context): Promise<string> {
  const analyst = await runtime.analyst();
  const lastDelivery =
    Number(record.attributes.ApproximateReceiveCount) >= runtime.env.SLUICE_MAX_RECEIVE_COUNT;
  if (analyst === undefined || lastDelivery) return analyzeMessage(record, context, analyst);
  const bounded: Analyst = {
    name: analyst.name,
    async write(request) {
      try {
        return await analyst.write(request);
      } catch (error) {
        if (!isDeadlineExceeded(error)) throw error;
        throw new WorkWithdrawnError(
          `the analyst ran out of the invocation's time (${errorMessage(error)})`,
          {
            cause: new DeadlineExceededError('the analyst', runtime.deadline.remainingMs()),
          },
        );
      }
    },
  };
  return analyzeMessage(record, context, bounded);
}

async function analyzeMessage(
  record: SQSRecord,
  context: Context,
  analyst: Analyst | undefined,
): Promise<string> {
  const { logger, metrics } = runtime.observability;
  const event = ingestCompletedOf(record);
  const result = await analyzeIngested(
    {
      store: runtime.store(),
      state: runtime.state(),
      bus: runtime.bus(),
      clock: runtime.clock,
      logger,
      metrics,
      analyst,
      contracts: runtime.contracts,
    },
    // Two messages of one batch may carry the same input: each needs its own claim owner.
    { event, requestId: `${context.awsRequestId}:${record.messageId}` },
    runtime.analyzeOptions(context),
  );
  // Acked, this delivery would be gone if the worker holding the claim died before
  // finishing; reported, SQS shows it again after the visibility timeout, and by
  // then it is either a duplicate or free.
  if (result.outcome === 'in_progress') {
    throw new SluiceError(
      'CLAIM.BUSY',
      `input ${event.id} is being analyzed by another worker; retried later`,
    );
  }
  const cost = result.analysis?.totals.costUsd;
  if (result.outcome === 'analyzed' && cost !== null && cost !== undefined) {
    metrics.add('AnalystCostMicroUsd', 'None', Math.round(cost * 1e6), { dataset: event.dataset });
  }
  return result.outcome;
}

export const handler = instrument(
  runtime.observability,
  async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    runtime.deadline.start(context, runtime.env.SLUICE_DEADLINE_MARGIN_MS);
    // One processor per invocation: it collects its batch's failures, and invocations may overlap.
    return processPartialResponse(
      event,
      (record: SQSRecord) => analyzeRecord(record, context),
      new BatchProcessor(EventType.SQS),
      {
        context,
      },
    );
  },
);
