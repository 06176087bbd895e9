import { Duration, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DeadLetterQueue } from './dead-letter-queue.js';
import { assertIntegerInRange } from './validate.js';

export interface IngestTriggerProps {
  /**
   * How long the dead-letter queue keeps what failed.
   * @default 14 days
   */
  readonly deadLetterRetention?: Duration;
  readonly bucket: s3.Bucket;
  readonly ingest: lambda.Function;
  /** Name of the dead-letter queue. */
  readonly deadLetterQueueName: string;
  /**
   * Key prefix that starts ingest.
   * @default 'inputs/'
   */
  readonly prefix?: string;
  /**
   * `eventbridge`: S3 "Object Created" on the default bus invokes ingest asynchronously.
   * `sqs`: an S3 event notification to a queue that ingest reads, for accounts that keep
   * EventBridge out of the path (the handler takes either shape).
   * @default 'eventbridge'
   */
  readonly via?: 'eventbridge' | 'sqs';
  /**
   * Receives of a queued notification before it moves to the DLQ (`via: 'sqs'` only).
   * @default 5 (valid 1..1000)
   */
  readonly maxReceiveCount?: number;
  /**
   * Lambda's retries of a failed asynchronous invocation.
   * @default 2 (valid 0..2)
   */
  readonly retryAttempts?: number;
}

/**
 * S3 Object Created under `inputs/` starts ingest: by default through the default
 * bus (where S3 publishes) as an asynchronous invocation, or through an SQS queue
 * fed by an S3 event notification. Whatever fails delivery or every retry lands in
 * one dead-letter queue.
 */
export class IngestTrigger extends Construct {
  readonly deadLetterQueue: DeadLetterQueue;
  /** Undefined with `via: 'sqs'`. */
  readonly rule?: events.Rule;
  /** Undefined with `via: 'eventbridge'`. */
  readonly queue?: sqs.Queue;

  constructor(scope: Construct, id: string, props: IngestTriggerProps) {
    super(scope, id);
    const retryAttempts = props.retryAttempts ?? 2;
    assertIntegerInRange('retryAttempts', retryAttempts, 0, 2);
    const maxEventAge = Duration.hours(1);
    const prefix = props.prefix ?? 'inputs/';
    this.deadLetterQueue = new DeadLetterQueue(this, 'Dlq', {
      queueName: props.deadLetterQueueName,
      retention: props.deadLetterRetention,
    });
    if ((props.via ?? 'eventbridge') === 'sqs') {
      this.queue = this.viaQueue(props, prefix);
      return;
    }

    props.ingest.configureAsyncInvoke({
      retryAttempts,
      maxEventAge,
      onFailure: new destinations.SqsDestination(this.deadLetterQueue),
    });

    this.rule = new events.Rule(this, 'ObjectCreated', {
      description: 'S3 Object Created under inputs/ starts ingest',
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: {
          bucket: { name: [props.bucket.bucketName] },
          object: { key: [{ prefix }] },
        },
      },
    });
    this.rule.addTarget(
      new targets.LambdaFunction(props.ingest, {
        // EventBridge's own delivery retries; Lambda's async retries are configured above.
        retryAttempts,
        maxEventAge,
        deadLetterQueue: this.deadLetterQueue,
      }),
    );
  }

  private viaQueue(props: IngestTriggerProps, prefix: string): sqs.Queue {
    const maxReceiveCount = props.maxReceiveCount ?? 5;
    assertIntegerInRange('maxReceiveCount', maxReceiveCount, 1, 1000);
    const timeout = props.ingest.timeout ?? Duration.seconds(3);
    const queue = new sqs.Queue(this, 'Queue', {
      queueName: props.deadLetterQueueName.replace(/-dlq$/, ''),
      // AWS's rule for Lambda consumers: six times the timeout, so retries of a batch do not overlap.
      visibilityTimeout: Duration.seconds(timeout.toSeconds() * 6),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount },
    });
    props.bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.SqsDestination(queue), { prefix });
    props.ingest.addEventSource(
      new sources.SqsEventSource(queue, {
        // One file per message is the unit of work; a batch would share one invocation's time.
        batchSize: 1,
        reportBatchItemFailures: true,
      }),
    );
    Validations.of(props.ingest).acknowledge({
      id: 'Serverless-LambdaEventSourceMappingDestination',
      reason:
        'SQS event source mappings take no failure destination; the queue redrive to its DLQ plays that role.',
    });
    return queue;
  }
}
