import path from 'node:path';
import { CfnOutput, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { AggregateSchedule } from './aggregate-schedule.js';
import { AnalyzeQueue } from './analyze-queue.js';
import { DataBucket } from './data-bucket.js';
import { IngestApi } from './ingest-api.js';
import { IngestTrigger } from './ingest-trigger.js';
import { MarketFetch } from './market-fetch.js';
import { notifyCode } from './notify-code.js';
import { NotifyStream } from './notify-stream.js';
import { PipelineAlarms } from './pipeline-alarms.js';
import { bedrockInvokeStatement, sesSendStatement } from './service-permissions.js';
import { SluiceFunction } from './sluice-function.js';
import { StateTable } from './state-table.js';
import { assertIntegerInRange } from './validate.js';

export type Stage = 'dev' | 'prod';

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
  /** Folder holding one bundle per handler (`dist/handlers`, from `buildHandlers()`). */
  readonly handlersDir: string;
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

    const { bucket } = new DataBucket(this, 'Data');
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
      POWERTOOLS_METRICS_NAMESPACE: 'Sluice',
    };
    const code = (name: string) =>
      lambda.Code.fromAsset(path.join(props.handlersDir, name), { exclude: ['*.map', 'meta.json'] });

    const ingest = new SluiceFunction(this, 'Ingest', {
      functionName: `${prefix}-ingest`,
      code: code('ingest'),
      // Streams the file (parse, validate, two multipart uploads); CPU scales with memory.
      memorySize: 1024,
      timeout: Duration.minutes(5),
      environment: common,
    });
    const apiIngest = new SluiceFunction(this, 'ApiIngest', {
      functionName: `${prefix}-api-ingest`,
      code: code('api-ingest'),
      // Holds one body of at most 6 MB (decoded) while hashing and storing it.
      memorySize: 512,
      // API Gateway stops waiting after 29 s.
      timeout: Duration.seconds(29),
      environment: common,
    });
    const analyze = new SluiceFunction(this, 'Analyze', {
      functionName: `${prefix}-analyze`,
      code: code('analyze'),
      // Holds every valid row of a file for the indicators, then waits on Bedrock.
      memorySize: 2048,
      timeout: Duration.minutes(5),
      environment: { ...common, SLUICE_ANALYST: 'bedrock', SLUICE_BEDROCK_MODEL_ID: bedrockModelId },
      reservedConcurrentExecutions: analyzeConcurrency,
    });
    const notify = new SluiceFunction(this, 'Notify', {
      functionName: `${prefix}-notify`,
      code: notifyCode(path.join(props.handlersDir, 'notify')),
      // Renders HTML and rasterizes charts (resvg) before sending.
      memorySize: 1024,
      timeout: Duration.minutes(2),
      environment: { ...common, SLUICE_MAIL_FROM: props.mailFrom, SLUICE_MAIL_TO: props.mailTo },
      reservedConcurrentExecutions: notifyConcurrency,
    });
    const aggregate = new SluiceFunction(this, 'Aggregate', {
      functionName: `${prefix}-aggregate`,
      code: code('aggregate'),
      // Reads the last hour of analyses and writes one small item.
      memorySize: 256,
      timeout: Duration.minutes(1),
      environment: common,
    });
    const marketFetch = new MarketFetch(this, 'MarketFetch', {
      functionName: `${prefix}-fetch`,
      code: code('fetch'),
      environment: common,
      bucket,
      apiKey,
      deadLetterQueueName: `${prefix}-fetch-dlq`,
      symbols: props.fetchSymbols?.split(','),
      schedule: props.fetchSchedule,
    });
    const fetch = marketFetch.function;
    this.functions = { ingest, apiIngest, analyze, notify, aggregate, fetch };

    bucket.grantRead(ingest, 'inputs/*');
    for (const output of ['processed/*', 'rejects/*', 'manifests/*']) bucket.grantPut(ingest, output);
    bucket.grantRead(apiIngest, 'inputs/*');
    bucket.grantPut(apiIngest, 'inputs/*');
    bucket.grantRead(analyze);
    bucket.grantRead(notify);
    for (const fn of [ingest, analyze, notify, aggregate]) table.grantReadWriteData(fn);
    for (const fn of [ingest, analyze, notify]) bus.grantPutEventsTo(fn);
    analyze.addToRolePolicy(bedrockInvokeStatement(this, bedrockModelId));
    notify.addToRolePolicy(sesSendStatement(this, props.sesIdentity));

    this.acknowledgeGrantWildcards(bucket);

    const trigger = new IngestTrigger(this, 'IngestTrigger', {
      bucket,
      ingest,
      deadLetterQueueName: `${prefix}-ingest-dlq`,
    });
    const analyzeQueue = new AnalyzeQueue(this, 'AnalyzeQueue', {
      bus,
      analyze,
      queueName: `${prefix}-analyze`,
      maxConcurrency: analyzeConcurrency,
    });
    const notifyStream = new NotifyStream(this, 'NotifyStream', {
      table,
      notify,
      deadLetterQueueName: `${prefix}-notify-dlq`,
    });
    const schedule = new AggregateSchedule(this, 'AggregateSchedule', {
      aggregate,
      deadLetterQueueName: `${prefix}-aggregate-dlq`,
    });
    const { api } = new IngestApi(this, 'IngestApi', {
      handler: apiIngest,
      apiName: `${prefix}-api`,
      stageName: stage,
    });

    const alarms = new PipelineAlarms(this, 'Alarms', {
      namePrefix: prefix,
      functions: { ingest, 'api-ingest': apiIngest, analyze, notify, aggregate, fetch },
      deadLetterQueues: {
        ingest: trigger.deadLetterQueue,
        analyze: analyzeQueue.deadLetterQueue,
        notify: notifyStream.deadLetterQueue,
        aggregate: schedule.deadLetterQueue,
        fetch: marketFetch.deadLetterQueue,
      },
      queues: { analyze: analyzeQueue.queue },
      alarmEmail: props.alarmEmail,
    });

    // What docs/deploy.md tells a user to look up.
    new CfnOutput(this, 'DataBucketName', { value: bucket.bucketName });
    new CfnOutput(this, 'IngestUrl', { value: api.urlForPath('/ingest') });
    new CfnOutput(this, 'AlarmTopicArn', { value: alarms.topic.topicArn });
  }

  /**
   * The bucket grants above use CDK's read/put action sets on object prefixes;
   * cdk-nag reports each wildcard separately, so each is acknowledged by name.
   */
  private acknowledgeGrantWildcards(bucket: s3.Bucket): void {
    const bucketArn = `<${this.resolve(this.getLogicalId(bucket.node.defaultChild as s3.CfnBucket))}.Arn>`;
    const prefixes = ['inputs/*', 'inputs/twelvedata/*', 'processed/*', 'rejects/*', 'manifests/*', '*'];
    Validations.of(this).acknowledge(
      ...['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:Abort*'].map((action) => ({
        id: `AwsSolutions-IAM5[Action::${action}]`,
        reason: `${action} is part of CDK's grantRead/grantPut set, scoped to the data bucket and an object prefix.`,
      })),
      ...prefixes.map((prefix) => ({
        id: `AwsSolutions-IAM5[Resource::${bucketArn}/${prefix}]`,
        reason: `Objects under ${prefix === '*' ? 'every prefix the function reads' : prefix} are not known until run time.`,
      })),
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: "CDK's bucket-notifications custom resource (eventBridgeEnabled) only writes its own logs.",
      },
    );
  }
}
