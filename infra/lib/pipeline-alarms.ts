import { ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { assertIntegerInRange } from './validate.js';

/** What the error metric filters count: the financial pipeline's pattern, any line with either word. */
export const ERROR_FILTER_PATTERN = '?ERROR ?Exception';

/** The error-count metric of each function's log group, named as the financial pipeline names them. */
export const ERROR_COUNT_METRICS: Readonly<Record<string, string>> = {
  ingest: 'DataIngestionErrorCount',
  'api-ingest': 'ApiIngestionErrorCount',
  analyze: 'DataAnalysisErrorCount',
  notify: 'NotificationErrorCount',
  aggregate: 'AggregationErrorCount',
  fetch: 'MarketFetchErrorCount',
};

export interface PipelineAlarmsProps {
  /** Prefix of alarm, topic and dashboard names (`sluice-<stage>`). */
  readonly namePrefix: string;
  /** By the names of ERROR_COUNT_METRICS; each one's log group gets an error metric filter. */
  readonly functions: Readonly<Record<string, lambda.Function>>;
  /** Namespace of the handlers' EMF metrics and of the error counts (`-c metricNamespace`). */
  readonly metricNamespace: string;
  readonly deadLetterQueues: Readonly<Record<string, sqs.IQueue>>;
  readonly queues: Readonly<Record<string, sqs.IQueue>>;
  /**
   * Address subscribed to the alarm topic (it must confirm the subscription).
   * @default no subscription
   */
  readonly alarmEmail?: string;
  /**
   * Reject percentage of one ingested file above which the alarm fires.
   * @default 20 (valid 1..100)
   */
  readonly rejectPctThreshold?: number;
}

/** Alarms on everything that should page someone, an SNS topic they go to, and a dashboard. */
export class PipelineAlarms extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: PipelineAlarmsProps) {
    super(scope, id);
    const rejectPctThreshold = props.rejectPctThreshold ?? 20;
    assertIntegerInRange('rejectPctThreshold', rejectPctThreshold, 1, 100);

