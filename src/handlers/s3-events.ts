/**
 * What can start ingest, in the shapes AWS sends (see test/fixtures/aws-events/):
 * S3 events on EventBridge, S3 event notifications invoking the function directly,
 * and S3 notifications delivered through an SQS queue. Only "object created" means
 * work; a delete, a restore, a lifecycle transition or S3's test message is a
 * notice that is logged and dropped, since a retry would read the same event.
 */
import { z } from 'zod';
import { EventValidationError, errorMessage } from '../core/errors.js';

/** One object to ingest. */
export interface ObjectTarget {
  readonly kind: 'object';
  readonly bucket: string;
  /** As the event carries it. */
  readonly key: string;
  /** Notification keys are form-encoded; EventBridge's may or may not be (see resolveKey in ingest.ts). */
  readonly encoding: 'form' | 'maybe-form';
}

/** An event about something ingest does not act on. */
export interface IgnoredNotice {
  readonly kind: 'ignored';
  /** The event's own name for what happened: `Object Deleted`, `ObjectRemoved:Delete`, `s3:TestEvent`. */
  readonly event: string;
  readonly bucket?: string;
  readonly key?: string;
}

export type S3Trigger = ObjectTarget | IgnoredNotice;

const name = z.string().min(1);

const EventBridgeS3Schema = z.object({
  source: z.literal('aws.s3'),
  'detail-type': name,
  detail: z.object({
    bucket: z.object({ name }),
    object: z.object({ key: name }).optional(),
  }),
});

const NotificationRecordSchema = z.object({
  eventSource: z.literal('aws:s3'),
  eventName: name,
  s3: z.object({ bucket: z.object({ name }), object: z.object({ key: name }) }),
});
const NotificationSchema = z.object({ Records: z.array(NotificationRecordSchema) });

/** What S3 sends to a queue (or topic) when a notification is configured, before any real event. */
const TestEventSchema = z.object({ Service: z.literal('Amazon S3'), Event: z.literal('s3:TestEvent') });

const SqsEventSchema = z.object({
  Records: z.array(z.object({ eventSource: z.literal('aws:sqs'), messageId: name, body: z.string() })).min(1),
});

export type SqsIngestEvent = z.infer<typeof SqsEventSchema>;

/** The messages when `event` is an SQS batch, else undefined. */
export function sqsMessagesOf(event: unknown): SqsIngestEvent['Records'] | undefined {
  const parsed = SqsEventSchema.safeParse(event);
  return parsed.success ? parsed.data.Records : undefined;
}

/**
 * The triggers in one event (direct invocation) or one SQS message body.
 * Throws EventValidationError for anything that is none of the S3 shapes.
 */
export function s3TriggersOf(event: unknown): S3Trigger[] {
  const bridged = EventBridgeS3Schema.safeParse(event);
  if (bridged.success) {
    const { 'detail-type': type, detail } = bridged.data;
    if (type !== 'Object Created' || detail.object === undefined) {
      return [{ kind: 'ignored', event: type, bucket: detail.bucket.name, key: detail.object?.key }];
    }
    return [{ kind: 'object', bucket: detail.bucket.name, key: detail.object.key, encoding: 'maybe-form' }];
  }
  const notification = NotificationSchema.safeParse(event);
  if (notification.success) {
    return notification.data.Records.map(({ eventName, s3 }) =>
      eventName.startsWith('ObjectCreated:')
        ? { kind: 'object', bucket: s3.bucket.name, key: s3.object.key, encoding: 'form' }
        : { kind: 'ignored', event: eventName, bucket: s3.bucket.name, key: s3.object.key },
    );
  }
  if (TestEventSchema.safeParse(event).success) return [{ kind: 'ignored', event: 's3:TestEvent' }];
  throw new EventValidationError(
    'ingest expects an S3 event from EventBridge, an S3 event notification, or an SQS batch of them',
  );
}

/** The triggers in one SQS message body (S3 notification JSON, or an EventBridge envelope). */
export function s3TriggersOfMessage(messageId: string, body: string): S3Trigger[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    throw new EventValidationError(`message ${messageId} is not JSON: ${errorMessage(error)}`);
  }
  return s3TriggersOf(parsed);
}
