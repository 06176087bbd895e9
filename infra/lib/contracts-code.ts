import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { parse } from 'yaml';
import { contractFilesIn, loadContractDir } from '../../src/adapters/fs/contract-files.js';

/**
 * A handler's asset with the project's contract files beside the bundle in
 * `datasets/`, where the runtime reads them at cold start (LAMBDA_TASK_ROOT).
 * Packaging them into the function rather than reading an S3 prefix ties each
 * deployment to the contracts it was synthesized with: a contract change is a
 * deploy (reviewed, versioned, rolled back with the code), a cold start makes no
 * extra S3 call, and an invalid contract fails `cdk synth` with every problem
 * named instead of the first ingest after a careless upload. Each file goes in
 * as a JSON document named after its dataset, which the runtime reads without a
 * YAML parser (src/adapters/fs/packaged-contracts.ts).
 */
export function handlerCode(handlersDir: string, name: string, contractsDir: string): lambda.Code {
  const bundle = path.join(handlersDir, name);
  const files = contractFilesIn(contractsDir);
  if (files.length === 0) return lambda.Code.fromAsset(bundle, { exclude: ['*.map', 'meta.json'] });
  loadContractDir(contractsDir);
  // A folder of its own per handler beside the bundles, so the asset hash covers code and contracts.
  const staged = path.join(handlersDir, '..', 'handlers-with-contracts', name);
  rmSync(staged, { recursive: true, force: true });
  mkdirSync(staged, { recursive: true });
  cpSync(bundle, staged, { recursive: true });
  mkdirSync(path.join(staged, 'datasets'));
  for (const file of files) {
    // Valid (checked above), so a document with a dataset id unique among the files.
    const document = parse(readFileSync(file, 'utf8')) as { dataset: string };
    writeFileSync(
      path.join(staged, 'datasets', `${document.dataset}.json`),
      `${JSON.stringify(document, null, 2)}\n`,
    );
  }
  return lambda.Code.fromAsset(staged, { exclude: ['*.map', 'meta.json'] });
}
