/**
 * The CDK app (`npx cdk synth|deploy -c stage=dev -c sesIdentity=... -c mailFrom=... -c mailTo=...`).
 * See docs/deploy.md.
 */
import { App } from 'aws-cdk-lib';
import { parsePipelineContext } from '../lib/config.js';
import { parseDeliveryContext } from '../lib/delivery/context.js';
import { SluiceDeliveryPipelineStack } from '../lib/delivery-pipeline-stack.js';
import { applyNagPacks } from '../lib/nag.js';
import { SluicePipelineStack } from '../lib/pipeline-stack.js';

const app = new App();
const context = parsePipelineContext((key) => app.node.tryGetContext(key));
// `-c pipeline=true`: the CDK Pipelines stack that deploys dev, then prod (docs/deploy.md).
if (String(app.node.tryGetContext('pipeline')) === 'true') {
  const { stage: _, ...stageContext } = context;
  new SluiceDeliveryPipelineStack(app, 'SluiceDelivery', {
    ...parseDeliveryContext((key) => app.node.tryGetContext(key)),
    stageContext,
    description: 'sluice continuous delivery: GitHub to dev, then prod after approval',
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
    tags: { project: 'sluice' },
  });
}
new SluicePipelineStack(app, `sluice-pipeline-${context.stage}`, {
  ...context,
  description: `sluice data pipeline (${context.stage})`,
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  tags: { project: 'sluice', stage: context.stage },
});
applyNagPacks(app);
app.synth();
