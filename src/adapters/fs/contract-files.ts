/**
 * A project's contract files: `*.yaml`, `*.yml` and `*.json` in one folder
 * (`datasets/` by default), read and compiled at start. Every problem across
 * all files is gathered before refusing, so one run names them all.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { CompiledContract } from '../../core/contracts/compile.js';
import { ContractLoadError, type ContractProblem, duplicateIds } from '../../core/contracts/load-value.js';
import { loadContractText } from '../../core/contracts/parse-document.js';
import { ContractSet } from '../../core/datasets/registry.js';
import { filesIn } from './contract-folder.js';

const CONTRACT_FILE = /\.(ya?ml|json)$/i;

/** The contract files of a folder, sorted by name; none when the folder does not exist. */
export const contractFilesIn = (dir: string): string[] =>
  filesIn(dir, (name) => CONTRACT_FILE.test(name) && !name.endsWith('.schema.json'));

/** Compiles every contract file of `dir`; throws ContractLoadError naming every problem of every file. */
export function loadContractDir(dir: string): ContractSet {
  const problems: ContractProblem[] = [];
  const contracts: CompiledContract[] = [];
  for (const file of contractFilesIn(dir)) {
    const shown = path.relative(process.cwd(), file) || file;
    try {
      contracts.push(loadContractText(readFileSync(file, 'utf8'), shown));
    } catch (error) {
      if (error instanceof ContractLoadError) problems.push(...error.problems);
      else problems.push({ file: shown, path: '', message: (error as Error).message });
    }
  }
  problems.push(...duplicateIds(contracts));
  if (problems.length > 0) throw new ContractLoadError(problems);
  return new ContractSet(contracts);
}
