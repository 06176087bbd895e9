import { App, type Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseDeliveryContext } from '../lib/delivery/context.js';
import { SluiceDeliveryPipelineStack } from '../lib/delivery-pipeline-stack.js';
import { nagPacks } from '../lib/nag.js';
import { stubHandlersDir } from './helpers.js';

const CONNECTION_ARN =
  'arn:aws:codestar-connections:eu-west-1:111111111111:connection/12345678-1234-1234-1234-123456789012';

interface Action {
  Name: string;
  ActionTypeId: { Category: string; Provider: string };
  Configuration?: Record<string, unknown>;
  RunOrder?: number;
}
interface PipelineStage {
  Name: string;
  Actions: Action[];
}

const STAGE_CONTEXT = {
  sesIdentity: 'example.com',
  mailFrom: 'sluice@example.com',
  mailTo: 'team@example.com',
  bedrockModelId: 'amazon.nova-lite-v1:0',
  dataKey: 'kms',
  ingestTrigger: 'eventbridge',
  handlersDir: stubHandlersDir(),
  contractsDir: 'datasets',
  outlookSymbols: 12,
  rejectPctThreshold: 20,
} as const;

let stack: SluiceDeliveryPipelineStack;
let template: Template;
let stages: PipelineStage[];

beforeAll(() => {
  // Skips the notify asset's npm install (no network in tests); the template is the same.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  stack = new SluiceDeliveryPipelineStack(app, 'SluiceDelivery', {
    env: { account: '111111111111', region: 'eu-west-1' },
    ...parseDeliveryContext((key) => ({ repo: 'acme/sluice', connectionArn: CONNECTION_ARN })[key]),
    stageContext: STAGE_CONTEXT,
    operationsContext: { preset: 'financial', apiRateLimit: 500 },
  });
  template = Template.fromStack(stack);
  const pipelines = Object.values(template.findResources('AWS::CodePipeline::Pipeline'));
  expect(pipelines).toHaveLength(1);
  stages = pipelines[0]!.Properties.Stages as PipelineStage[];
});

const stageNamed = (name: string): PipelineStage => {
  const found = stages.find((s) => s.Name === name);
  if (found === undefined) throw new Error(`no stage ${name} in ${stages.map((s) => s.Name).join(', ')}`);
  return found;
};

describe('delivery context', () => {
  it('defaults the branch to main', () => {
    expect(
      parseDeliveryContext((key) => ({ repo: 'acme/sluice', connectionArn: CONNECTION_ARN })[key]),
    ).toEqual({ repo: 'acme/sluice', branch: 'main', connectionArn: CONNECTION_ARN, uat: true });
    expect(
      parseDeliveryContext(
        (key) => ({ repo: 'acme/sluice', connectionArn: CONNECTION_ARN, uat: 'false' })[key],
      ).uat,
    ).toBe(false);
    expect(() =>
      parseDeliveryContext(
        (key) => ({ repo: 'acme/sluice', connectionArn: CONNECTION_ARN, uat: 'yes' })[key],
      ),
    ).toThrow('-c uat: must be true or false (given "yes")');
  });

  it('names every bad or missing key by its -c flag', () => {
    expect(() => parseDeliveryContext((key) => ({ repo: 'sluice', branch: '-x' })[key])).toThrow(
      /-c repo: must be a GitHub repository as owner\/name[\s\S]*-c branch:[\s\S]*-c connectionArn: is required/,
    );
  });
});

