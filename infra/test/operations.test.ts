import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_OPERATIONS, parseOperationsContext, resolveOperations } from '../lib/operations.js';
import { ERROR_COUNT_METRICS } from '../lib/pipeline-alarms.js';
import { stubHandlersDir, synthPipeline } from './helpers.js';

type Resource = { Type: string; Properties: Record<string, unknown> };

const fromContext = (context: Record<string, unknown>) =>
  resolveOperations(parseOperationsContext((key) => context[key]));

const synth = (context: Record<string, unknown>) =>
  Template.fromStack(synthPipeline('dev', stubHandlersDir(), { operations: fromContext(context) }));

const resources = (template: Template, type: string) =>
  Object.values(template.findResources(type)) as Resource[];
const functionNamed = (template: Template, suffix: string) =>
  resources(template, 'AWS::Lambda::Function').find(
    (f) => f.Properties.FunctionName === `sluice-dev-${suffix}`,
  )!;
const queueNamed = (template: Template, suffix: string) =>
  resources(template, 'AWS::SQS::Queue').find((q) => q.Properties.QueueName === `sluice-dev-${suffix}`)!;
const tagsOf = (resource: Resource) =>
  Object.fromEntries(
    (resource.Properties.Tags as { Key: string; Value: string }[]).map((t) => [t.Key, t.Value]),
  );

const SIZES = {
  ingest: [1024, 300],
  'api-ingest': [512, 29],
  analyze: [2048, 300],
  notify: [1024, 120],
  aggregate: [256, 60],
  fetch: [256, 900],
} as const;

describe('operations context', () => {
  it.each([
    [{ apiRateLimit: 'fast' }, '-c apiRateLimit: must be a number (given "fast")'],
    [{ apiBurstLimit: '0' }, '-c apiBurstLimit: must be an integer between 1 and 10000 inclusive (given 0)'],
    [{ logRetentionDays: '8' }, '-c logRetentionDays: must be one of 1, 3, 5, 7, 14, 30'],
    [
      { maxReceiveCount: '2.5' },
      '-c maxReceiveCount: must be an integer between 1 and 1000 inclusive (given 2.5)',
    ],
    [
      { dlqRetentionDays: '15' },
      '-c dlqRetentionDays: must be an integer between 1 and 14 inclusive (given 15)',
    ],
    [
      { analyzeMemoryMb: '64' },
      '-c analyzeMemoryMb: must be an integer between 128 and 10240 inclusive (given 64)',
    ],
    [{ preset: 'health' }, '-c preset: must be one of financial (given "health")'],
    [{ metricNamespace: 'AWS/Lambda' }, '-c metricNamespace: must not start with AWS/'],
    [{ tags: 'Project' }, '-c tags: must be Key=Value pairs separated by commas (given Project)'],
  ])('refuses %j, naming the key and the value received', (context, message) => {
    expect(() => fromContext(context)).toThrow(message);
  });

  it('refuses values that contradict each other, with both values', () => {
    expect(() => fromContext({ bucketTransitionDays: '90', bucketExpireDays: '60' })).toThrow(
      '-c bucketExpireDays: must be more than bucketTransitionDays (given 60 and 90)',
    );
    expect(() => fromContext({ visibilityTimeoutSeconds: '100' })).toThrow(
      '-c visibilityTimeoutSeconds: must be at least analyzeTimeoutSeconds',
    );
  });

  it('gives sluice its own values without any key, and lets an explicit value win over the preset', () => {
    expect(fromContext({})).toEqual(DEFAULT_OPERATIONS);
    const tuned = fromContext({
      preset: 'financial',
      logRetentionDays: '14',
      tags: 'Project=Sluice,Owner=ops',
    });
    expect(tuned).toMatchObject({ apiRateLimit: 10_000, logRetentionDays: 14, maxReceiveCount: 3 });
    expect(tuned.tags).toEqual({ Project: 'Sluice', Owner: 'ops' });
  });
});

