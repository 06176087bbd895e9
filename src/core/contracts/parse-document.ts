/**
 * A contract file's text (YAML or JSON: JSON is YAML 1.2) parsed and validated,
 * or every problem in it named by path and line, never a stack trace. The yaml
 * library keeps each node's source range, so a zod issue's path is traced back
 * to the line that holds it.
 */
import { isCollection, LineCounter, parseDocument } from 'yaml';
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

export function parseContractText(text: string, file: string): ParsedContract {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((e) => ({
        file,
        line: e.linePos?.[0]?.line,
        path: '',
        message: e.message.split('\n')[0] ?? e.message,
      })),
    };
  }
  const lineOf = (path: readonly PropertyKey[]): number | undefined => {
    // The deepest node the path reaches: a missing key points at the object that lacks it.
    for (let depth = path.length; depth >= 0; depth--) {
      const node = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth) as (string | number)[], true);
      const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
      if (range !== undefined && (depth > 0 || isCollection(node))) return lineCounter.linePos(range[0]).line;
    }
    return undefined;
  };
  const result = ContractDocumentSchema.safeParse(doc.toJS());
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

/** Parses, validates and compiles one contract file; throws ContractLoadError naming every problem. */
export function loadContractText(
  text: string,
  file: string,
  origin: ContractOrigin = { kind: 'file', file },
): CompiledContract {
  const parsed = parseContractText(text, file);
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
