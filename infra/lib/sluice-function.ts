import { type Duration, Validations } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { destructiveDenyStatement } from './destructive-deny.js';
import { assertIntegerInRange } from './validate.js';

/** The newest Node.js runtime this aws-cdk-lib offers, pinned rather than NODEJS_LATEST so a CDK upgrade never changes it unseen. */
export const SLUICE_RUNTIME = lambda.Runtime.NODEJS_24_X;

export interface SluiceFunctionProps {
  /** Physical function name, also the log group's suffix. */
  readonly functionName: string;
  /** The handler bundle directory (`dist/handlers/<name>`), or a prepared asset. */
  readonly code: lambda.Code;
  /** Valid 128..10240 MB. */
  readonly memorySize: number;
  /** Valid 1..900 s. */
  readonly timeout: Duration;
  readonly environment: Readonly<Record<string, string>>;
  /**
   * Executions reserved (and capped) for this function.
   * @default none (shares the account pool)
   */
  readonly reservedConcurrentExecutions?: number;
  /**
   * Days of logs kept.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * A sluice Lambda: ARM64, active tracing, its own log group with retention, and
 * the explicit deny on destructive actions in its role.
 */
export class SluiceFunction extends lambda.Function {
  constructor(scope: Construct, id: string, props: SluiceFunctionProps) {
    assertIntegerInRange('memorySize', props.memorySize, 128, 10240);
    assertIntegerInRange('timeout (seconds)', props.timeout.toSeconds(), 1, 900);
    if (props.reservedConcurrentExecutions !== undefined) {
      assertIntegerInRange('reservedConcurrentExecutions', props.reservedConcurrentExecutions, 1, 1000);
    }
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      logGroupName: `/aws/lambda/${props.functionName}`,
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    });
    super(scope, id, {
      functionName: props.functionName,
      runtime: SLUICE_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: props.code,
      memorySize: props.memorySize,
      timeout: props.timeout,
      environment: { ...props.environment },
      tracing: lambda.Tracing.ACTIVE,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
    });
    this.addToRolePolicy(destructiveDenyStatement());
    Validations.of(this).acknowledge(
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: 'The managed basic execution role only lets the function write its own logs.',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'X-Ray trace upload and DynamoDB ListStreams take no resource, and the other `*` is the explicit Deny.',
      },
      {
        id: 'Serverless-LambdaDLQ',
        reason:
          'Failures go to on-failure destinations or the queue redrive of each trigger, which supersede a function DLQ.',
      },
    );
  }
}
