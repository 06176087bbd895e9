import { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import { Construct } from 'constructs';
import { DeadLetterQueue } from './dead-letter-queue.js';
import { assertIntegerInRange } from './validate.js';

export interface NotifyStreamProps {
  /**
   * How long the dead-letter queue keeps what failed.
   * @default 14 days
   */
  readonly deadLetterRetention?: Duration;
  readonly table: dynamodb.ITable;
  readonly notify: lambda.Function;
  /** Name of the queue that receives records notify gave up on. */
  readonly deadLetterQueueName: string;
  /**
   * Retries of a failing batch (after bisecting) before its records go to the DLQ.
   * @default 3 (valid 0..10000)
   */
  readonly retryAttempts?: number;
  /**
   * Records per invocation.
   * @default 5 (valid 1..100)
   */
  readonly batchSize?: number;
}

/**
 * The table's stream starts notify, filtered at the event source mapping so
 * only the INSERT of an ANALYSIS summary invokes (and bills) the function.
 */
export class NotifyStream extends Construct {
  readonly deadLetterQueue: DeadLetterQueue;

  constructor(scope: Construct, id: string, props: NotifyStreamProps) {
    super(scope, id);
    const retryAttempts = props.retryAttempts ?? 3;
    const batchSize = props.batchSize ?? 5;
    assertIntegerInRange('retryAttempts', retryAttempts, 0, 10000);
    assertIntegerInRange('batchSize', batchSize, 1, 100);
    this.deadLetterQueue = new DeadLetterQueue(this, 'Dlq', {
      queueName: props.deadLetterQueueName,
      retention: props.deadLetterRetention,
    });

    props.notify.addEventSource(
      new sources.DynamoEventSource(props.table, {
        startingPosition: lambda.StartingPosition.LATEST,
        batchSize,
        bisectBatchOnError: true,
        retryAttempts,
        maxRecordAge: Duration.hours(1),
        reportBatchItemFailures: true,
        onFailure: new sources.SqsDlq(this.deadLetterQueue),
        filters: [
          lambda.FilterCriteria.filter({
            eventName: lambda.FilterRule.isEqual('INSERT'),
            dynamodb: {
              Keys: {
                pk: { S: lambda.FilterRule.beginsWith('ANALYSIS#') },
                sk: { S: lambda.FilterRule.isEqual('ANALYSIS') },
              },
            },
          }),
        ],
      }),
    );
  }
}
