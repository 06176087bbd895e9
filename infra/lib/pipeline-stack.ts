import path from 'node:path';
import { CfnOutput, Duration, Stack, type StackProps, Tags, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { DEFAULT_REJECT_PCT_THRESHOLD } from '../../src/core/notify/failure-notice.js';
import { AggregateSchedule } from './aggregate-schedule.js';
import { AnalyzeQueue } from './analyze-queue.js';
import { handlerCode } from './contracts-code.js';
import { grantObjects, grantTable } from './data-access.js';
import { DataBucket } from './data-bucket.js';
import { FailureNotices } from './failure-notices.js';
import { IngestApi } from './ingest-api.js';
import { IngestTrigger } from './ingest-trigger.js';
import { MarketFetch } from './market-fetch.js';
import { notifyCode } from './notify-code.js';
import { NotifyStream } from './notify-stream.js';
import { DEFAULT_OPERATIONS, type FunctionName, type OperationsSettings, tagsFor } from './operations.js';
import { PipelineAlarms } from './pipeline-alarms.js';
import { bedrockInvokeStatement, sesSendStatement } from './service-permissions.js';
import { SluiceFunction } from './sluice-function.js';
import { StateTable } from './state-table.js';
import { assertIntegerInRange } from './validate.js';

export type Stage = 'dev' | 'uat' | 'prod';

/** A file rejecting more than this percentage of its rows alarms and gets a failure notice. */

export interface SluicePipelineStackProps extends StackProps {
  readonly stage: Stage;
  /** @default no email subscription on the alarm topic */
  readonly alarmEmail?: string;
  /** The verified SES identity notify sends as: a domain (`example.com`) or an address. */
  readonly sesIdentity: string;
  readonly mailFrom: string;
  /** Comma-separated recipients. */
  readonly mailTo: string;
  /** @default 'amazon.nova-lite-v1:0' */
  readonly bedrockModelId?: string;
  /** Symbols of a large market file the model writes an outlook for (1..50). @default 12 */
  readonly outlookSymbols?: number;
  /** Reject % above which an ingested file gets a failure notice and counts for the reject-rate alarm. @default 20 */
  readonly rejectPctThreshold?: number;
  /**
   * How data objects are encrypted: `kms`, a customer-managed key of the stack's own; `s3`, S3-managed keys.
   * @default 'kms'
   */
  readonly dataKey?: 'kms' | 's3';
  /**
   * How S3 starts ingest: `eventbridge` (Object Created on the default bus, async invoke)
   * or `sqs` (an S3 event notification to the `sluice-<stage>-ingest` queue).
   * @default 'eventbridge'
   */
  readonly ingestTrigger?: 'eventbridge' | 'sqs';
  /** Folder holding one bundle per handler (`dist/handlers`, from `buildHandlers()`). */
  readonly handlersDir: string;
  /**
   * The project's dataset contract files, packaged into ingest, api-ingest and analyze.
   * @default 'datasets'
   */
  readonly contractsDir?: string;
  /**
   * Executions reserved for analyze, which calls Bedrock (on-demand quotas are per account).
   * @default 4 (valid 2..100)
   */
  readonly analyzeConcurrency?: number;
  /**
   * Executions reserved for notify, which sends through SES (sandbox: 1 message per second).
   * @default 2 (valid 1..100)
   */
  readonly notifyConcurrency?: number;
  /**
   * Comma-separated symbols the scheduled fetch pulls into inputs/twelvedata/.
   * @default no fetch schedule
   */
  readonly fetchSymbols?: string;
  /**
   * When the fetch runs, as an EventBridge expression in UTC.
   * @default 'cron(0 22 ? * MON-FRI *)'
   */
  readonly fetchSchedule?: string;
  /**
   * Throttling, sizes, retention, retries, metric namespace and tags (infra/lib/operations.ts).
   * @default DEFAULT_OPERATIONS
   */
  readonly operations?: OperationsSettings;
}

/** The whole sluice pipeline of DESIGN.md, one stack per stage. */
export class SluicePipelineStack extends Stack {
  readonly functions: Readonly<
    Record<'ingest' | 'apiIngest' | 'analyze' | 'notify' | 'aggregate' | 'fetch', SluiceFunction>
  >;

  constructor(scope: Construct, id: string, props: SluicePipelineStackProps) {
    super(scope, id, props);
    const { stage } = props;
    const prefix = `sluice-${stage}`;
    const analyzeConcurrency = props.analyzeConcurrency ?? 4;
    const notifyConcurrency = props.notifyConcurrency ?? 2;
    assertIntegerInRange('analyzeConcurrency', analyzeConcurrency, 2, 100);
    assertIntegerInRange('notifyConcurrency', notifyConcurrency, 1, 100);
    const bedrockModelId = props.bedrockModelId ?? 'amazon.nova-lite-v1:0';
    const rejectPctThreshold = props.rejectPctThreshold ?? DEFAULT_REJECT_PCT_THRESHOLD;
    const ops = props.operations ?? DEFAULT_OPERATIONS;
    for (const [key, value] of Object.entries(tagsFor(ops, stage))) Tags.of(this).add(key, value);
    const logRetention = ops.logRetentionDays as logs.RetentionDays;
    const deadLetterRetention = Duration.days(ops.dlqRetentionDays);
    const size = (fn: FunctionName) => ({
      memorySize: ops.functions[fn].memoryMb,
      timeout: Duration.seconds(ops.functions[fn].timeoutSeconds),
      logRetention,
    });

    const { bucket, key: dataKey } = new DataBucket(this, 'Data', {
      intelligentTieringAfterDays: ops.bucketTransitionDays,
      expireAfterDays: ops.bucketExpireDays,
      customerManagedKey: (props.dataKey ?? 'kms') === 'kms',
    });
    const { table } = new StateTable(this, 'State', { tableName: prefix });
    const bus = new events.EventBus(this, 'Bus', { eventBusName: prefix });
    bus.archive('Archive', {
      archiveName: `${prefix}-archive`,
      description: 'every sluice event, for replay after a fix',
      eventPattern: { account: [this.account] },
      retention: Duration.days(stage === 'prod' ? 90 : 14),
    });
    const apiKey = new secretsmanager.Secret(this, 'TwelveDataApiKey', {
      secretName: `${prefix}/twelvedata-api-key`,
      description: 'Twelve Data API key; set its value with `aws secretsmanager put-secret-value`',
    });
    Validations.of(apiKey).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'A third-party API key is rotated by hand at Twelve Data; there is no rotation Lambda to call.',
    });

    // The variables of src/handlers/env.ts; AWS_REGION comes from Lambda.
    const common = {
      SLUICE_BUCKET: bucket.bucketName,
      SLUICE_TABLE: table.tableName,
      SLUICE_EVENT_BUS: bus.eventBusName,
      POWERTOOLS_SERVICE_NAME: 'sluice',
      POWERTOOLS_METRICS_NAMESPACE: ops.metricNamespace,
      // Writes name the key, so they never fall back to the AWS-managed aws/s3 key.
      ...(dataKey ? { SLUICE_KMS_KEY_ARN: dataKey.keyArn } : {}),
    };
    const code = (name: string) =>
      lambda.Code.fromAsset(path.join(props.handlersDir, name), { exclude: ['*.map', 'meta.json'] });
    // The functions that read files or plan their analysis get the project's contracts.
    const withContracts = (name: string) =>
      handlerCode(props.handlersDir, name, props.contractsDir ?? 'datasets');

    const ingest = new SluiceFunction(this, 'Ingest', {
      functionName: `${prefix}-ingest`,
      code: withContracts('ingest'),
      ...size('ingest'),
      environment: common,
      reservedConcurrentExecutions: ops.ingestConcurrency,
    });
    const apiIngest = new SluiceFunction(this, 'ApiIngest', {
      functionName: `${prefix}-api-ingest`,
      code: withContracts('api-ingest'),
      ...size('apiIngest'),
      environment: common,
      reservedConcurrentExecutions: ops.apiIngestConcurrency,
    });
    const analyze = new SluiceFunction(this, 'Analyze', {
      functionName: `${prefix}-analyze`,
      code: withContracts('analyze'),
      ...size('analyze'),
      environment: {
        ...common,
        SLUICE_ANALYST: 'bedrock',
        SLUICE_BEDROCK_MODEL_ID: bedrockModelId,
        SLUICE_OUTLOOK_SYMBOLS: String(props.outlookSymbols ?? 12),
        // The receive that takes the offline narrative rather than running out of time again.
        SLUICE_MAX_RECEIVE_COUNT: String(ops.maxReceiveCount),
      },
      reservedConcurrentExecutions: analyzeConcurrency,
    });
    const notify = new SluiceFunction(this, 'Notify', {
      functionName: `${prefix}-notify`,
      code: notifyCode(path.join(props.handlersDir, 'notify')),
      ...size('notify'),
      environment: {
        ...common,
        SLUICE_MAIL_FROM: props.mailFrom,
        SLUICE_MAIL_TO: props.mailTo,
        SLUICE_REJECT_PCT_THRESHOLD: String(rejectPctThreshold),
      },
      reservedConcurrentExecutions: notifyConcurrency,
    });
    const aggregate = new SluiceFunction(this, 'Aggregate', {
      functionName: `${prefix}-aggregate`,
      code: code('aggregate'),
      ...size('aggregate'),
      environment: common,
    });
    const marketFetch = new MarketFetch(this, 'MarketFetch', {
      functionName: `${prefix}-fetch`,
      code: code('fetch'),
      ...size('fetch'),
      environment: common,
      bucket,
      dataKey,
      apiKey,
      deadLetterQueueName: `${prefix}-fetch-dlq`,
      deadLetterRetention,
      symbols: props.fetchSymbols?.split(','),
      schedule: props.fetchSchedule,
    });
    const fetch = marketFetch.function;
    this.functions = { ingest, apiIngest, analyze, notify, aggregate, fetch };

    // What each handler's code touches, and nothing else (infra/lib/data-access.ts).
    grantObjects(
      ingest,
      bucket,
      {
        // Manifests are read back when a duplicate delivery finds the input already done.
        read: ['inputs/*', 'manifests/*'],
        write: ['processed/*', 'rejects/*', 'manifests/*'],
        multipart: ['processed/*', 'rejects/*'],
        // resolveKey and the stage ask whether an input exists: 404 rather than 403.
        list: true,
      },
      dataKey,
    );
    // Create-only puts of the body; a second post of the same bytes is answered by S3's 412.
    grantObjects(apiIngest, bucket, { write: ['inputs/*'] }, dataKey);
    grantObjects(analyze, bucket, { read: ['manifests/*', 'processed/*'], write: ['analyses/*'] }, dataKey);
    // Failure notices quote the manifest and the first rejected rows; reports come from the table.
    grantObjects(notify, bucket, { read: ['manifests/*', 'rejects/*'] }, dataKey);
    grantTable(ingest, table, ['GetItem', 'PutItem', 'UpdateItem', 'DeleteClaim']);
    grantTable(analyze, table, [
      'GetItem',
      'PutItem',
      'UpdateItem',
      'Query',
      'BatchWriteItem',
      'DeleteClaim',
    ]);
    // notify reads the analysis from the table (Query) and claims each send.
    grantTable(notify, table, ['GetItem', 'PutItem', 'UpdateItem', 'Query', 'DeleteClaim']);
    grantTable(aggregate, table, ['GetItem', 'PutItem', 'Query']);
    for (const fn of [ingest, analyze]) bus.grantPutEventsTo(fn);
    analyze.addToRolePolicy(bedrockInvokeStatement(this, bedrockModelId));
    notify.addToRolePolicy(sesSendStatement(this, props.sesIdentity, props.mailFrom));

    this.acknowledgeGrantWildcards(bucket);

    const trigger = new IngestTrigger(this, 'IngestTrigger', {
      bucket,
      ingest,
      deadLetterQueueName: `${prefix}-ingest-dlq`,
      deadLetterRetention,
      via: props.ingestTrigger,
      maxReceiveCount: ops.maxReceiveCount,
    });
    const analyzeQueue = new AnalyzeQueue(this, 'AnalyzeQueue', {
      bus,
      analyze,
      queueName: `${prefix}-analyze`,
      deadLetterRetention,
      maxReceiveCount: ops.maxReceiveCount,
      retention: Duration.days(ops.messageRetentionDays),
      visibilityTimeout:
        ops.visibilityTimeoutSeconds === undefined
          ? undefined
          : Duration.seconds(ops.visibilityTimeoutSeconds),
      maxConcurrency: analyzeConcurrency,
    });
    const notifyStream = new NotifyStream(this, 'NotifyStream', {
      table,
      notify,
      deadLetterQueueName: `${prefix}-notify-dlq`,
      deadLetterRetention,
    });
    const failureNotices = new FailureNotices(this, 'FailureNotices', {
      bus,
      notify,
      queueName: `${prefix}-failure-notices`,
      deadLetterRetention,
      maxReceiveCount: ops.maxReceiveCount,
    });
    const schedule = new AggregateSchedule(this, 'AggregateSchedule', {
      aggregate,
      deadLetterQueueName: `${prefix}-aggregate-dlq`,
      deadLetterRetention,
    });
    const { api } = new IngestApi(this, 'IngestApi', {
      handler: apiIngest,
      apiName: `${prefix}-api`,
      stageName: stage,
      rateLimit: ops.apiRateLimit,
      burstLimit: ops.apiBurstLimit,
      logRetention,
    });

    const alarms = new PipelineAlarms(this, 'Alarms', {
      namePrefix: prefix,
      functions: { ingest, 'api-ingest': apiIngest, analyze, notify, aggregate, fetch },
      deadLetterQueues: {
        ingest: trigger.deadLetterQueue,
        analyze: analyzeQueue.deadLetterQueue,
        notify: notifyStream.deadLetterQueue,
        'failure-notices': failureNotices.deadLetterQueue,
        aggregate: schedule.deadLetterQueue,
        fetch: marketFetch.deadLetterQueue,
      },
      queues: {
        analyze: analyzeQueue.queue,
        'failure-notices': failureNotices.queue,
        ...(trigger.queue ? { ingest: trigger.queue } : {}),
      },
      rejectPctThreshold,
      metricNamespace: ops.metricNamespace,
      alarmEmail: props.alarmEmail,
    });

    // What docs/deploy.md tells a user to look up.
    new CfnOutput(this, 'DataBucketName', { value: bucket.bucketName });
    new CfnOutput(this, 'IngestUrl', { value: api.urlForPath('/ingest') });
    new CfnOutput(this, 'AlarmTopicArn', { value: alarms.topic.topicArn });
  }

  /**
   * The object statements of data-access.ts name key prefixes (`<bucket>/inputs/*`);
   * cdk-nag reports each prefix wildcard separately, so each is acknowledged by name.
   */
  private acknowledgeGrantWildcards(bucket: s3.Bucket): void {
    const bucketArn = `<${this.resolve(this.getLogicalId(bucket.node.defaultChild as s3.CfnBucket))}.Arn>`;
    const prefixes = [
      'inputs/*',
      'inputs/twelvedata/*',
      'processed/*',
      'rejects/*',
      'manifests/*',
      'analyses/*',
    ];
    Validations.of(this).acknowledge(
      ...prefixes.map((prefix) => ({
        id: `AwsSolutions-IAM5[Resource::${bucketArn}/${prefix}]`,
        reason: `Object names under ${prefix} derive from content hashes and uploads, so only the prefix is known.`,
      })),
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: "CDK's bucket-notifications custom resource (eventBridgeEnabled) only writes its own logs.",
      },
    );
  }
}