    // CloudWatch cannot use the AWS-managed aws/sns key, so the topic has its own key that allows it.
    const key = new kms.Key(this, 'TopicKey', {
      description: `${props.namePrefix} alarm topic`,
      enableKeyRotation: true,
    });
    // Only alarms of this account may use it: CloudWatch acts for every account (the confused deputy).
    const stack = Stack.of(this);
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsOfThisAccount',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: {
            'aws:SourceArn': stack.formatArn({
              service: 'cloudwatch',
              resource: 'alarm',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
    this.topic = new sns.Topic(this, 'Topic', {
      topicName: `${props.namePrefix}-alarms`,
      masterKey: key,
      enforceSSL: true,
    });
    if (props.alarmEmail !== undefined) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
      Validations.of(this.topic).acknowledge({
        id: 'Serverless-SNSRedrivePolicy',
        reason:
          'An email endpoint has no consumer to redrive to; failed deliveries show in NumberOfNotificationsFailed.',
      });
    }
    const action = new actions.SnsAction(this.topic);
    const alarm = (
      alarmId: string,
      options: cloudwatch.CreateAlarmOptions,
      metric: cloudwatch.Metric | cloudwatch.MathExpression,
    ) => {
      const created = metric.createAlarm(this, alarmId, {
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        ...options,
      });
      created.addAlarmAction(action);
      this.alarms.push(created);
    };
    const fiveMinutes = Duration.minutes(5);

    for (const [name, fn] of Object.entries(props.functions)) {
      const metricName = ERROR_COUNT_METRICS[name];
      if (metricName === undefined) throw new Error(`no error-count metric for function ${name}`);
      const filter = new logs.MetricFilter(this, `${name}ErrorFilter`, {
        logGroup: fn.logGroup,
        metricNamespace: props.metricNamespace,
        metricName,
        filterPattern: logs.FilterPattern.literal(ERROR_FILTER_PATTERN),
        metricValue: '1',
      });
      alarm(
        `${name}ErrorLines`,
        {
          alarmName: `${props.namePrefix}-${name}-error-lines`,
          alarmDescription: `${name} logged a line matching ${ERROR_FILTER_PATTERN}`,
          threshold: 1,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        },
        filter.metric({ period: fiveMinutes, statistic: 'Sum' }),
      );
      alarm(
        `${name}Errors`,
        {
          alarmName: `${props.namePrefix}-${name}-errors`,
          threshold: 1,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        },
        fn.metricErrors({ period: fiveMinutes, statistic: 'Sum' }),
      );
      alarm(
        `${name}Throttles`,
        {
          alarmName: `${props.namePrefix}-${name}-throttles`,
          threshold: 1,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        },
        fn.metricThrottles({ period: fiveMinutes, statistic: 'Sum' }),
      );
    }
    for (const [name, queue] of Object.entries(props.deadLetterQueues)) {
      alarm(
        `${name}DlqDepth`,
        {
          alarmName: `${props.namePrefix}-${name}-dlq-depth`,
          threshold: 0,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        },
        queue.metricApproximateNumberOfMessagesVisible({ period: fiveMinutes, statistic: 'Maximum' }),
      );
    }
    // Metrics Insights wants a namespace with other characters than letters, digits and _ in double quotes.
    const namespace = /^[A-Za-z_]\w*$/.test(props.metricNamespace)
      ? props.metricNamespace
      : `"${props.metricNamespace}"`;
    // The handlers add dimensions (service, stage, dataset); a Metrics Insights query spans all of them.
    const insights = (fn: 'MAX' | 'SUM', metricName: string) =>
      new cloudwatch.MathExpression({
        expression: `SELECT ${fn}(${metricName}) FROM ${namespace}`,
        label: metricName,
        period: fiveMinutes,
      });
    const rejectPct = insights('MAX', 'RejectPct');
    alarm(
      'RejectPct',
      {
        alarmName: `${props.namePrefix}-reject-pct`,
        threshold: rejectPctThreshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      },
      rejectPct,
    );
    // A refused file (unreadable, unknown dataset, no valid row, unusable key) has no analysis to mail.
    alarm(
      'FilesRejected',
      {
        alarmName: `${props.namePrefix}-files-rejected`,
        alarmDescription: 'ingest refused a file; its manifest says why',
        threshold: 0,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      },
      insights('SUM', 'FilesRejected'),
    );
    alarm(
      'BedrockRetryExceeded',
      {
        alarmName: `${props.namePrefix}-bedrock-retry-exceeded`,
        threshold: 0,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      },
      insights('SUM', 'BedrockRetryExceeded'),
    );

    const fns = Object.entries(props.functions);
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.namePrefix,
      widgets: [
        [
          new cloudwatch.GraphWidget({
            title: 'Invocations',
            left: fns.map(([name, fn]) => fn.metricInvocations({ label: name, period: fiveMinutes })),
          }),
          new cloudwatch.GraphWidget({
            title: 'Errors and throttles',
            left: fns.map(([name, fn]) => fn.metricErrors({ label: name, period: fiveMinutes })),
            right: fns.map(([name, fn]) => fn.metricThrottles({ label: name, period: fiveMinutes })),
          }),
          new cloudwatch.GraphWidget({
            title: 'Duration p95',
            left: fns.map(([name, fn]) =>
              fn.metricDuration({ label: name, period: fiveMinutes, statistic: 'p95' }),
            ),
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Queue depth',
            left: Object.entries(props.queues).map(([name, q]) =>
              q.metricApproximateNumberOfMessagesVisible({ label: name, period: fiveMinutes }),
            ),
            right: Object.entries(props.deadLetterQueues).map(([name, q]) =>
              q.metricApproximateNumberOfMessagesVisible({ label: `${name} DLQ`, period: fiveMinutes }),
            ),
          }),
          new cloudwatch.GraphWidget({
            title: 'Rows and rejects',
            left: [insights('SUM', 'RowsValid'), insights('SUM', 'RowsRejected')],
            right: [rejectPct],
          }),
          new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms }),
        ],
      ],
    });
  }
}
