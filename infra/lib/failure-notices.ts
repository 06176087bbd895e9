import { Duration, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DeadLetterQueue } from './dead-letter-queue.js';
import { assertIntegerInRange } from './validate.js';

export interface FailureNoticesProps {
  /** The custom bus ingest publishes to. */
  readonly bus: events.IEventBus;
  /** The function that mails them (notify, which also mails the reports). */
  readonly notify: lambda.Function;
  /** Physical name of the queue; the DLQ gets `-dlq`. */
  readonly queueName: string;
  /**
   * How long the dead-letter queue keeps what failed.
   * @default 14 days
   */
  readonly deadLetterRetention?: Duration;
  /**
   * Receives before a message moves to the DLQ.
   * @default 5 (valid 1..1000)
   */
  readonly maxReceiveCount?: number;
}

/**
 * The consumer of ingest's failures: IngestRejected, and IngestCompleted with at
 * least one rejected row (the handler mails those over the reject-% threshold),
 * queued for notify. EventBridge cannot compare a ratio, so the threshold is the
 * handler's; the rule keeps clean files out of the queue.
 */
export class FailureNotices extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: DeadLetterQueue;
  readonly rules: readonly events.Rule[];

  constructor(scope: Construct, id: string, props: FailureNoticesProps) {
    super(scope, id);
    const maxReceiveCount = props.maxReceiveCount ?? 5;
    assertIntegerInRange('maxReceiveCount', maxReceiveCount, 1, 1000);
    const timeout = props.notify.timeout ?? Duration.seconds(3);
    this.deadLetterQueue = new DeadLetterQueue(this, 'Dlq', {
      queueName: `${props.queueName}-dlq`,
      retention: props.deadLetterRetention,
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      queueName: props.queueName,
      // AWS's rule for Lambda consumers: six times the timeout, so retries of a batch do not overlap.
      visibilityTimeout: Duration.seconds(timeout.toSeconds() * 6),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount },
    });
    const target = () =>
      new targets.SqsQueue(this.queue, {
        retryAttempts: 10,
        maxEventAge: Duration.hours(24),
        deadLetterQueue: this.deadLetterQueue,
      });
    this.rules = [
      new events.Rule(this, 'IngestRejected', {
        eventBus: props.bus,
        description: 'a refused file queues a failure notice',
        eventPattern: { source: ['sluice.ingest'], detailType: ['IngestRejected'] },
        targets: [target()],
      }),
      new events.Rule(this, 'IngestCompletedWithRejects', {
        eventBus: props.bus,
        description: 'a file with rejected rows queues a failure notice, sent over the reject-% threshold',
        eventPattern: {
          source: ['sluice.ingest'],
          detailType: ['IngestCompleted'],
          detail: { counts: { rejected: [{ numeric: ['>', 0] }] } },
        },
        targets: [target()],
      }),
    ];
    props.notify.addEventSource(
      new sources.SqsEventSource(this.queue, {
        batchSize: 10,
        maxBatchingWindow: Duration.seconds(5),
        reportBatchItemFailures: true,
        maxConcurrency: 2,
      }),
    );
    Validations.of(props.notify).acknowledge({
      id: 'Serverless-LambdaEventSourceMappingDestination',
      reason:
        'SQS event source mappings take no failure destination; the queue redrive to its DLQ plays that role.',
    });
  }
}
