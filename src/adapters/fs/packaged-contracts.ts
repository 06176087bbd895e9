/**
 * The contracts a deployment carries: the JSON documents the CDK app writes
 * into `datasets/` beside a handler's bundle (infra/lib/contracts-code.ts),
 * validated at synth from the project's YAML or JSON files. Read with
 * JSON.parse, so the Lambda bundles need no YAML parser (113 KiB at every cold
 * start). Any other file there was not put there by the CDK app: refused.
 */
import { readFileSync } from 'node:fs';
import type { CompiledContract } from '../../core/contracts/compile.js';
import {
  ContractLoadError,
  type ContractProblem,
  compileValidated,
  duplicateIds,
  validateContract,
} from '../../core/contracts/load-value.js';
import { ContractSet } from '../../core/datasets/registry.js';
import { filesIn } from './contract-folder.js';

/** Compiles every packaged contract of `dir`; throws ContractLoadError naming every problem. */
export function loadPackagedContracts(dir: string): ContractSet {
  const problems: ContractProblem[] = [];
  const contracts: CompiledContract[] = [];
  for (const file of filesIn(dir, () => true)) {
    if (!file.endsWith('.json')) {
      problems.push({
        file,
        path: '',
        message:
          'a deployed contract is a JSON document written by the CDK app; deploy the project contracts with it',
      });
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      problems.push({ file, path: '', message: `not JSON: ${(error as Error).message}` });
      continue;
    }
    try {
      contracts.push(compileValidated(validateContract(value, file), file, { kind: 'file', file }));
    } catch (error) {
      if (!(error instanceof ContractLoadError)) throw error;
      problems.push(...error.problems);
    }
  }
  problems.push(...duplicateIds(contracts));
  if (problems.length > 0) throw new ContractLoadError(problems);
  return new ContractSet(contracts);
}
