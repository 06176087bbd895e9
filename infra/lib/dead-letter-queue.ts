import { Duration, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { assertIntegerInRange } from './validate.js';

export interface DeadLetterQueueProps {
  /** Physical queue name. */
  readonly queueName: string;
  /**
   * How long failed work waits for a look and a redrive.
   * @default 14 days (SQS's maximum; valid 1..14 days)
   */
  readonly retention?: Duration;
}

/** Where failed work waits for a look and a redrive. */
export class DeadLetterQueue extends sqs.Queue {
  constructor(scope: Construct, id: string, props: DeadLetterQueueProps) {
    const retention = props.retention ?? Duration.days(14);
    assertIntegerInRange('DLQ retention (days)', retention.toDays({ integral: false }), 1, 14);
    super(scope, id, {
      queueName: props.queueName,
      retentionPeriod: retention,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    Validations.of(this).acknowledge(
      {
        id: 'AwsSolutions-SQS3',
        reason: 'This queue is itself the dead-letter queue of a Lambda, stream or rule.',
      },
      {
        id: 'Serverless-SQSRedrivePolicy',
        reason: 'This queue is itself a dead-letter queue; its messages are inspected and redriven by hand.',
      },
    );
  }
}
