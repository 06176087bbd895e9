import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import { Construct } from 'constructs';
import { DeadLetterQueue } from './dead-letter-queue.js';
import { assertIntegerInRange } from './validate.js';

export interface AggregateScheduleProps {
  /**
   * How long the dead-letter queue keeps what failed.
   * @default 14 days
   */
  readonly deadLetterRetention?: Duration;
  readonly aggregate: lambda.Function;
  /** Name of the queue for invocations EventBridge could not deliver. */
  readonly deadLetterQueueName: string;
  /**
   * Minutes between runs; aggregate writes one snapshot per 5-minute slot.
   * @default 5 (valid 1..60)
   */
  readonly everyMinutes?: number;
}

/** Runs aggregate on a fixed rate. */
export class AggregateSchedule extends Construct {
  readonly deadLetterQueue: DeadLetterQueue;

  constructor(scope: Construct, id: string, props: AggregateScheduleProps) {
    super(scope, id);
    const everyMinutes = props.everyMinutes ?? 5;
    assertIntegerInRange('everyMinutes', everyMinutes, 1, 60);
    this.deadLetterQueue = new DeadLetterQueue(this, 'Dlq', {
      queueName: props.deadLetterQueueName,
      retention: props.deadLetterRetention,
    });
    // A failed run is superseded by the next one five minutes later: record it, do not retry it.
    props.aggregate.configureAsyncInvoke({
      retryAttempts: 0,
      maxEventAge: Duration.minutes(everyMinutes),
      onFailure: new destinations.SqsDestination(this.deadLetterQueue),
    });
    new events.Rule(this, 'Rate', {
      description: 'market-wide snapshot',
      schedule: events.Schedule.rate(Duration.minutes(everyMinutes)),
      targets: [
        new targets.LambdaFunction(props.aggregate, {
          retryAttempts: 2,
          maxEventAge: Duration.minutes(everyMinutes),
          deadLetterQueue: this.deadLetterQueue,
        }),
      ],
    });
  }
}
