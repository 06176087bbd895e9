/**
 * Analyze, fed by the analyze queue (SQS, with a DLQ) whose messages are the
 * EventBridge envelopes of IngestCompleted. Each message stands alone: a poison
 * one is reported in `batchItemFailures` and the rest of the batch is kept.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { instrument } from '../adapters/aws/observability.js';
import { analyzeIngested } from '../core/analyze/stage.js';
import { EventValidationError, errorCode, errorMessage } from '../core/errors.js';
import { parseEvent, SOURCES } from '../core/events.js';
import { createRuntime } from './runtime.js';

const runtime = createRuntime('analyze');
const processor = new BatchProcessor(EventType.SQS);

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
    return await analyzeMessage(record, context);
  } catch (error) {
    // A batch item failure is retried by SQS and, in the end, dead-lettered: count it on the way.
    runtime.observability.metrics.add('RecordsFailed', 'Count', 1, { reason: errorCode(error) });
    throw error;
  }
}

async function analyzeMessage(record: SQSRecord, context: Context): Promise<string> {
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
      analyst: await runtime.analyst(),
    },
    // Two messages of one batch may carry the same input: each needs its own claim owner.
    { event, requestId: `${context.awsRequestId}:${record.messageId}` },
    runtime.analyzeOptions(context),
  );
  const cost = result.analysis?.totals.costUsd;
  if (result.outcome === 'analyzed' && cost !== null && cost !== undefined) {
    metrics.add('AnalystCostMicroUsd', 'None', Math.round(cost * 1e6), { dataset: event.dataset });
  }
  return result.outcome;
}

export const handler = instrument(
  runtime.observability,
  async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
    processPartialResponse(event, (record: SQSRecord) => analyzeRecord(record, context), processor, {
      context,
    }),
);
