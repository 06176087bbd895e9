import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { INTERVALS, type Interval, SymbolListSchema } from '../../src/core/fetch/params.js';
import { grantObjects } from './data-access.js';
import { DeadLetterQueue } from './dead-letter-queue.js';
import { SluiceFunction } from './sluice-function.js';
import { assertIntegerInRange } from './validate.js';

/** Where the handler writes (src/core/fetch/plan.ts FETCH_PREFIX), under the ingest trigger's inputs/. */
export const FETCH_KEY_PATTERN = 'inputs/twelvedata/*';

/** After the US close (16:00 New York is 21:00 UTC in winter, 20:00 in summer), weekdays. */
export const DEFAULT_FETCH_SCHEDULE = 'cron(0 22 ? * MON-FRI *)';

const SCHEDULE_EXPRESSION = /^(cron|rate)\([^()]+\)$/;

export interface MarketFetchProps {
  /**
   * How long the dead-letter queue keeps what failed.
   * @default 14 days
   */
  readonly deadLetterRetention?: Duration;
  /** Physical function name, `sluice-<stage>-fetch`. */
  readonly functionName: string;
  /** The fetch handler bundle. */
  readonly code: lambda.Code;
  /** The variables every handler reads (bucket, table, bus, Powertools). */
  readonly environment: Readonly<Record<string, string>>;
  /**
   * Memory of the function: it waits on the API and its credits, holding one answer at a time.
   * @default 256 (valid 128..10240)
   */
  readonly memorySize?: number;
  /**
   * A minute per 8 symbols on the Basic plan.
   * @default 15 minutes, the longest Lambda allows: about 100 symbols per run
   */
  readonly timeout?: Duration;
  /**
   * Days of logs kept.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /** The data bucket; the function may only put objects under inputs/twelvedata/. */
  readonly bucket: s3.IBucket;
  /**
   * The data bucket's customer-managed key, if it has one.
   * @default none: S3-managed keys
   */
  readonly dataKey?: kms.IKey;
  /** The Twelve Data API key: the bare key or `{"apiKey": "..."}`. */
  readonly apiKey: secretsmanager.ISecret;
  /** Name of the queue for failed invocations. */
  readonly deadLetterQueueName: string;
  /**
   * Symbols fetched on the schedule; each costs one API credit per run.
   * @default none: no schedule (the function can still be invoked with `{"symbols": ...}`)
   */
  readonly symbols?: readonly string[];
  /**
   * EventBridge schedule expression, in UTC.
   * @default DEFAULT_FETCH_SCHEDULE, 22:00 UTC Monday to Friday
   */
  readonly schedule?: string;
  /**
   * Twelve Data interval of the bars.
   * @default '1day'
   */
  readonly interval?: Interval;
  /**
   * Bars per symbol and run.
   * @default 30 (valid 1..5000)
   */
  readonly outputsize?: number;
  /**
   * The plan's API credits per minute (Basic: 8).
   * @default 8 (valid 1..100000)
   */
  readonly creditsPerMinute?: number;
}

/**
 * The scheduled Twelve Data fetch: one function that reads the API key secret
 * and writes under inputs/twelvedata/ (which the ingest trigger picks up),
 * and, when symbols are given, the rule that runs it.
 */
export class MarketFetch extends Construct {
  readonly function: SluiceFunction;
  readonly deadLetterQueue: DeadLetterQueue;
  /** Undefined without symbols. */
  readonly rule?: events.Rule;

  constructor(scope: Construct, id: string, props: MarketFetchProps) {
    super(scope, id);
    const outputsize = props.outputsize ?? 30;
    const creditsPerMinute = props.creditsPerMinute ?? 8;
    const schedule = props.schedule ?? DEFAULT_FETCH_SCHEDULE;
    const interval = props.interval ?? '1day';
    if (!INTERVALS.includes(interval)) {
      throw new Error(`interval must be one of ${INTERVALS.join(', ')} (given ${interval})`);
    }
    assertIntegerInRange('outputsize', outputsize, 1, 5000);
    assertIntegerInRange('creditsPerMinute', creditsPerMinute, 1, 100_000);
    if (!SCHEDULE_EXPRESSION.test(schedule)) {
      throw new Error(`schedule must be a cron(...) or rate(...) expression (given ${schedule})`);
    }
    const symbols = props.symbols?.join(',');
    if (symbols !== undefined && !SymbolListSchema.safeParse(symbols).success) {
      throw new Error(`symbols must be 1 to 120 Twelve Data symbols (given ${symbols})`);
    }

    this.function = new SluiceFunction(this, 'Function', {
      functionName: props.functionName,
      code: props.code,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.minutes(15),
      logRetention: props.logRetention,
      environment: {
        ...props.environment,
        SLUICE_TWELVEDATA_SECRET_ARN: props.apiKey.secretArn,
        SLUICE_FETCH_INTERVAL: interval,
        SLUICE_FETCH_OUTPUTSIZE: String(outputsize),
        SLUICE_FETCH_CREDITS_PER_MINUTE: String(creditsPerMinute),
        ...(symbols === undefined ? {} : { SLUICE_FETCH_SYMBOLS: symbols }),
      },
      // The credit counter lives in one process: two at once would spend the minute twice.
      reservedConcurrentExecutions: 1,
    });
    props.apiKey.grantRead(this.function);
    grantObjects(this.function, props.bucket, { write: [FETCH_KEY_PATTERN] }, props.dataKey);

    this.deadLetterQueue = new DeadLetterQueue(this, 'Dlq', {
      queueName: props.deadLetterQueueName,
      retention: props.deadLetterRetention,
    });
    // A refused key fails every retry alike, and a retry spends credits again: record the failure, do not retry.
    this.function.configureAsyncInvoke({
      retryAttempts: 0,
      maxEventAge: Duration.hours(1),
      onFailure: new destinations.SqsDestination(this.deadLetterQueue),
    });
    if (symbols !== undefined) {
      this.rule = new events.Rule(this, 'Schedule', {
        description: `Twelve Data fetch of ${symbols}`,
        schedule: events.Schedule.expression(schedule),
        targets: [
          new targets.LambdaFunction(this.function, {
            retryAttempts: 2,
            maxEventAge: Duration.hours(1),
            deadLetterQueue: this.deadLetterQueue,
          }),
        ],
      });
    }
  }
}
