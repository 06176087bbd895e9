import path from 'node:path';
import {
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
  Stage,
  type StageProps,
  Token,
  Validations,
} from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { CodeBuildStep, CodePipeline, CodePipelineSource, ManualApprovalStep } from 'aws-cdk-lib/pipelines';
import type { Construct } from 'constructs';
import type { PipelineContext } from './config.js';
import type { DeliveryContext } from './delivery/context.js';
import { type OperationsContext, operationsContextFlags, resolveOperations } from './operations.js';
import { SluicePipelineStack } from './pipeline-stack.js';

/** What every deployed stage shares: the pipeline context of config.ts without its stage. */
export type StageContext = Omit<PipelineContext, 'stage'>;

export interface SluiceDeliveryPipelineStackProps extends StackProps, DeliveryContext {
  /** Passed to `cdk synth` in CodeBuild and to both stages, so the pipeline rebuilds what was deployed. */
  readonly stageContext: StageContext;
  /**
   * The operations context (preset and values), passed on the same way.
   * @default none: sluice's defaults
   */
  readonly operationsContext?: OperationsContext;
}

interface SluiceStageProps extends StageProps {
  readonly stage: PipelineContext['stage'];
  readonly stageContext: StageContext;
  readonly operationsContext: OperationsContext;
}

/** One sluice environment as a deployable unit; the stack keeps the name a manual deploy gives it. */
export class SluiceStage extends Stage {
  readonly stack: SluicePipelineStack;

  constructor(scope: Construct, id: string, props: SluiceStageProps) {
    super(scope, id, props);
    const { stage, stageContext, operationsContext } = props;
    this.stack = new SluicePipelineStack(this, 'Pipeline', {
      ...stageContext,
      stage,
      operations: resolveOperations(operationsContext),
      stackName: `sluice-pipeline-${stage}`,
      description: `sluice data pipeline (${stage})`,
    });
  }
}

