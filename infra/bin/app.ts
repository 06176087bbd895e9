/**
 * The CDK app (`npx cdk synth|deploy -c stage=dev -c sesIdentity=... -c mailFrom=... -c mailTo=...`).
 * See docs/deploy.md.
 */
import { App } from 'aws-cdk-lib';
import { parsePipelineContext } from '../lib/config.js';
import { parseDeliveryContext } from '../lib/delivery/context.js';
import { SluiceDeliveryPipelineStack } from '../lib/delivery-pipeline-stack.js';
import { applyNagPacks } from '../lib/nag.js';
import { parseOperationsContext, resolveOperations } from '../lib/operations.js';
import { SluicePipelineStack } from '../lib/pipeline-stack.js';

const app = new App();
const read = (key: string) => app.node.tryGetContext(key);
const context = parsePipelineContext(read);
// Throttling, sizes, retention, namespace, tags: `-c preset=financial` and the keys of infra/lib/operations.ts.
const operationsContext = parseOperationsContext(read);
const operations = resolveOperations(operationsContext);
// `-c pipeline=true`: the CDK Pipelines stack that deploys dev, uat (unless -c uat=false), then prod (docs/deploy.md).
if (String(app.node.tryGetContext('pipeline')) === 'true') {
  const { stage: _, ...stageContext } = context;
  new SluiceDeliveryPipelineStack(app, 'SluiceDelivery', {
    ...parseDeliveryContext(read),
    stageContext,
    operationsContext,
    description: 'sluice continuous delivery: GitHub to dev, uat, then prod after its change set is approved',
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
    tags: { project: 'sluice' },
  });
}
new SluicePipelineStack(app, `sluice-pipeline-${context.stage}`, {
  ...context,
  operations,
  description: `sluice data pipeline (${context.stage})`,
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
applyNagPacks(app);
app.synth();
