/**
 * A contract document already parsed into a value (from YAML or JSON text)
 * validated and compiled, with every problem named by path, and by line when
 * the caller can map paths to lines. Free of the YAML parser: the Lambda
 * runtime reads the JSON documents the CDK app packages (packaged-contracts.ts).
 */
import { SluiceError } from '../errors.js';
import { type CompiledContract, type ContractOrigin, compileContract } from './compile.js';
import { type ContractDocument, ContractDocumentSchema } from './document.js';
import { RuleSyntaxError } from './rules.js';

export interface ContractProblem {
  readonly file: string;
  /** 1-based; absent when the problem is the file as a whole. */
  readonly line?: number;
  /** Where in the document, as `columns[2].type`; empty for the whole document. */
  readonly path: string;
  readonly message: string;
}

export class ContractLoadError extends SluiceError {
  constructor(readonly problems: readonly ContractProblem[]) {
    const count = problems.length === 1 ? 'a problem' : `${problems.length} problems`;
    super(
      'CONTRACT.INVALID',
      `dataset contracts have ${count}:\n${problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`,
    );
  }
}

export const formatProblem = (p: ContractProblem): string =>
  `${p.file}${p.line === undefined ? '' : `:${p.line}`}: ${p.path === '' ? '' : `${p.path}: `}${p.message}`;

const pathText = (path: readonly PropertyKey[]): string =>
  path.reduce<string>(
    (text, part) =>
      typeof part === 'number' ? `${text}[${part}]` : text === '' ? String(part) : `${text}.${String(part)}`,
    '',
  );

export type ParsedContract =
  | {
      readonly ok: true;
      readonly document: ContractDocument;
      /** The line of a path in the document, for problems found after validation. */
      readonly lineOf: (path: readonly PropertyKey[]) => number | undefined;
    }
  | { readonly ok: false; readonly problems: ContractProblem[] };

/** Validates a parsed document; `lineOf` maps a path to its line in the text, when known. */
export function validateContract(
  value: unknown,
  file: string,
  lineOf: (path: readonly PropertyKey[]) => number | undefined = () => undefined,
): ParsedContract {
  const result = ContractDocumentSchema.safeParse(value);
  if (result.success) return { ok: true, document: result.data, lineOf };
  return {
    ok: false,
    problems: result.error.issues.map((issue) => ({
      file,
      line: lineOf(issue.path),
      path: pathText(issue.path),
      message: issue.message,
    })),
  };
}

/** Compiles a validated document; throws ContractLoadError for its problems or a rule outside the grammar. */
export function compileValidated(
  parsed: ParsedContract,
  file: string,
  origin: ContractOrigin,
): CompiledContract {
  if (!parsed.ok) throw new ContractLoadError(parsed.problems);
  try {
    return compileContract(parsed.document, origin);
  } catch (error) {
    if (!(error instanceof RuleSyntaxError)) throw error;
    const at = parsed.document.rules.findIndex((r) => error.message.includes(JSON.stringify(r.check.trim())));
    const path = at < 0 ? ['rules'] : ['rules', at, 'check'];
    throw new ContractLoadError([
      { file, line: parsed.lineOf(path), path: pathText(path), message: error.message },
    ]);
  }
}

/** A dataset id declared by two files is a problem of the later one. */
export function duplicateIds(contracts: readonly CompiledContract[]): ContractProblem[] {
  const problems: ContractProblem[] = [];
  const seen = new Map<string, string>();
  for (const contract of contracts) {
    const earlier = seen.get(contract.id);
    if (earlier !== undefined) {
      problems.push({
        file: contract.origin.file,
        path: 'dataset',
        message: `dataset ${contract.id} is also declared in ${earlier}`,
      });
    }
    seen.set(contract.id, contract.origin.file);
  }
  return problems;
}