/** Shell-quotes a validated context value for the synth command line. */
const quote = (value: string) => `'${value.replaceAll("'", `'\\''`)}'`;

/** Where vitest writes its JUnit report in the synth build, for CodeBuild's test reports. */
export const JUNIT_REPORT = 'reports/vitest-junit.xml';

/**
 * CDK Pipelines: GitHub (CodeStar connection) → synth (npm ci, npm test with a JUnit
 * report, cdk synth) → self-mutate → dev → uat (unless `-c uat=false`) → prod, whose
 * change set is created first and executed only after a manual approval, so the
 * approver reviews exactly what will change. All in the pipeline's own account and
 * region (no cross-account keys: one account, so no KMS key per stage to pay for).
 */
export class SluiceDeliveryPipelineStack extends Stack {
  readonly pipeline: CodePipeline;

  constructor(scope: Construct, id: string, props: SluiceDeliveryPipelineStackProps) {
    super(scope, id, props);
    const { repo, branch, connectionArn, stageContext, uat } = props;
    const operationsContext = props.operationsContext ?? {};

    const context: Record<string, string | undefined> = {
      pipeline: 'true',
      repo,
      branch,
      connectionArn,
      uat: String(uat),
      ...Object.fromEntries(
        Object.entries(stageContext).map(([key, value]) => [
          key,
          value === undefined ? undefined : String(value),
        ]),
      ),
      ...operationsContextFlags(operationsContext),
    };
    const contextFlags = Object.entries(context)
      .filter((entry): entry is [string, string] => entry[1] !== undefined)
      .map(([key, value]) => `-c ${key}=${quote(value)}`)
      .join(' ');

    // Artifacts hold the whole cloud assembly (templates, Lambda bundles): a customer key
    // with rotation instead of S3-managed keys, and access logs for audit.
    const artifactKey = new kms.Key(this, 'ArtifactKey', {
      description: 'sluice delivery pipeline artifacts',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const accessLogs = new s3.Bucket(this, 'ArtifactAccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(365) }],
    });
    const artifactBucket = new s3.Bucket(this, 'Artifacts', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: artifactKey,
      bucketKeyEnabled: true,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'artifacts/',
      lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(30) }],
    });

    this.pipeline = new CodePipeline(this, 'Pipeline', {
      pipelineName: 'sluice-delivery',
      artifactBucket,
      crossAccountKeys: false,
      // V2: per-execution pricing and no implicit V1 default (CDK warns about it).
      pipelineType: codepipeline.PipelineType.V2,
      selfMutation: true,
      // The CLI of package.json: older ones cannot read the cloud assembly this aws-cdk-lib writes.
      cliVersion: '2.1148.1',
      synth: new CodeBuildStep('Synth', {
        input: CodePipelineSource.connection(repo, branch, { connectionArn }),
        commands: [
          // The npm cache is kept between builds (below); node_modules is not, since npm ci deletes it first.
          'npm ci --prefer-offline --no-audit --no-fund',
          // Appended to `vitest run`, the last command of `npm test`.
          `npm test -- --reporter=default --reporter=junit --outputFile.junit=${JUNIT_REPORT}`,
          // The stages deploy the esbuild bundles of dist/handlers.
          'npm run build',
          `npx cdk synth ${contextFlags}`,
        ],
        partialBuildSpec: codebuild.BuildSpec.fromObject({
          reports: {
            vitest: {
              files: [path.basename(JUNIT_REPORT)],
              'base-directory': path.dirname(JUNIT_REPORT),
              'file-format': 'JUNITXML',
            },
          },
          cache: { paths: ['/root/.npm/**/*'] },
        }),
        cache: codebuild.Cache.bucket(artifactBucket, { prefix: 'build-cache/synth' }),
      }),
      codeBuildDefaults: {
        buildEnvironment: {
          buildImage: codebuild.LinuxBuildImage.STANDARD_7_0,
          computeType: codebuild.ComputeType.MEDIUM,
        },
        partialBuildSpec: codebuild.BuildSpec.fromObject({
          phases: { install: { 'runtime-versions': { nodejs: '20' } } },
        }),
      },
    });

    const stage = (name: 'Dev' | 'Uat' | 'Prod') =>
      new SluiceStage(this, name, {
        stage: name.toLowerCase() as 'dev' | 'uat' | 'prod',
        stageContext,
        operationsContext,
        env: props.env,
      });
    this.pipeline.addStage(stage('Dev'));
    if (uat) this.pipeline.addStage(stage('Uat'));
    const prod = stage('Prod');
    this.pipeline.addStage(prod, {
      stackSteps: [
        {
          stack: prod.stack,
          // After CloudFormation has computed the change set, before it is executed.
          changeSet: [
            new ManualApprovalStep('PromoteToProd', {
              comment: `Review the change set of ${prod.stack.stackName} in CloudFormation, then approve to execute it.`,
            }),
          ],
        },
      ],
    });
    this.pipeline.buildPipeline();
    this.acknowledgePipelineWildcards(artifactBucket);
  }

  /**
   * CDK Pipelines writes its roles' policies itself (grants on the artifact bucket and
   * key, CodeBuild logs and reports, the bootstrap roles); cdk-nag reports each wildcard
   * by name. Acknowledged on the pipeline construct only, so the stages stay fully checked.
   */
  private acknowledgePipelineWildcards(artifactBucket: s3.Bucket): void {
    const account = Token.isUnresolved(this.account) ? '<AWS::AccountId>' : this.account;
    const region = Token.isUnresolved(this.region) ? '<AWS::Region>' : this.region;
    const logicalId = (construct: Construct) =>
      `<${this.resolve(this.getLogicalId(construct.node.defaultChild as codebuild.CfnProject))}>`;
    const bucketArn = `<${this.resolve(this.getLogicalId(artifactBucket.node.defaultChild as s3.CfnBucket))}.Arn>`;
    const codebuildArn = (service: 'logs' | 'codebuild', name: string) =>
      service === 'logs'
        ? `arn:<AWS::Partition>:logs:${region}:${account}:log-group:/aws/codebuild/${name}`
        : `arn:<AWS::Partition>:codebuild:${region}:${account}:report-group/${name}`;
    const projects = [this.pipeline.synthProject, this.pipeline.selfMutationProject].map(logicalId);
    Validations.of(this.pipeline).acknowledge(
      ...['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*'].map((action) => ({
        id: `AwsSolutions-IAM5[Action::${action}]`,
        reason: `${action} is part of CDK's artifact bucket grant, scoped to the pipeline's own bucket.`,
      })),
      ...['kms:ReEncrypt*', 'kms:GenerateDataKey*'].map((action) => ({
        id: `AwsSolutions-IAM5[Action::${action}]`,
        reason: `${action} is part of CDK's grant on the artifact key, scoped to that one key.`,
      })),
      {
        id: `AwsSolutions-IAM5[Resource::${bucketArn}/*]`,
        reason: 'Artifact object names are generated per execution, so only the bucket is known in advance.',
      },
      ...projects.flatMap((project) => [
        {
          id: `AwsSolutions-IAM5[Resource::${codebuildArn('logs', project)}:*]`,
          reason: 'CodeBuild names a new log stream in its own log group for every build.',
        },
        {
          id: `AwsSolutions-IAM5[Resource::${codebuildArn('codebuild', project)}-*]`,
          reason: 'CodeBuild creates report groups prefixed with the project name as builds run.',
        },
      ]),
      {
        id: `AwsSolutions-IAM5[Resource::arn:*:iam::${account}:role/*]`,
        reason:
          'Self-mutation assumes the cdk bootstrap roles, whose names carry a qualifier CDK resolves at deploy.',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          "CDK Pipelines' own grants: DescribeStacks and ListBucket for self-mutation, StartBuild on asset projects created later.",
      },
      {
        id: `AwsSolutions-IAM5[Resource::${codebuildArn('logs', '*')}]`,
        reason:
          'CDK Pipelines creates one asset-publishing project per asset, so their log groups are not known yet.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::${codebuildArn('codebuild', '*')}]`,
        reason:
          'CDK Pipelines creates one asset-publishing project per asset, so their report groups are not known yet.',
      },
    );
  }
}