describe('SluiceDeliveryPipelineStack', () => {
  it('runs source, synth, self-mutation, dev, uat, then prod', () => {
    expect(stages.map((s) => s.Name)).toEqual([
      'Source',
      'Build',
      'UpdatePipeline',
      'Assets',
      'Dev',
      'Uat',
      'Prod',
    ]);
  });

  it('goes from dev to prod with -c uat=false', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const direct = new SluiceDeliveryPipelineStack(app, 'SluiceDelivery', {
      env: { account: '111111111111', region: 'eu-west-1' },
      ...parseDeliveryContext(
        (key) => ({ repo: 'acme/sluice', connectionArn: CONNECTION_ARN, uat: 'false' })[key],
      ),
      stageContext: STAGE_CONTEXT,
    });
    const pipeline = Object.values(
      Template.fromStack(direct).findResources('AWS::CodePipeline::Pipeline'),
    )[0]!;
    expect((pipeline.Properties.Stages as PipelineStage[]).map((s) => s.Name).slice(4)).toEqual([
      'Dev',
      'Prod',
    ]);
  });

  it('reads the branch through the CodeStar connection', () => {
    expect(stageNamed('Source').Actions).toEqual([
      expect.objectContaining({
        ActionTypeId: expect.objectContaining({ Category: 'Source', Provider: 'CodeStarSourceConnection' }),
        Configuration: expect.objectContaining({
          ConnectionArn: CONNECTION_ARN,
          FullRepositoryId: 'acme/sluice',
          BranchName: 'main',
        }),
      }),
    ]);
  });

  it('installs, tests, builds and synthesizes with the context it was deployed with', () => {
    const synth = stageNamed('Build').Actions[0]!;
    expect(synth.ActionTypeId.Provider).toBe('CodeBuild');
    const projectId = (synth.Configuration as { ProjectName: { Ref: string } }).ProjectName.Ref;
    const project = template.toJSON().Resources[projectId];
    const spec = JSON.parse(project.Properties.Source.BuildSpec);
    const commands: string[] = spec.phases.build.commands;
    expect(commands.slice(0, 3)).toEqual([
      'npm ci --prefer-offline --no-audit --no-fund',
      'npm test -- --reporter=default --reporter=junit --outputFile.junit=reports/vitest-junit.xml',
      'npm run build',
    ]);
    const cdkSynth = commands[3]!;
    expect(cdkSynth).toMatch(/^npx cdk synth /);
    for (const flag of [
      "-c pipeline='true'",
      "-c repo='acme/sluice'",
      "-c branch='main'",
      `-c connectionArn='${CONNECTION_ARN}'`,
      "-c sesIdentity='example.com'",
      "-c mailFrom='sluice@example.com'",
      "-c mailTo='team@example.com'",
      "-c uat='true'",
      // The operations context reaches the stages too.
      "-c preset='financial'",
      "-c apiRateLimit='500'",
    ]) {
      expect(cdkSynth).toContain(flag);
    }
    expect(spec.phases.install['runtime-versions']).toEqual({ nodejs: '20' });
  });

  it("publishes vitest's JUnit report as a CodeBuild test report and keeps the npm cache in S3", () => {
    const synth = stageNamed('Build').Actions[0]!;
    const projectId = (synth.Configuration as { ProjectName: { Ref: string } }).ProjectName.Ref;
    const project = template.toJSON().Resources[projectId];
    const spec = JSON.parse(project.Properties.Source.BuildSpec);
    expect(spec.reports).toEqual({
      vitest: { files: ['vitest-junit.xml'], 'base-directory': 'reports', 'file-format': 'JUNITXML' },
    });
    expect(spec.cache).toEqual({ paths: ['/root/.npm/**/*'] });
    expect(project.Properties.Cache).toMatchObject({ Type: 'S3', Location: expect.anything() });
  });

  it('deploys the financial operations settings in the stages when the pipeline is given them', () => {
    const prod = stack.node.findAll().find((c) => c.node.path.endsWith('Prod/Pipeline')) as Stack;
    Template.fromStack(prod).hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: [Match.objectLike({ ThrottlingRateLimit: 500, ThrottlingBurstLimit: 10_000 })],
    });
  });

  it('updates itself before deploying', () => {
    expect(stageNamed('UpdatePipeline').Actions.map((a) => a.ActionTypeId.Provider)).toEqual(['CodeBuild']);
  });

  it('deploys sluice-pipeline-dev in the Dev stage', () => {
    const deploys = stageNamed('Dev').Actions.filter((a) => a.ActionTypeId.Provider === 'CloudFormation');
    expect(deploys.length).toBeGreaterThan(0);
    for (const action of deploys) expect(action.Configuration?.StackName).toBe('sluice-pipeline-dev');
  });

  it('deploys sluice-pipeline-uat in the Uat stage, without an approval', () => {
    const actions = stageNamed('Uat').Actions;
    expect(actions.filter((a) => a.ActionTypeId.Category === 'Approval')).toEqual([]);
    for (const action of actions) expect(action.Configuration?.StackName).toBe('sluice-pipeline-uat');
  });

  it('creates the prod change set, then waits for a manual approval, then executes it', () => {
    const actions = stageNamed('Prod').Actions;
    const byMode = (mode: string) => actions.find((a) => a.Configuration?.ActionMode === mode)!;
    const prepare = byMode('CHANGE_SET_REPLACE');
    const execute = byMode('CHANGE_SET_EXECUTE');
    const approval = actions.find((a) => a.ActionTypeId.Category === 'Approval')!;
    expect(approval.ActionTypeId.Provider).toBe('Manual');
    expect(prepare.Configuration?.StackName).toBe('sluice-pipeline-prod');
    expect(execute.Configuration?.StackName).toBe('sluice-pipeline-prod');
    // The approver can open the change set: it exists before the approval, and nothing runs until after.
    expect(prepare.RunOrder).toBeLessThan(approval.RunOrder!);
    expect(execute.RunOrder).toBeGreaterThan(approval.RunOrder!);
  });

  it('stages the branches the back-sync workflow keeps in step (uat into dev)', () => {
    const stackNames = stages
      .flatMap((s) => s.Actions.map((a) => a.Configuration?.StackName))
      .filter(Boolean);
    for (const stage of ['dev', 'uat']) expect(stackNames).toContain(`sluice-pipeline-${stage}`);
  });

  it('encrypts artifacts with a rotated customer key in a TLS-only, logged bucket', () => {
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {
            BucketKeyEnabled: true,
            ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: Match.anyValue() },
          },
        ],
      },
      LoggingConfiguration: Match.anyValue(),
    });
    for (const policy of Object.values(template.findResources('AWS::S3::BucketPolicy'))) {
      expect(JSON.stringify(policy.Properties.PolicyDocument)).toContain('"aws:SecureTransport":"false"');
    }
  });

  describe('cdk-nag', () => {
    it('AwsSolutions and Serverless report nothing unacknowledged, the deployed stages included', () => {
      const findings = nagPacks().flatMap((pack) =>
        pack
          .validateScope(stack)
          .violations.map(
            (v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
          ),
      );
      expect(findings).toEqual([]);
    });

    it('acknowledges on the pipeline construct only, each with a rule id and a one-sentence reason', () => {
      const acknowledged = stack.pipeline.node
        .findAll()
        .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
        .flatMap((m) => Object.entries(m.data as Record<string, string>));
      expect(acknowledged.length).toBeGreaterThan(5);
      for (const [id, reason] of acknowledged) {
        expect(id).toMatch(/^Annotation::AwsSolutions-IAM5\[.+\]$/);
        expect(reason).toMatch(/^\S.{15,200}\.$/);
        expect(reason.slice(0, -1)).not.toMatch(/\.\s/);
      }
    });
  });
});
