/**
 * `sluice contract check`: a dry run of ingest on one file. The file is matched
 * and validated exactly as ingest would, and only counted: nothing is written.
 */
import type { ParseLimits } from '../datasets/contract.js';
import type { ContractSet } from '../datasets/registry.js';
import { type DatasetSource, detectDataset } from '../ingest/detect.js';
import type { RowIssue } from '../reasons.js';

export const SAMPLE_REJECTS = 5;

export interface CheckReport {
  readonly dataset: string;
  readonly source: DatasetSource;
  readonly total: number;
  readonly valid: number;
  readonly rejected: number;
  /** Reason code → rejected rows carrying it. */
  readonly reasons: Readonly<Record<string, number>>;
  readonly samples: readonly {
    readonly index: number;
    readonly line?: number;
    readonly raw: unknown;
    readonly issues: readonly RowIssue[];
  }[];
}

export async function checkText(
  prefix: string,
  text: AsyncIterable<string>,
  input: { readonly key: string; readonly dataset?: string; readonly symbol?: string },
  contracts: ContractSet,
  limits: ParseLimits,
): Promise<CheckReport> {
  const { contract, source } = detectDataset(prefix, input.key, input.dataset, contracts);
  const context = { key: input.key, ...(input.symbol === undefined ? {} : { symbol: input.symbol }) };
  const validator = contract.createValidator(context);
  let valid = 0;
  let rejected = 0;
  const reasons: Record<string, number> = {};
  const samples: CheckReport['samples'][number][] = [];
  const reject = (item: { index: number; line?: number; raw: unknown }, issues: readonly RowIssue[]) => {
    rejected++;
    for (const code of new Set(issues.map((i) => i.code))) reasons[code] = (reasons[code] ?? 0) + 1;
    if (samples.length < SAMPLE_REJECTS) {
      samples.push({
        index: item.index,
        ...(item.line === undefined ? {} : { line: item.line }),
        raw: item.raw,
        issues,
      });
    }
  };
  for await (const batch of contract.read(text, limits, context)) {
    for (const item of batch) {
      if (item.kind === 'rejected') {
        reject(item, item.issues);
        continue;
      }
      const result = validator.validate(item);
      if (result.ok) valid++;
      else reject(item, result.issues);
    }
  }
  return { dataset: contract.id, source, total: valid + rejected, valid, rejected, reasons, samples };
}
