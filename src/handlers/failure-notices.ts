/**
 * The AWS consumer of ingest's failures: IngestRejected (a refused file) and
 * IngestCompleted whose reject rate is over SLUICE_REJECT_PCT_THRESHOLD, routed by
 * an EventBridge rule to the failure-notices queue that the notify function reads.
 * Each becomes one failure notice by mail, exactly once per input (a claim on
 * `failure-notice#<id>`, as notify claims a report).
 *
 * What a notice says and the exactly-once send are src/core/notify/failure-notice.ts,
 * shared with the local pipeline; this module reads the queue's envelope.
 */
import { z } from 'zod';
import { EventValidationError, errorMessage } from '../core/errors.js';
import { parseEvent, SOURCES } from '../core/events.js';

const EnvelopeSchema = z.object({
  'detail-type': z.enum(['IngestRejected', 'IngestCompleted']),
  source: z.literal(SOURCES.ingest),
  detail: z.unknown(),
});

/** The manifest key the message is about. */
export function manifestKeyOf(messageId: string, body: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    throw new EventValidationError(`message ${messageId} is not JSON: ${errorMessage(error)}`);
  }
  const envelope = EnvelopeSchema.safeParse(parsed);
  if (!envelope.success) {
    throw new EventValidationError(
      `message ${messageId} is not an IngestRejected or IngestCompleted envelope: ${z.prettifyError(envelope.error)}`,
    );
  }
  return parseEvent(envelope.data['detail-type'], envelope.data.detail).manifestKey;
}
