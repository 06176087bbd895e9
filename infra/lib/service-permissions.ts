import type { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';

/** Cross-region inference profile ids start with a geography (`us.amazon.nova-lite-v1:0`). */
const INFERENCE_PROFILE = /^(us|eu|apac|us-gov|global)\.(.+)$/;

/**
 * `bedrock:InvokeModel` (what Converse needs) on the configured model only. An
 * inference profile routes to the model in any region of its geography, so the
 * model ARN behind a profile cannot name one region.
 */
export function bedrockInvokeStatement(stack: Stack, modelId: string): iam.PolicyStatement {
  const profile = INFERENCE_PROFILE.exec(modelId);
  const resources = profile
    ? [
        stack.formatArn({ service: 'bedrock', resource: 'inference-profile', resourceName: modelId }),
        `arn:${stack.partition}:bedrock:*::foundation-model/${profile[2]}`,
      ]
    : [`arn:${stack.partition}:bedrock:${stack.region}::foundation-model/${modelId}`];
  return new iam.PolicyStatement({ actions: ['bedrock:InvokeModel'], resources });
}

/**
 * Sending as the configured SES identity (a domain or an address), from the configured
 * address only: a verified domain would otherwise let the role send as anyone@domain.
 */
export function sesSendStatement(stack: Stack, identity: string, fromAddress: string): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions: ['ses:SendEmail', 'ses:SendRawEmail'],
    resources: [stack.formatArn({ service: 'ses', resource: 'identity', resourceName: identity })],
    conditions: { StringEquals: { 'ses:FromAddress': fromAddress } },
  });
}
