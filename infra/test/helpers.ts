import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { SluicePipelineStack, type SluicePipelineStackProps, type Stage } from '../lib/pipeline-stack.js';

const HANDLERS = ['ingest', 'api-ingest', 'analyze', 'notify', 'aggregate', 'fetch'];

/**
 * Stand-in bundles: one index.mjs per handler. Synth hashes the folder and
 * nothing more, so the real esbuild output is not needed to check the template.
 */
export function stubHandlersDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'sluice-handlers-'));
  for (const name of HANDLERS) {
    mkdirSync(path.join(dir, name));
    writeFileSync(path.join(dir, name, 'index.mjs'), 'export const handler = async () => {};\n');
  }
  return dir;
}

export function synthPipeline(
  stage: Stage,
  handlersDir = stubHandlersDir(),
  extra: Partial<SluicePipelineStackProps> = {},
): SluicePipelineStack {
  // Skips the notify asset's npm install (no network in tests); the template is the same.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  return new SluicePipelineStack(app, `sluice-pipeline-${stage}`, {
    stage,
    alarmEmail: 'ops@example.com',
    sesIdentity: 'example.com',
    mailFrom: 'sluice@example.com',
    mailTo: 'team@example.com',
    handlersDir,
    ...extra,
  });
}
