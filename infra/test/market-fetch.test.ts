import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { beforeAll, describe, expect, it } from 'vitest';
import { parsePipelineContext } from '../lib/config.js';
import { MarketFetch, type MarketFetchProps } from '../lib/market-fetch.js';
import { nagPacks } from '../lib/nag.js';
import type { SluicePipelineStack } from '../lib/pipeline-stack.js';
import { stubHandlersDir, synthPipeline } from './helpers.js';

type Resource = { Type: string; Properties: Record<string, unknown> };
type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

let plain: Template;
let scheduled: SluicePipelineStack;
let template: Template;

beforeAll(() => {
  const handlers = stubHandlersDir();
  plain = Template.fromStack(synthPipeline('dev', handlers));
  scheduled = synthPipeline('dev', handlers, {
    fetchSymbols: 'AAPL,MSFT',
    fetchSchedule: 'cron(30 21 ? * MON-FRI *)',
  });
  template = Template.fromStack(scheduled);
});

const fetchFunction = (t: Template) => {
  const found = Object.entries(t.findResources('AWS::Lambda::Function')).find(
    ([, f]) => (f as Resource).Properties.FunctionName === 'sluice-dev-fetch',
  );
  if (found === undefined) throw new Error('no function sluice-dev-fetch');
  return { logicalId: found[0], props: (found[1] as Resource).Properties };
};

