import { Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { HandlerEnvSchema } from '../../src/handlers/env.js';
import { DESTRUCTIVE_ACTIONS } from '../lib/destructive-deny.js';
import { nagPacks } from '../lib/nag.js';
import type { SluicePipelineStack } from '../lib/pipeline-stack.js';
import { stubHandlersDir, synthPipeline } from './helpers.js';

type Resource = { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string };
type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

let dev: SluicePipelineStack;
let prod: SluicePipelineStack;
let template: Template;

beforeAll(() => {
  const handlers = stubHandlersDir();
  dev = synthPipeline('dev', handlers);
  prod = synthPipeline('prod', handlers);
  template = Template.fromStack(dev);
  Template.fromStack(prod);
});

const resources = (type: string): Resource[] => Object.values(template.findResources(type)) as Resource[];
const functionByName = (suffix: string) => {
  const found = resources('AWS::Lambda::Function').find(
    (f) => f.Properties.FunctionName === `sluice-dev-${suffix}`,
  );
  if (found === undefined) throw new Error(`no function sluice-dev-${suffix}`);
  return found;
};
const logicalIdOf = (type: string, props: Record<string, unknown>): string => {
  const ids = Object.keys(template.findResources(type, { Properties: props }));
  expect(ids).toHaveLength(1);
  return ids[0]!;
};
const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

describe('SluicePipelineStack', () => {
  it('synthesizes for dev and prod with every name suffixed by the stage', () => {
    for (const [stack, stage] of [
      [dev, 'dev'],
      [prod, 'prod'],
    ] as const) {
      const t = Template.fromStack(stack);
      t.hasResourceProperties('AWS::DynamoDB::Table', { TableName: `sluice-${stage}` });
      t.hasResourceProperties('AWS::Events::EventBus', { Name: `sluice-${stage}` });
      // The six handlers and CDK's bucket-notifications handler (eventBridgeEnabled).
      t.resourceCountIs('AWS::Lambda::Function', 6 + 1);
    }
  });

  describe('data bucket', () => {
    it('blocks public access, encrypts with its own key, versions and sends access logs to the log bucket', () => {
      template.hasResourceProperties('Custom::S3BucketNotifications', {
        NotificationConfiguration: { EventBridgeConfiguration: {} },
      });
      template.hasResourceProperties('AWS::S3::Bucket', {
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            {
              ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: Match.anyValue() },
              BucketKeyEnabled: true,
            },
          ],
        },
        VersioningConfiguration: { Status: 'Enabled' },
        LoggingConfiguration: { DestinationBucketName: Match.anyValue(), LogFilePrefix: 'data/' },
      });
    });

    it('tiers after 30 days, expires after 365, aborts multipart uploads after 1 day and expires old versions', () => {
      template.hasResourceProperties('AWS::S3::Bucket', {
        LifecycleConfiguration: {
          Rules: [
            Match.objectLike({
              Status: 'Enabled',
              Transitions: [{ StorageClass: 'INTELLIGENT_TIERING', TransitionInDays: 30 }],
              ExpirationInDays: 365,
              AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
              NoncurrentVersionExpiration: { NoncurrentDays: 30 },
            }),
          ],
        },
      });
    });

    it('uses S3-managed keys and names no key with -c dataKey=s3', () => {
      const plain = Template.fromStack(synthPipeline('dev', stubHandlersDir(), { dataKey: 's3' }));
      plain.hasResourceProperties('AWS::S3::Bucket', {
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        LoggingConfiguration: Match.anyValue(),
      });
      expect(JSON.stringify(plain.toJSON())).not.toContain('SLUICE_KMS_KEY_ARN');
      expect(Object.keys(plain.findResources('AWS::KMS::Key'))).toHaveLength(1);
    });

    it('retains both buckets and denies every request without TLS', () => {
      const buckets = resources('AWS::S3::Bucket');
      expect(buckets).toHaveLength(2);
      for (const bucket of buckets) expect(bucket.DeletionPolicy).toBe('Retain');
      const policies = resources('AWS::S3::BucketPolicy');
      expect(policies).toHaveLength(2);
      for (const policy of policies) {
        expect(policy.Properties.PolicyDocument).toMatchObject({
          Statement: expect.arrayContaining([
            expect.objectContaining({
              Effect: 'Deny',
              Action: 's3:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        });
      }
    });
  });

  describe('state table', () => {
    it('has pk/sk, on-demand billing, PITR, TTL on `ttl`, SSE, a NEW_IMAGE stream and deletion protection', () => {
      template.hasResource('AWS::DynamoDB::Table', {
        DeletionPolicy: 'Retain',
        Properties: {
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
          AttributeDefinitions: [
            { AttributeName: 'pk', AttributeType: 'S' },
            { AttributeName: 'sk', AttributeType: 'S' },
          ],
          BillingMode: 'PAY_PER_REQUEST',
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
          SSESpecification: { SSEEnabled: true },
          StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
          DeletionProtectionEnabled: true,
        },
      });
    });
  });

  describe('ingest trigger', () => {
    it('matches S3 Object Created under inputs/ on the default bus', () => {
      template.hasResourceProperties('AWS::Events::Rule', {
        EventBusName: Match.absent(),
        EventPattern: {
          source: ['aws.s3'],
          'detail-type': ['Object Created'],
          detail: { bucket: { name: [Match.anyValue()] }, object: { key: [{ prefix: 'inputs/' }] } },
        },
        Targets: [
          Match.objectLike({
            RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
            DeadLetterConfig: { Arn: Match.anyValue() },
          }),
        ],
      });
    });

    it('retries a failed async invocation twice within an hour, then sends it to the ingest DLQ', () => {
      const dlq = logicalIdOf('AWS::SQS::Queue', { QueueName: 'sluice-dev-ingest-dlq' });
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        MaximumRetryAttempts: 2,
        MaximumEventAgeInSeconds: 3600,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [dlq, 'Arn'] } } },
      });
    });
  });

  describe('ingest trigger through SQS (-c ingestTrigger=sqs)', () => {
    it('sends S3 notifications under inputs/ to a queue ingest reads one at a time, with partial failures', () => {
      const stack = synthPipeline('dev', stubHandlersDir(), { ingestTrigger: 'sqs' });
      const viaQueue = Template.fromStack(stack);
      const queues = Object.entries(viaQueue.findResources('AWS::SQS::Queue'));
      const queue = queues.find(([, q]) => q.Properties.QueueName === 'sluice-dev-ingest')?.[0];
      const dlq = queues.find(([, q]) => q.Properties.QueueName === 'sluice-dev-ingest-dlq')?.[0];
      viaQueue.hasResourceProperties('Custom::S3BucketNotifications', {
        NotificationConfiguration: {
          EventBridgeConfiguration: {},
          QueueConfigurations: [
            {
              Events: ['s3:ObjectCreated:*'],
              Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'inputs/' }] } },
              QueueArn: { 'Fn::GetAtt': [queue, 'Arn'] },
            },
          ],
        },
      });
      viaQueue.hasResourceProperties('AWS::SQS::Queue', {
        QueueName: 'sluice-dev-ingest',
        VisibilityTimeout: 6 * 300,
        RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] }, maxReceiveCount: 5 },
      });
      viaQueue.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: { 'Fn::GetAtt': [queue, 'Arn'] },
        BatchSize: 1,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
      // No Object Created rule and no async invoke configuration: the queue retries instead.
      const rules = Object.values(viaQueue.findResources('AWS::Events::Rule'));
      expect(
        rules.some((r) => JSON.stringify(r.Properties.EventPattern ?? {}).includes('Object Created')),
      ).toBe(false);
      const findings = nagPacks().flatMap((pack) =>
        pack
          .validateScope(stack)
          .violations.map((v) => `${v.ruleName} ${v.violatingResources[0]?.constructPath}`),
      );
      expect(findings).toEqual([]);
    });
  });

  describe('analyze queue', () => {
    it('routes IngestCompleted from the custom bus to the queue, and archives the bus', () => {
      template.hasResourceProperties('AWS::Events::Rule', {
        EventBusName: Match.anyValue(),
        EventPattern: { source: ['sluice.ingest'], 'detail-type': ['IngestCompleted'] },
      });
      template.hasResourceProperties('AWS::Events::Archive', { ArchiveName: 'sluice-dev-archive' });
    });

    it('has a visibility timeout of at least 6 × the analyze timeout and a DLQ after 5 receives', () => {
      const timeout = functionByName('analyze').Properties.Timeout as number;
      const dlq = logicalIdOf('AWS::SQS::Queue', { QueueName: 'sluice-dev-analyze-dlq' });
      const queue = resources('AWS::SQS::Queue').find(
        (q) => q.Properties.QueueName === 'sluice-dev-analyze',
      )!;
      expect(queue.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * timeout);
      expect(queue.Properties.RedrivePolicy).toEqual({
        deadLetterTargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] },
        maxReceiveCount: 5,
      });
    });

    it('keeps every queue encrypted and TLS-only, and every DLQ for 14 days', () => {
      const queues = resources('AWS::SQS::Queue');
      expect(queues).toHaveLength(8);
      for (const queue of queues) expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
      for (const dlq of queues.filter((q) => String(q.Properties.QueueName).endsWith('-dlq'))) {
        expect(dlq.Properties.MessageRetentionPeriod).toBe(14 * 24 * 3600);
      }
      const policies = resources('AWS::SQS::QueuePolicy');
      expect(policies).toHaveLength(8);
      for (const policy of policies) {
        expect(JSON.stringify(policy.Properties.PolicyDocument)).toContain('"aws:SecureTransport":"false"');
      }
    });

    it('feeds analyze in batches of 10 with partial batch failures', () => {
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: Match.objectLike({ 'Fn::GetAtt': Match.arrayWith(['Arn']) }),
        BatchSize: 10,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: 4 },
      });
    });
  });

  describe('notify stream', () => {
    it('invokes notify only for the INSERT of an ANALYSIS summary, bisecting, retrying 3 times for at most an hour', () => {
      const dlq = logicalIdOf('AWS::SQS::Queue', { QueueName: 'sluice-dev-notify-dlq' });
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        StartingPosition: 'LATEST',
        BisectBatchOnFunctionError: true,
        MaximumRetryAttempts: 3,
        MaximumRecordAgeInSeconds: 3600,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [dlq, 'Arn'] } } },
        FilterCriteria: {
          Filters: [
            {
              Pattern: JSON.stringify({
                eventName: ['INSERT'],
                dynamodb: { Keys: { pk: { S: [{ prefix: 'ANALYSIS#' }] }, sk: { S: ['ANALYSIS'] } } },
              }),
            },
          ],
        },
      });
    });
  });

  describe('failure notices', () => {
    it('queue IngestRejected, and IngestCompleted with rejected rows, for notify with partial batch failures', () => {
      const queue = logicalIdOf('AWS::SQS::Queue', { QueueName: 'sluice-dev-failure-notices' });
      const dlq = logicalIdOf('AWS::SQS::Queue', { QueueName: 'sluice-dev-failure-notices-dlq' });
      template.hasResourceProperties('AWS::Events::Rule', {
        EventBusName: Match.anyValue(),
        EventPattern: { source: ['sluice.ingest'], 'detail-type': ['IngestRejected'] },
        Targets: [
          Match.objectLike({ Arn: { 'Fn::GetAtt': [queue, 'Arn'] }, DeadLetterConfig: Match.anyValue() }),
        ],
      });
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: {
          source: ['sluice.ingest'],
          'detail-type': ['IngestCompleted'],
          detail: { counts: { rejected: [{ numeric: ['>', 0] }] } },
        },
        Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [queue, 'Arn'] } })],
      });
      expect(
        resources('AWS::SQS::Queue').find((q) => q.Properties.QueueName === 'sluice-dev-failure-notices')
          ?.Properties,
      ).toMatchObject({
        RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] }, maxReceiveCount: 5 },
        VisibilityTimeout: 6 * 120,
      });
      const notify = Object.entries(template.findResources('AWS::Lambda::Function')).find(
        ([, f]) => (f as Resource).Properties.FunctionName === 'sluice-dev-notify',
      )?.[0];
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: notify },
        EventSourceArn: { 'Fn::GetAtt': [queue, 'Arn'] },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
      expect(functionByName('notify').Properties).toMatchObject({
        Environment: { Variables: { SLUICE_REJECT_PCT_THRESHOLD: '20' } },
      });
    });

    it('take the outlook budget and the reject threshold from context, into the functions and the alarm', () => {
      expect(functionByName('analyze').Properties).toMatchObject({
        Environment: { Variables: { SLUICE_OUTLOOK_SYMBOLS: '12' } },
      });
      const tuned = Template.fromStack(
        synthPipeline('uat', stubHandlersDir(), { outlookSymbols: 5, rejectPctThreshold: 35 }),
      );
      const env = (name: string) =>
        (Object.values(tuned.findResources('AWS::Lambda::Function')) as Resource[]).find(
          (f) => f.Properties.FunctionName === `sluice-uat-${name}`,
        )?.Properties.Environment;
      expect(env('analyze')).toMatchObject({ Variables: { SLUICE_OUTLOOK_SYMBOLS: '5' } });
      expect(env('notify')).toMatchObject({ Variables: { SLUICE_REJECT_PCT_THRESHOLD: '35' } });
      tuned.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: 'sluice-uat-reject-pct',
        Threshold: 35,
      });
    });

    it('alarm on refused files, the reject rate and the failure-notice DLQ, into the alarm topic', () => {
      const topic = logicalIdOf('AWS::SNS::Topic', { TopicName: 'sluice-dev-alarms' });
      for (const [name, expression] of [
        ['sluice-dev-files-rejected', 'SELECT SUM(FilesRejected) FROM Sluice'],
        ['sluice-dev-reject-pct', 'SELECT MAX(RejectPct) FROM Sluice'],
      ]) {
        template.hasResourceProperties('AWS::CloudWatch::Alarm', {
          AlarmName: name,
          Metrics: [Match.objectLike({ Expression: expression })],
          AlarmActions: [{ Ref: topic }],
        });
      }
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: 'sluice-dev-failure-notices-dlq-depth',
        AlarmActions: [{ Ref: topic }],
      });
    });
  });

  describe('functions', () => {
    const sizes = {
      ingest: [1024, 300],
      'api-ingest': [512, 29],
      analyze: [2048, 300],
      notify: [1024, 120],
      aggregate: [256, 60],
      fetch: [256, 900],
    } as const;

    it('run on the newest Node.js, ARM64, with X-Ray active and the planned memory and timeout', () => {
      for (const [name, [memory, timeout]] of Object.entries(sizes)) {
        expect(functionByName(name).Properties).toMatchObject({
          Runtime: 'nodejs24.x',
          Architectures: ['arm64'],
          TracingConfig: { Mode: 'Active' },
          Handler: 'index.handler',
          MemorySize: memory,
          Timeout: timeout,
        });
      }
    });

    it('reserve concurrency for analyze (Bedrock), notify (SES), fetch (API credits) and both ingest paths', () => {
      expect(functionByName('analyze').Properties.ReservedConcurrentExecutions).toBe(4);
      expect(functionByName('notify').Properties.ReservedConcurrentExecutions).toBe(2);
      expect(functionByName('fetch').Properties.ReservedConcurrentExecutions).toBe(1);
      // A burst of uploads must not take the account's pool from every other function.
      expect(functionByName('ingest').Properties.ReservedConcurrentExecutions).toBe(10);
      expect(functionByName('api-ingest').Properties.ReservedConcurrentExecutions).toBe(10);
      expect(functionByName('aggregate').Properties.ReservedConcurrentExecutions).toBeUndefined();
    });

    it('set only variables that src/handlers/env.ts or Powertools read, and what notify requires', () => {
      const known = new Set([
        ...Object.keys(HandlerEnvSchema.shape),
        'POWERTOOLS_SERVICE_NAME',
        'POWERTOOLS_METRICS_NAMESPACE',
      ]);
      for (const name of Object.keys(sizes)) {
        const vars = (functionByName(name).Properties.Environment as { Variables: Record<string, unknown> })
          .Variables;
        for (const key of Object.keys(vars)) expect(known, `${name}: ${key}`).toContain(key);
        expect(Object.keys(vars)).toEqual(
          expect.arrayContaining(['SLUICE_BUCKET', 'SLUICE_TABLE', 'SLUICE_EVENT_BUS']),
        );
        expect(vars.AWS_REGION).toBeUndefined();
      }
      expect(functionByName('notify').Properties.Environment).toMatchObject({
        Variables: { SLUICE_MAIL_FROM: 'sluice@example.com', SLUICE_MAIL_TO: 'team@example.com' },
      });
      expect(functionByName('analyze').Properties.Environment).toMatchObject({
        Variables: { SLUICE_BEDROCK_MODEL_ID: 'amazon.nova-lite-v1:0' },
      });
    });

    it('log to their own group, kept for a month', () => {
      for (const name of Object.keys(sizes)) {
        template.hasResourceProperties('AWS::Logs::LogGroup', {
          LogGroupName: `/aws/lambda/sluice-dev-${name}`,
          RetentionInDays: 30,
        });
      }
      for (const group of resources('AWS::Logs::LogGroup')) expect(group.Properties.RetentionInDays).toBe(30);
    });

    it('run aggregate every 5 minutes', () => {
      template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(5 minutes)' });
    });
  });

  describe('ingest API', () => {
    it('requires IAM auth and validates body and parameters on POST /ingest', () => {
      template.hasResourceProperties('AWS::ApiGateway::Method', {
        HttpMethod: 'POST',
        AuthorizationType: 'AWS_IAM',
        RequestValidatorId: Match.anyValue(),
        RequestModels: { 'application/json': Match.anyValue() },
        RequestParameters: { 'method.request.header.Content-Type': true },
      });
      template.hasResourceProperties('AWS::ApiGateway::RequestValidator', {
        ValidateRequestBody: true,
        ValidateRequestParameters: true,
      });
      template.hasResourceProperties('AWS::ApiGateway::Model', { ContentType: 'application/json' });
      template.hasResourceProperties('AWS::ApiGateway::RestApi', {
        BinaryMediaTypes: [
          'text/csv',
          'application/gzip',
          'application/x-gzip',
          'application/vnd.ms-excel',
          'application/octet-stream',
        ],
      });
    });

    it('throttles, traces and writes access logs on the stage', () => {
      template.hasResourceProperties('AWS::ApiGateway::Stage', {
        StageName: 'dev',
        TracingEnabled: true,
        AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.anyValue() },
        MethodSettings: [
          Match.objectLike({ ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20, LoggingLevel: 'ERROR' }),
        ],
      });
    });
  });

  describe('IAM', () => {
    const functionPolicies = () =>
      resources('AWS::IAM::Policy').filter((p) =>
        ['Ingest', 'ApiIngest', 'Analyze', 'Notify', 'Aggregate', 'MarketFetchFunction'].some((f) =>
          String(p.Properties.PolicyName).startsWith(`${f}ServiceRoleDefaultPolicy`),
        ),
      );
    const statements = (p: Resource) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement;

    it('denies destructive actions explicitly in every function role', () => {
      const policies = functionPolicies();
      expect(policies).toHaveLength(6);
      for (const policy of policies) {
        expect(statements(policy)).toContainEqual(
          expect.objectContaining({ Effect: 'Deny', Action: [...DESTRUCTIVE_ACTIONS], Resource: '*' }),
        );
      }
    });

    it('never allows `*` as a resource, except for actions with no resource-level permissions', () => {
      const unscoped = new Set(['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'dynamodb:ListStreams']);
      for (const policy of functionPolicies()) {
        for (const statement of statements(policy).filter((s) => s.Effect === 'Allow')) {
          if (asArray(statement.Resource).includes('*')) {
            for (const action of asArray(statement.Action)) expect(unscoped).toContain(action);
          }
        }
      }
    });

    const policyOf = (fn: string) => {
      const prefix = `${fn}ServiceRoleDefaultPolicy`;
      const found = functionPolicies().find((p) => String(p.Properties.PolicyName).startsWith(prefix));
      if (!found) throw new Error(`no policy ${prefix}`);
      return statements(found).filter((st) => st.Effect === 'Allow');
    };
    const actionsOf = (fn: string, service: string) =>
      new Set(
        policyOf(fn)
          .flatMap((st) => asArray(st.Action))
          .filter((a) => a.startsWith(`${service}:`)),
      );
    const objectPatterns = (fn: string, action: string) =>
      policyOf(fn)
        .filter((st) => asArray(st.Action).includes(action))
        .flatMap((st) => asArray(st.Resource))
        .map((r) => JSON.stringify(r).match(/"\/([^"]*)"\]/)?.[1]);

    it('gives each function the S3 actions its code calls, on the prefixes it touches', () => {
      expect(actionsOf('Ingest', 's3')).toEqual(
        new Set(['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListBucket']),
      );
      expect(objectPatterns('Ingest', 's3:GetObject').sort()).toEqual(['inputs/*', 'manifests/*']);
      expect(objectPatterns('Ingest', 's3:PutObject').sort()).toEqual([
        'manifests/*',
        'processed/*',
        'rejects/*',
      ]);
      expect(actionsOf('ApiIngest', 's3')).toEqual(new Set(['s3:PutObject']));
      expect(objectPatterns('ApiIngest', 's3:PutObject')).toEqual(['inputs/*']);
      expect(actionsOf('Analyze', 's3')).toEqual(new Set(['s3:GetObject', 's3:PutObject']));
      expect(objectPatterns('Analyze', 's3:GetObject').sort()).toEqual(['manifests/*', 'processed/*']);
      expect(objectPatterns('Analyze', 's3:PutObject')).toEqual(['analyses/*']);
      expect(actionsOf('MarketFetchFunction', 's3')).toEqual(new Set(['s3:PutObject']));
      expect(objectPatterns('MarketFetchFunction', 's3:PutObject')).toEqual(['inputs/twelvedata/*']);
      // Notify quotes a refused file's manifest and first rejected rows in its failure notice.
      expect(actionsOf('Notify', 's3')).toEqual(new Set(['s3:GetObject']));
      expect(objectPatterns('Notify', 's3:GetObject').sort()).toEqual(['manifests/*', 'rejects/*']);
      expect(actionsOf('Aggregate', 's3')).toEqual(new Set());
      // Nobody reads bucket configuration or lists with a wildcard action.
      for (const p of functionPolicies()) {
        for (const action of statements(p).flatMap((st) => asArray(st.Action))) {
          expect(action).not.toMatch(/^s3:(GetBucket|List\*|GetObject\*|Abort\*)/);
        }
      }
    });

    it('gives each function the table actions it uses: no Scan, and DeleteItem only on claim items', () => {
      const expected = {
        Ingest: ['DeleteItem', 'GetItem', 'PutItem', 'UpdateItem'],
        Analyze: ['BatchWriteItem', 'DeleteItem', 'GetItem', 'PutItem', 'Query', 'UpdateItem'],
        Notify: ['DeleteItem', 'GetItem', 'PutItem', 'Query', 'UpdateItem'],
        Aggregate: ['GetItem', 'PutItem', 'Query'],
        ApiIngest: [],
        MarketFetchFunction: [],
      };
      // Stream reads (notify's event source) are CDK's and not item actions.
      const streamActions = /^dynamodb:(DescribeStream|GetRecords|GetShardIterator|ListStreams)$/;
      for (const [fn, actions] of Object.entries(expected)) {
        const got = [...actionsOf(fn, 'dynamodb')].filter((a) => !streamActions.test(a));
        expect(got.map((a) => a.slice('dynamodb:'.length)).sort(), fn).toEqual(actions);
        for (const st of policyOf(fn).filter((s) => asArray(s.Action).includes('dynamodb:DeleteItem'))) {
          expect((st as Statement & { Condition?: unknown }).Condition).toEqual({
            'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['CLAIM#*'] },
          });
        }
      }
    });

    it('lets only ingest and analyze publish events', () => {
      for (const fn of ['Ingest', 'Analyze'])
        expect(actionsOf(fn, 'events')).toEqual(new Set(['events:PutEvents']));
      for (const fn of ['Notify', 'ApiIngest', 'Aggregate', 'MarketFetchFunction']) {
        expect(actionsOf(fn, 'events')).toEqual(new Set());
      }
    });

    it('uses the data key only through S3: decrypt to read, a data key to write', () => {
      const key = logicalIdOf('AWS::KMS::Key', { Description: 'sluice data bucket objects' });
      template.hasResource('AWS::KMS::Key', {
        DeletionPolicy: 'Retain',
        Properties: { Description: 'sluice data bucket objects', EnableKeyRotation: true },
      });
      const kmsOf = (fn: string) =>
        policyOf(fn).filter((st) => asArray(st.Action).some((a) => a.startsWith('kms:')));
      const expected = {
        Ingest: ['kms:Decrypt', 'kms:GenerateDataKey'],
        ApiIngest: ['kms:GenerateDataKey'],
        Analyze: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Notify: ['kms:Decrypt'],
        MarketFetchFunction: ['kms:GenerateDataKey'],
      };
      for (const [fn, actions] of Object.entries(expected)) {
        const [statement, ...more] = kmsOf(fn) as (Statement & { Condition?: unknown })[];
        expect(more).toEqual([]);
        expect(asArray(statement!.Action).sort()).toEqual(actions);
        expect(statement!.Resource).toEqual({ 'Fn::GetAtt': [key, 'Arn'] });
        expect(JSON.stringify(statement!.Condition)).toContain('"kms:ViaService"');
        expect(
          functionByName(
            fn === 'ApiIngest' ? 'api-ingest' : fn === 'MarketFetchFunction' ? 'fetch' : fn.toLowerCase(),
          ).Properties,
        ).toMatchObject({
          Environment: { Variables: { SLUICE_KMS_KEY_ARN: { 'Fn::GetAtt': [key, 'Arn'] } } },
        });
      }
      expect(kmsOf('Aggregate')).toEqual([]);
    });

    it('sends mail only from the configured address', () => {
      const ses = policyOf('Notify').find((st) =>
        asArray(st.Action).includes('ses:SendEmail'),
      ) as Statement & {
        Condition?: unknown;
      };
      expect(ses.Condition).toEqual({ StringEquals: { 'ses:FromAddress': 'sluice@example.com' } });
    });

    it('lets CloudWatch use the alarm key only for alarms of this account', () => {
      const keys = resources('AWS::KMS::Key').filter(
        (k) => k.Properties.Description === 'sluice-dev alarm topic',
      );
      expect(keys).toHaveLength(1);
      const statement = (
        keys[0]!.Properties.KeyPolicy as {
          Statement: (Statement & { Principal?: unknown; Condition?: unknown })[];
        }
      ).Statement.find((st) => JSON.stringify(st.Principal).includes('cloudwatch.amazonaws.com'));
      expect(statement).toMatchObject({
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Condition: {
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          ArnLike: { 'aws:SourceArn': expect.anything() },
        },
      });
    });

    it('allows Bedrock InvokeModel on the configured model and SES sending as the configured identity', () => {
      const all = functionPolicies().flatMap(statements);
      const bedrock = all.find((s) => asArray(s.Action).includes('bedrock:InvokeModel'))!;
      expect(JSON.stringify(bedrock.Resource)).toContain('::foundation-model/amazon.nova-lite-v1:0');
      const ses = all.find((s) => asArray(s.Action).includes('ses:SendEmail'))!;
      expect(asArray(ses.Action)).toEqual(['ses:SendEmail', 'ses:SendRawEmail']);
      expect(JSON.stringify(ses.Resource)).toContain(':identity/example.com');
    });
  });

  describe('alarms', () => {
    it('send every alarm to the encrypted, TLS-only topic, which mails alarmEmail', () => {
      const topic = logicalIdOf('AWS::SNS::Topic', { TopicName: 'sluice-dev-alarms' });
      template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: 'ops@example.com',
      });
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
      const alarms = resources('AWS::CloudWatch::Alarm');
      // 6 functions × (errors, throttles, error lines) + 6 DLQs + reject % + rejected files + Bedrock retries
      expect(alarms).toHaveLength(27);
      for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topic }]);
    });

    it('cover errors, throttles, DLQ depth, reject % and exhausted Bedrock retries', () => {
      const names = resources('AWS::CloudWatch::Alarm').map((a) => a.Properties.AlarmName);
      for (const fn of ['ingest', 'api-ingest', 'analyze', 'notify', 'aggregate', 'fetch']) {
        expect(names).toContain(`sluice-dev-${fn}-errors`);
        expect(names).toContain(`sluice-dev-${fn}-throttles`);
      }
      for (const dlq of ['ingest', 'analyze', 'notify', 'failure-notices', 'aggregate', 'fetch'])
        expect(names).toContain(`sluice-dev-${dlq}-dlq-depth`);
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: 'sluice-dev-reject-pct',
        Threshold: 20,
        Metrics: [Match.objectLike({ Expression: 'SELECT MAX(RejectPct) FROM Sluice' })],
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: 'sluice-dev-bedrock-retry-exceeded',
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        Metrics: [Match.objectLike({ Expression: 'SELECT SUM(BedrockRetryExceeded) FROM Sluice' })],
      });
      template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'sluice-dev' });
    });
  });

  it('outputs the bucket, the ingest URL and the alarm topic for docs/deploy.md', () => {
    expect(Object.keys(template.findOutputs('*'))).toEqual(
      expect.arrayContaining(['DataBucketName', 'IngestUrl', 'AlarmTopicArn']),
    );
  });

  it('holds the Twelve Data API key in Secrets Manager', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', { Name: 'sluice-dev/twelvedata-api-key' });
  });

  describe('cdk-nag', () => {
    it.each(['dev', 'prod'] as const)(
      'AwsSolutions and Serverless report nothing unacknowledged (%s)',
      (stage) => {
        const stack = stage === 'dev' ? dev : prod;
        const findings = nagPacks().flatMap((pack) =>
          pack
            .validateScope(stack)
            .violations.map(
              (v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
            ),
        );
        expect(findings).toEqual([]);
      },
    );

    it('gives every acknowledgement a rule id and a one-sentence reason', () => {
      const acknowledged = dev.node
        .findAll()
        .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
        .flatMap((m) => Object.entries(m.data as Record<string, string>))
        // CDK acknowledges some of its own CloudFormation-Validate findings (W3045 on the log bucket).
        .filter(([id]) => !id.startsWith('CloudFormation-Validate::'));
      expect(acknowledged.length).toBeGreaterThan(10);
      for (const [id, reason] of acknowledged) {
        expect(id).toMatch(/^Annotation::(AwsSolutions|Serverless)-[A-Za-z0-9]+(\[.+\])?$/);
        expect(reason).toMatch(/^\S.{15,200}\.$/);
        expect(reason.slice(0, -1)).not.toMatch(/\.\s/);
      }
    });
  });
});
