import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';

/**
 * Both cdk-nag packs as validation plugins: synth fails on any finding not
 * acknowledged (`Validations.of(construct).acknowledge`) with a reason.
 */
export function nagPacks() {
  return [
    new AwsSolutionsChecks(undefined, { verbose: true }),
    new ServerlessChecks(undefined, { verbose: true }),
  ];
}

export function applyNagPacks(app: App): void {
  Validations.of(app).addPlugins(...nagPacks());
}