const policyStatementsOf = (t: Template): Statement[] => {
  const roleId = (fetchFunction(t).props.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  return Object.values(t.findResources('AWS::IAM::Policy'))
    .filter((p) => JSON.stringify((p as Resource).Properties.Roles).includes(roleId))
    .flatMap(
      (p) =>
        (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument
          .Statement,
    );
};

const fetchRules = (t: Template) =>
  Object.values(t.findResources('AWS::Events::Rule')).filter((r) =>
    JSON.stringify((r as Resource).Properties.Targets).includes(fetchFunction(t).logicalId),
  ) as Resource[];

describe('market fetch in the pipeline stack', () => {
  it('has the function but no schedule without -c fetchSymbols', () => {
    expect(fetchRules(plain)).toEqual([]);
    const vars = (fetchFunction(plain).props.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(vars.SLUICE_FETCH_SYMBOLS).toBeUndefined();
    expect(vars.SLUICE_TWELVEDATA_SECRET_ARN).toBeDefined();
  });

  it('runs the fetch on the given schedule with -c fetchSymbols, retrying delivery into its DLQ', () => {
    const rules = fetchRules(template);
    expect(rules).toHaveLength(1);
    expect(rules[0]?.Properties).toMatchObject({
      ScheduleExpression: 'cron(30 21 ? * MON-FRI *)',
      State: 'ENABLED',
      Targets: [
        expect.objectContaining({ RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 } }),
      ],
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: fetchFunction(template).logicalId },
      MaximumRetryAttempts: 0,
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
    });
    template.hasResourceProperties('AWS::SQS::Queue', { QueueName: 'sluice-dev-fetch-dlq' });
  });

  it('gives the function 15 minutes, one concurrent execution and the fetch variables', () => {
    const { props } = fetchFunction(template);
    expect(props).toMatchObject({ Timeout: 900, ReservedConcurrentExecutions: 1, Runtime: 'nodejs24.x' });
    expect((props.Environment as { Variables: Record<string, unknown> }).Variables).toMatchObject({
      SLUICE_FETCH_SYMBOLS: 'AAPL,MSFT',
      SLUICE_FETCH_INTERVAL: '1day',
      SLUICE_FETCH_OUTPUTSIZE: '30',
      SLUICE_FETCH_CREDITS_PER_MINUTE: '8',
      SLUICE_TWELVEDATA_SECRET_ARN: { Ref: expect.stringMatching(/^TwelveDataApiKey/) },
      SLUICE_BUCKET: expect.anything(),
    });
  });

  it('lets the function read the API key secret and put objects only under inputs/twelvedata/', () => {
    const statements = policyStatementsOf(template).filter((s) => s.Effect === 'Allow');
    const actions = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
    const secretRead = statements.find((s) => actions(s).includes('secretsmanager:GetSecretValue'));
    expect(JSON.stringify(secretRead?.Resource)).toMatch(/TwelveDataApiKey/);
    const s3Statements = statements.filter((s) => actions(s).some((a) => a.startsWith('s3:')));
    expect(s3Statements).toHaveLength(1);
    expect(actions(s3Statements[0] as Statement)).toEqual(expect.arrayContaining(['s3:PutObject']));
    expect(actions(s3Statements[0] as Statement).some((a) => /^s3:(Get|List|Delete)/.test(a))).toBe(false);
    expect(JSON.stringify(s3Statements[0]?.Resource)).toMatch(/"\/inputs\/twelvedata\/\*"\]/);
  });

  it('alarms on fetch errors and on its DLQ', () => {
    const names = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map(
      (a) => (a as Resource).Properties.AlarmName,
    );
    expect(names).toEqual(expect.arrayContaining(['sluice-dev-fetch-errors', 'sluice-dev-fetch-dlq-depth']));
  });

  it('leaves cdk-nag nothing unacknowledged', () => {
    const findings = nagPacks().flatMap((pack) =>
      pack
        .validateScope(scheduled)
        .violations.map(
          (v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
        ),
    );
    expect(findings).toEqual([]);
  });
});

describe('MarketFetch validation', () => {
  const props = (s: Stack, overrides: Partial<MarketFetchProps>): MarketFetchProps => ({
    functionName: 'f',
    code: lambda.Code.fromInline('export const handler = () => {}'),
    environment: {},
    bucket: new s3.Bucket(s, 'B'),
    apiKey: new secretsmanager.Secret(s, 'K'),
    deadLetterQueueName: 'f-dlq',
    ...overrides,
  });
  const stack = () => new Stack(new App(), 'Test');

  it('rejects a schedule that is not a cron or rate expression', () => {
    const s = stack();
    expect(() => new MarketFetch(s, 'F', props(s, { symbols: ['AAPL'], schedule: 'daily' }))).toThrow(
      'schedule must be a cron(...) or rate(...) expression (given daily)',
    );
  });

  it('rejects an outputsize the API does not serve and a symbol with a space', () => {
    const s = stack();
    expect(() => new MarketFetch(s, 'F', props(s, { outputsize: 6000 }))).toThrow(
      'outputsize must be an integer between 1 and 5000 inclusive (given 6000)',
    );
    const other = stack();
    expect(() => new MarketFetch(other, 'F', props(other, { symbols: ['AA PL'] }))).toThrow(
      'symbols must be 1 to 120 Twelve Data symbols (given AA PL)',
    );
  });

  it('creates no rule without symbols', () => {
    const s = stack();
    expect(new MarketFetch(s, 'F', props(s, {})).rule).toBeUndefined();
    Template.fromStack(s).resourceCountIs('AWS::Events::Rule', 0);
  });
});

describe('fetch context', () => {
  const valid = { sesIdentity: 'example.com', mailFrom: 'sluice@example.com', mailTo: 'a@example.com' };
  const context = (values: Record<string, string>) => (key: string) => values[key];

  it('normalizes -c fetchSymbols and keeps -c fetchSchedule', () => {
    expect(
      parsePipelineContext(
        context({ ...valid, fetchSymbols: 'AAPL, MSFT,AAPL', fetchSchedule: 'rate(1 day)' }),
      ),
    ).toMatchObject({ fetchSymbols: 'AAPL,MSFT', fetchSchedule: 'rate(1 day)' });
  });

  it('names a bad symbol list, a bad schedule and a schedule without symbols by their -c flag', () => {
    expect(() => parsePipelineContext(context({ ...valid, fetchSymbols: 'AAPL,,MSFT' }))).toThrow(
      '-c fetchSymbols',
    );
    expect(() =>
      parsePipelineContext(context({ ...valid, fetchSymbols: 'AAPL', fetchSchedule: 'at 22:00' })),
    ).toThrow('-c fetchSchedule: must be a cron(...) or rate(...) expression');
    expect(() => parsePipelineContext(context({ ...valid, fetchSchedule: 'rate(1 day)' }))).toThrow(
      '-c fetchSchedule: needs -c fetchSymbols',
    );
  });
});
