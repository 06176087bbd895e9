import { App, Duration, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import { parsePipelineContext } from '../lib/config.js';
import { DataBucket } from '../lib/data-bucket.js';
import { PipelineAlarms } from '../lib/pipeline-alarms.js';
import { bedrockInvokeStatement, sesSendStatement } from '../lib/service-permissions.js';
import { SluiceFunction } from '../lib/sluice-function.js';

const stack = () => new Stack(new App(), 'Test', { env: { account: '111111111111', region: 'us-east-1' } });

describe('construct validation', () => {
  it('rejects a lifecycle that expires before it tiers, naming the range and the value', () => {
    expect(
      () => new DataBucket(stack(), 'Data', { intelligentTieringAfterDays: 30, expireAfterDays: 20 }),
    ).toThrow('expireAfterDays must be an integer between 31 and 3650 inclusive (given 20)');
  });

  it('rejects a function memory size Lambda does not offer', () => {
    expect(
      () =>
        new SluiceFunction(stack(), 'Fn', {
          functionName: 'f',
          code: lambda.Code.fromInline('export const handler = () => {}'),
          memorySize: 64,
          timeout: Duration.seconds(1),
          environment: {},
        }),
    ).toThrow('memorySize must be an integer between 128 and 10240 inclusive (given 64)');
  });

  it('rejects a reject-% threshold above 100', () => {
    expect(
      () =>
        new PipelineAlarms(stack(), 'Alarms', {
          namePrefix: 'sluice-test',
          functions: {},
          deadLetterQueues: {},
          queues: {},
          metricNamespace: 'Sluice',
          rejectPctThreshold: 120,
        }),
    ).toThrow('rejectPctThreshold must be an integer between 1 and 100 inclusive (given 120)');
  });
});

describe('service permissions', () => {
  // The partition stays a token (`AWS::Partition`), so the ARNs are compared as joined text.
  const resourcesOf = (statement: (s: Stack) => { toStatementJson(): unknown }) => {
    const s = stack();
    return JSON.stringify(s.resolve(statement(s).toStatementJson())).replaceAll(
      '{"Ref":"AWS::Partition"}',
      'aws',
    );
  };

  it('scopes a foundation model to its region', () => {
    const json = resourcesOf((s) => bedrockInvokeStatement(s, 'amazon.nova-lite-v1:0'));
    expect(json).toContain('"bedrock:InvokeModel"');
    expect(json).toContain(':bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0');
    expect(json).not.toContain('inference-profile');
  });

  it('allows an inference profile and the model it routes to', () => {
    const json = resourcesOf((s) => bedrockInvokeStatement(s, 'us.amazon.nova-lite-v1:0'));
    expect(json).toContain(':bedrock:us-east-1:111111111111:inference-profile/us.amazon.nova-lite-v1:0');
    expect(json).toContain(':bedrock:*::foundation-model/amazon.nova-lite-v1:0');
  });

  it('allows SES sending as one identity, from one address', () => {
    const json = resourcesOf((s) => sesSendStatement(s, 'example.com', 'reports@example.com'));
    expect(json).toContain('["ses:SendEmail","ses:SendRawEmail"]');
    expect(json).toContain(':ses:us-east-1:111111111111:identity/example.com');
    expect(json).toContain('{"StringEquals":{"ses:FromAddress":"reports@example.com"}}');
  });
});

describe('parsePipelineContext', () => {
  const context = (values: Record<string, string>) => (key: string) => values[key];
  const valid = {
    sesIdentity: 'example.com',
    mailFrom: 'sluice@example.com',
    mailTo: 'a@example.com, b@example.com',
  };

  it('defaults the stage to dev, the model to Nova Lite the bundles to dist/handlers and contracts to datasets/', () => {
    expect(parsePipelineContext(context(valid))).toEqual({
      ...valid,
      stage: 'dev',
      bedrockModelId: 'amazon.nova-lite-v1:0',
      dataKey: 'kms',
      ingestTrigger: 'eventbridge',
      handlersDir: 'dist/handlers',
      contractsDir: 'datasets',
      outlookSymbols: 12,
      rejectPctThreshold: 20,
    });
  });

  it('names every missing or invalid key with its -c flag', () => {
    expect(() => parsePipelineContext(context({ stage: 'staging', mailTo: 'nobody' }))).toThrow(
      /-c stage: .*\n {2}-c sesIdentity: .*\n {2}-c mailFrom: .*\n {2}-c mailTo: must be one or more comma-separated email addresses/,
    );
  });

  it('accepts an address as the SES identity and rejects anything else', () => {
    expect(parsePipelineContext(context({ ...valid, sesIdentity: 'me@example.com' })).sesIdentity).toBe(
      'me@example.com',
    );
    expect(() => parsePipelineContext(context({ ...valid, sesIdentity: 'not a domain' }))).toThrow(
      '-c sesIdentity',
    );
  });
});
