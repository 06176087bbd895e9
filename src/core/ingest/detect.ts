/** Which contract reads a file: forced by the caller, named by the key prefix, or sniffed from content. */
import type { DatasetContract } from '../datasets/contract.js';
import { BUILTINS, type ContractSet } from '../datasets/registry.js';
import { UnreadableFileError } from '../errors.js';
import { datasetFromKey, INPUT_PREFIX } from '../keys.js';
import { firstLineOf, headerNamesOf, resolveHeader } from './csv-header.js';

export type DatasetSource = 'forced' | 'key-prefix' | 'detected';

export interface Detection {
  readonly contract: DatasetContract;
  readonly source: DatasetSource;
}

export const SNIFF_CHARS = 64 * 1024;

const firstLine = (prefix: string): string => {
  const end = prefix.search(/\r?\n/);
  const line = end < 0 ? prefix : prefix.slice(0, end);
  return line.length > 120 ? `${line.slice(0, 117)}...` : line;
};

// Text files are overwhelmingly printable; C0 controls other than tab, CR, LF and FF mean binary.
function looksBinary(prefix: string): boolean {
  const end = Math.min(prefix.length, 4096);
  for (let i = 0; i < end; i++) {
    const c = prefix.charCodeAt(i);
    if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0c && c !== 0x0d) return true;
  }
  return false;
}

function describe(prefix: string): string {
  const start = prefix.trimStart()[0];
  if (start === '{' || start === '[') return 'JSON that is not a Twelve Data time_series response';
  return `CSV with header ${JSON.stringify(firstLine(prefix))}`;
}

/** The contract a key names: `inputs/<dataset>/...`, or a contract's key glob below `inputs/`. */
function namedByKey(key: string, contracts: ContractSet): DatasetContract | undefined {
  const byPrefix = datasetFromKey(key, (id) => contracts.has(id));
  if (byPrefix !== undefined) return contracts.byId(byPrefix);
  return key.startsWith(INPUT_PREFIX) ? contracts.byKey(key.slice(INPUT_PREFIX.length)) : undefined;
}

export function detectDataset(
  prefix: string,
  key: string,
  forced?: string,
  contracts: ContractSet = BUILTINS,
): Detection {
  const all = contracts.all;
  if (forced !== undefined && !contracts.has(forced)) {
    throw new UnreadableFileError(
      'unknown_dataset',
      `unknown dataset ${JSON.stringify(forced)}; known: ${all.map((d) => d.id).join(', ')}`,
    );
  }
  const contract = forced !== undefined ? contracts.byId(forced) : namedByKey(key, contracts);
  if (contract !== undefined) {
    const named = contract.id;
    if (!contract.sniff(prefix)) {
      const expected = contract.header ? `header ${contract.header.join(',')}` : 'a JSON object';
      throw new UnreadableFileError(
        'dataset_mismatch',
        `dataset ${named} expects ${expected}, but the file is ${describe(prefix)}`,
      );
    }
    return { contract, source: forced !== undefined ? 'forced' : 'key-prefix' };
  }
  if (looksBinary(prefix)) {
    throw new UnreadableFileError('unsupported_format', 'the file is binary, neither JSON nor CSV text');
  }
  const sniffed = all.find((d) => d.sniff(prefix));
  if (!sniffed) {
    const near = nearestCsvContract(prefix, all);
    if (near) {
      throw new UnreadableFileError(
        'missing_columns',
        `the CSV header ${JSON.stringify(firstLine(prefix))} looks like ${near.id} but lacks the required column(s) ${near.missing.join(', ')}`,
      );
    }
    const known = all
      .filter((d) => d.header)
      .map((d) => `${d.id} (${d.header?.join(',')})`)
      .join('; ');
    throw new UnreadableFileError(
      'unknown_dataset',
      `no dataset recognizes ${describe(prefix)}; known CSV headers: ${known}`,
    );
  }
  return { contract: sniffed, source: 'detected' };
}

/**
 * The CSV contract a header nearly fits: it names at least half of the contract's
 * required columns (two or more), but not all. Foreign headers stay unknown_dataset.
 */
function nearestCsvContract(
  prefix: string,
  all: readonly DatasetContract[],
): { id: string; missing: readonly string[] } | undefined {
  const start = prefix.trimStart()[0];
  if (start === '{' || start === '[') return undefined;
  const names = headerNamesOf(firstLineOf(prefix));
  let best: { id: string; missing: readonly string[]; matched: number } | undefined;
  for (const d of all) {
    if (!d.layout) continue;
    const resolution = resolveHeader(names, d.layout);
    const required = d.layout.columns.filter((c) => c.required !== false).length;
    const matched = resolution.matched;
    if (matched >= 2 && matched * 2 >= required && resolution.missing.length > 0) {
      if (!best || matched > best.matched) best = { id: d.id, missing: resolution.missing, matched };
    }
  }
  return best;
}
