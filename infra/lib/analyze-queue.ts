import { Duration, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DeadLetterQueue } from './dead-letter-queue.js';
import { assertIntegerInRange } from './validate.js';

export interface AnalyzeQueueProps {
  /**
   * How long the dead-letter queue keeps what failed.
   * @default 14 days
   */
  readonly deadLetterRetention?: Duration;
  /** The custom bus ingest publishes IngestCompleted to. */
  readonly bus: events.IEventBus;
  readonly analyze: lambda.Function;
  /** Physical name of the queue; the DLQ gets `-dlq`. */
  readonly queueName: string;
  /**
   * Receives before a message moves to the DLQ.
   * @default 5 (valid 1..1000)
   */
  readonly maxReceiveCount?: number;
  /**
   * How long an undelivered message is kept.
   * @default 4 days (SQS's default; valid 1..14 days)
   */
  readonly retention?: Duration;
  /**
   * How long a received message stays hidden from other consumers.
   * @default 6 × the analyze timeout (AWS's rule for Lambda consumers; valid 0..43200 s, at least the timeout)
   */
  readonly visibilityTimeout?: Duration;
  /**
   * Messages per invocation.
   * @default 10 (valid 1..10)
   */
  readonly batchSize?: number;
  /**
   * Concurrent invocations the queue may start; at most the function's reserved concurrency.
   * @default 2 (valid 2..1000)
   */
  readonly maxConcurrency?: number;
}

/** IngestCompleted events buffered in SQS in front of analyze. */
export class AnalyzeQueue extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: DeadLetterQueue;

  constructor(scope: Construct, id: string, props: AnalyzeQueueProps) {
    super(scope, id);
    const maxReceiveCount = props.maxReceiveCount ?? 5;
    const batchSize = props.batchSize ?? 10;
    const maxConcurrency = props.maxConcurrency ?? 2;
    assertIntegerInRange('maxReceiveCount', maxReceiveCount, 1, 1000);
    assertIntegerInRange('batchSize', batchSize, 1, 10);
    assertIntegerInRange('maxConcurrency', maxConcurrency, 2, 1000);

    const timeout = props.analyze.timeout ?? Duration.seconds(3);
    // AWS's rule for Lambda consumers: six times the timeout, so retries of a batch do not overlap.
    const visibilityTimeout = props.visibilityTimeout ?? Duration.seconds(timeout.toSeconds() * 6);
    assertIntegerInRange(
      'visibilityTimeout (seconds)',
      visibilityTimeout.toSeconds(),
      timeout.toSeconds(),
      43_200,
    );
    const retention = props.retention ?? Duration.days(4);
    assertIntegerInRange('retention (seconds)', retention.toSeconds(), 60, 14 * 24 * 3600);
    this.deadLetterQueue = new DeadLetterQueue(this, 'Dlq', { queueName: `${props.queueName}-dlq` });
    this.queue = new sqs.Queue(this, 'Queue', {
      queueName: props.queueName,
      visibilityTimeout,
      retentionPeriod: retention,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount },
    });

    new events.Rule(this, 'IngestCompleted', {
      eventBus: props.bus,
      description: 'IngestCompleted queues the input for analyze',
      eventPattern: { source: ['sluice.ingest'], detailType: ['IngestCompleted'] },
      targets: [
        new targets.SqsQueue(this.queue, {
          retryAttempts: 10,
          maxEventAge: Duration.hours(24),
          deadLetterQueue: this.deadLetterQueue,
        }),
      ],
    });

    props.analyze.addEventSource(
      new sources.SqsEventSource(this.queue, {
        batchSize,
        maxBatchingWindow: Duration.seconds(5),
        reportBatchItemFailures: true,
        maxConcurrency,
      }),
    );
    Validations.of(props.analyze).acknowledge({
      id: 'Serverless-LambdaEventSourceMappingDestination',
      reason:
        'SQS event source mappings take no failure destination; the queue redrive to its DLQ plays that role.',
    });
  }
}
