import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { DeadLetterQueue } from './dead-letter-queue.js';
import { assertIntegerInRange } from './validate.js';

export interface IngestTriggerProps {
  /**
   * How long the dead-letter queue keeps what failed.
   * @default 14 days
   */
  readonly deadLetterRetention?: Duration;
  readonly bucket: s3.IBucket;
  readonly ingest: lambda.Function;
  /** Name of the dead-letter queue. */
  readonly deadLetterQueueName: string;
  /**
   * Key prefix that starts ingest.
   * @default 'inputs/'
   */
  readonly prefix?: string;
  /**
   * Lambda's retries of a failed asynchronous invocation.
   * @default 2 (valid 0..2)
   */
  readonly retryAttempts?: number;
}

/**
 * S3 Object Created under `inputs/`, on the default bus (where S3 publishes),
 * invokes ingest asynchronously. Events that fail delivery or every retry land
 * in one dead-letter queue.
 */
export class IngestTrigger extends Construct {
  readonly deadLetterQueue: DeadLetterQueue;
  readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: IngestTriggerProps) {
    super(scope, id);
    const retryAttempts = props.retryAttempts ?? 2;
    assertIntegerInRange('retryAttempts', retryAttempts, 0, 2);
    const maxEventAge = Duration.hours(1);
    this.deadLetterQueue = new DeadLetterQueue(this, 'Dlq', {
      queueName: props.deadLetterQueueName,
      retention: props.deadLetterRetention,
    });

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
          object: { key: [{ prefix: props.prefix ?? 'inputs/' }] },
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
}