describe.each([
  [
    'defaults',
    {},
    {
      rate: 10,
      burst: 20,
      logDays: 30,
      receives: 5,
      namespace: 'Sluice',
      tags: { project: 'sluice', stage: 'dev' },
    },
  ],
  [
    'the financial preset',
    { preset: 'financial' },
    {
      rate: 10_000,
      burst: 10_000,
      logDays: 7,
      receives: 3,
      namespace: 'MarketAnalytics',
      tags: { Environment: 'dev', Project: 'MarketAnalytics' },
    },
  ],
])('the stack with %s', (_, context, expected) => {
  let template: Template;
  beforeAll(() => {
    template = synth(context);
  });

  it('throttles the API stage', () => {
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: [
        Match.objectLike({ ThrottlingRateLimit: expected.rate, ThrottlingBurstLimit: expected.burst }),
      ],
    });
  });

  it('keeps every log group for the same days', () => {
    const groups = resources(template, 'AWS::Logs::LogGroup');
    expect(groups.length).toBeGreaterThanOrEqual(7);
    for (const group of groups) expect(group.Properties.RetentionInDays).toBe(expected.logDays);
  });

  it('dead-letters an analyze message after its receives, keeps it 4 days and every DLQ 14', () => {
    const queue = queueNamed(template, 'analyze');
    expect(queue.Properties).toMatchObject({
      RedrivePolicy: { maxReceiveCount: expected.receives },
      MessageRetentionPeriod: 4 * 24 * 3600,
      VisibilityTimeout: 6 * 300,
    });
    const dlqs = resources(template, 'AWS::SQS::Queue').filter((q) =>
      String(q.Properties.QueueName).endsWith('-dlq'),
    );
    expect(dlqs).toHaveLength(6);
    for (const dlq of dlqs) expect(dlq.Properties.MessageRetentionPeriod).toBe(14 * 24 * 3600);
  });

  it('sizes each function as planned', () => {
    for (const [name, [memory, timeout]] of Object.entries(SIZES)) {
      expect(functionNamed(template, name).Properties).toMatchObject({
        MemorySize: memory,
        Timeout: timeout,
      });
    }
  });

  it('tiers data after 30 days and expires it after 365', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: [
          Match.objectLike({
            Transitions: [{ StorageClass: 'INTELLIGENT_TIERING', TransitionInDays: 30 }],
            ExpirationInDays: 365,
          }),
        ],
      },
    });
  });

  it('emits metrics, counts error lines and queries them in the namespace', () => {
    for (const name of Object.keys(SIZES)) {
      expect(functionNamed(template, name).Properties).toMatchObject({
        Environment: { Variables: { POWERTOOLS_METRICS_NAMESPACE: expected.namespace } },
      });
    }
    const filters = resources(template, 'AWS::Logs::MetricFilter');
    expect(filters).toHaveLength(6);
    for (const filter of filters) {
      expect(filter.Properties).toMatchObject({
        FilterPattern: '?ERROR ?Exception',
        MetricTransformations: [{ MetricNamespace: expected.namespace, MetricValue: '1' }],
      });
    }
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'sluice-dev-reject-pct',
      Metrics: [Match.objectLike({ Expression: `SELECT MAX(RejectPct) FROM ${expected.namespace}` })],
    });
  });

  it('tags the stack, its functions, table, bucket and queues', () => {
    for (const type of [
      'AWS::Lambda::Function',
      'AWS::DynamoDB::Table',
      'AWS::S3::Bucket',
      'AWS::SQS::Queue',
    ]) {
      for (const resource of resources(template, type)) expect(tagsOf(resource)).toMatchObject(expected.tags);
    }
  });
});

describe('error metric filters', () => {
  it("count ?ERROR ?Exception in each function's own log group, each with an alarm into the alarm topic", () => {
    const template = synth({ preset: 'financial' });
    const topic = Object.keys(template.findResources('AWS::SNS::Topic'))[0];
    for (const [name, metricName] of Object.entries(ERROR_COUNT_METRICS)) {
      const group = Object.entries(template.findResources('AWS::Logs::LogGroup')).find(
        ([, g]) => (g as Resource).Properties.LogGroupName === `/aws/lambda/sluice-dev-${name}`,
      )?.[0];
      template.hasResourceProperties('AWS::Logs::MetricFilter', {
        LogGroupName: { Ref: group },
        FilterPattern: '?ERROR ?Exception',
        MetricTransformations: [
          Match.objectLike({ MetricName: metricName, MetricNamespace: 'MarketAnalytics' }),
        ],
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: `sluice-dev-${name}-error-lines`,
        MetricName: metricName,
        Namespace: 'MarketAnalytics',
        Threshold: 1,
        AlarmActions: [{ Ref: topic }],
      });
    }
    expect(ERROR_COUNT_METRICS.ingest).toBe('DataIngestionErrorCount');
  });
});
